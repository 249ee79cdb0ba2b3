import { readToken } from './session.store.js';

/**
 * The console's event stream (`GET api/events`, server-sent events) for the whole page: one
 * connection, read with fetch (a header carries the token; `EventSource` cannot send one). Pages
 * reload when an event arrives. `complete`: the server hears other processes' finishes, cancels and
 * retries too (PostgreSQL); then pages poll only now and then, for what is never told (enqueues and
 * starts elsewhere). Otherwise, and while the stream is down, they poll as before.
 */

/** Whether events stand in for most polling (the stream is up and hears every process). */
let complete = false;
let open = false;
let retryAt = 0;
const listeners = new Set<() => void>();
const stateListeners = new Set<() => void>();

/** After a failed or refused stream: how long to poll only, before trying it again. */
const RETRY_AFTER_MS = 30_000;

const STREAM_URL = new URL('../api/events', import.meta.url);

/** Whether the stream is up and hears every process (pages then poll rarely). */
export function eventsComplete(): boolean {
  return complete;
}

/** Calls `listener` at each event; returns what unsubscribes. */
export function onJobEvent(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Calls `listener` when `eventsComplete()` changes. */
export function onStreamState(listener: () => void): () => void {
  stateListeners.add(listener);
  return () => stateListeners.delete(listener);
}

/**
 * Opens the stream unless it is open (or failed lately). Called after an API read succeeded, so
 * that a page not logged in yet never asks for it.
 */
export function ensureEventStream(): void {
  if (open || Date.now() < retryAt || typeof ReadableStream === 'undefined') return;
  open = true;
  void read().finally(() => {
    open = false;
    retryAt = Date.now() + RETRY_AFTER_MS;
    setComplete(false);
  });
}

function setComplete(value: boolean): void {
  if (complete === value) return;
  complete = value;
  stateListeners.forEach((listener) => listener());
}

async function read(): Promise<void> {
  const token = readToken();
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    const response = await fetch(STREAM_URL, { headers, credentials: 'omit', cache: 'no-store' });
    if (!response.ok || !response.body) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        handle(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  } catch {
    // The network or the server went away: pages poll until the next try.
  }
}

/** One message: `data: {json}` lines. */
function handle(message: string): void {
  const data = message
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trimStart())
    .join('\n');
  if (!data) return;
  let event: { event?: string; crossProcess?: boolean };
  try {
    event = JSON.parse(data) as typeof event;
  } catch {
    return;
  }
  if (event.event === 'hello') return setComplete(event.crossProcess === true);
  if (event.event === 'ping') return;
  listeners.forEach((listener) => listener());
}
