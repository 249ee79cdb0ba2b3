import { JobsError } from '../errors/jobs.error.js';
import { QueueUnavailableError } from '../errors/queue-unavailable.error.js';

/** Turns a lost database into `QueueUnavailableError`; the library's own errors pass through. */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof JobsError || !isConnectionError(err)) throw err;
    throw new QueueUnavailableError(
      `The job database is unreachable (${(err as Error).message}); nothing was written. Retry later.`,
      { cause: err },
    );
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
]);

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; cause?: unknown; message?: string; name?: string } | null;
  if (!e) return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  if (e.name === 'ConnectionException') return true;
  if (
    /Connection terminated|connection is closed|Client has encountered a connection error|terminating connection/i.test(
      e.message ?? '',
    )
  )
    return true;
  return e.cause ? isConnectionError(e.cause) : false;
}
