import type { MikroORM } from '@mikro-orm/core';
import type { Listener } from '../../jobs-dialect.js';
import { pgClientFactory, type PgClient } from './pg-client.js';

/**
 * LISTEN on one dedicated connection (not the pool's): calls `onWake` with the payload of every
 * notification of `channel`, and without one when (re)connected, to catch up on anything written meanwhile. A dropped
 * connection is reopened with backoff; consumers keep polling until it is back.
 */
export async function listenOn(
  orm: MikroORM,
  channel: string,
  onWake: (payload?: string) => void,
  warn: (message: string) => void,
  /** Run on each (re)connect before the LISTEN, which stays the connection's last statement. */
  before?: { sql: string; params: unknown[] },
): Promise<Listener> {
  const newClient = await pgClientFactory(orm);
  let client: PgClient | undefined;
  let closed = false;
  let retryMs = 250;
  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = newClient();
    c.on('notification', (msg: { payload?: string }) => onWake(msg.payload));
    c.on('error', (err: Error) => {
      warn(`LISTEN connection lost (${err.message}); polling until it is back`);
      c.removeAllListeners('error');
      c.on('error', () => undefined);
      void c.end().catch(() => undefined);
      if (client === c) client = undefined;
      setTimeout(() => void connect(), retryMs).unref();
      retryMs = Math.min(retryMs * 2, 5_000);
    });
    try {
      await c.connect();
      if (before) await c.query({ text: before.sql, values: before.params });
      await c.query(`LISTEN ${channel}`);
      if (closed) {
        await c.end().catch(() => undefined);
        return;
      }
      client = c;
      retryMs = 250;
      onWake(); // catch up on anything enqueued while we were not listening
    } catch (err) {
      c.emit('error', err as Error);
    }
  };
  await connect();
  return {
    close: async () => {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}
