import { readToken } from './session.store.js';

/** A refused or failed API call: the HTTP status and the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** 401 or 403: the token is missing, wrong or not allowed to do this. */
  get refused(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** The API sits beside the dashboard: `/<path>/assets/app.js` calls `/<path>/api/...`, whatever the path or global prefix. */
const API_BASE = new URL('../api/', import.meta.url);

type Query = Record<string, string | number | undefined | null>;

const unauthorizedListeners = new Set<() => void>();

/** Called when a request comes back 401 (the token expired or was changed on the server). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function url(path: string, query: Query = {}): URL {
  const target = new URL(path, API_BASE);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') target.searchParams.set(key, String(value));
  }
  return target;
}

async function request<T>(method: 'GET' | 'POST', target: URL, body?: unknown, token = readToken()): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  // Actions need this header: a cross-site form cannot send it without a CORS preflight.
  if (method === 'POST') Object.assign(headers, { 'X-Jobs-Admin': '1', 'Content-Type': 'application/json' });
  const response = await fetch(target, {
    method,
    headers,
    body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await response.text();
  const json: unknown = text ? safeParse(text) : null;
  if (!response.ok) {
    if (response.status === 401) unauthorizedListeners.forEach((listener) => listener());
    throw new ApiError(response.status, messageOf(json) ?? `${response.status} ${response.statusText}`);
  }
  return json as T;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Nest's error body: `{ statusCode, message, error }`, where `message` may be a list (validation). */
function messageOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (!body || typeof body !== 'object') return undefined;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : undefined;
}

export function apiGet<T>(path: string, query?: Query, token?: string | null): Promise<T> {
  return request<T>('GET', url(path, query), undefined, token === undefined ? readToken() : token);
}

export function apiPost<T>(path: string, body?: unknown): Promise<T> {
  return request<T>('POST', url(path), body);
}
