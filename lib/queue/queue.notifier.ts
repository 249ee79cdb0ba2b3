import { Inject, Injectable, Logger } from '@nestjs/common';
import { JOBS_MODULE_OPTIONS } from '../jobs.constants.js';
import type { ResolvedJobsModuleOptions } from '../interfaces/jobs-module-options.js';
import { JobStore } from '../persistence/job.store.js';
import { type Executor, run } from '../persistence/sql.util.js';

const CHANNEL = 'queue_job_ready';

export interface Listener {
  close(): Promise<void>;
}

/**
 * PostgreSQL LISTEN/NOTIFY: the insert of an enqueue notifies `channel` (the message goes out when
 * it commits), consumers listen on one dedicated connection and wake at once instead of waiting
 * for their next poll. Polling stays as the fallback; SQLite only polls.
 */
@Injectable()
export class QueueNotifier {
  private readonly logger = new Logger('JobsNotifier');

  constructor(
    private readonly store: JobStore,
    @Inject(JOBS_MODULE_OPTIONS) private readonly options: ResolvedJobsModuleOptions,
  ) {
    // A finish that unblocks pipeline steps wakes every consumer too: a step only another process
    // runs (its GPU step) would otherwise wait for that process's next poll.
    store.onStepsUnblocked((tx) => this.notify(tx));
  }

  get enabled(): boolean {
    return this.options.notify && this.store.dialect === 'postgresql';
  }

  /** The channel to notify when pending jobs are written, if notifications are on. */
  get channel(): string | undefined {
    return this.enabled ? CHANNEL : undefined;
  }

  /** Notifies in `ex`'s transaction (enqueues notify from their insert statement, see JobStore.insert). */
  async notify(ex: Executor): Promise<void> {
    if (!this.enabled) return;
    await run(ex, { sql: `SELECT pg_notify('${CHANNEL}', '')`, params: [] });
  }

  /** Calls `onWake` on every notification; reconnects with backoff if the connection drops. */
  async listen(onWake: () => void): Promise<Listener> {
    if (!this.enabled) return { close: async () => undefined };
    const pg = (await import('pg')).default;
    const connectionOptions = (this.store.orm.em.getConnection() as any).mapOptions({});
    let client: InstanceType<typeof pg.Client> | undefined;
    let closed = false;
    let retryMs = 250;
    const connect = async (): Promise<void> => {
      if (closed) return;
      const c = new pg.Client(connectionOptions);
      c.on('notification', () => onWake());
      c.on('error', (err) => {
        this.logger.warn(`LISTEN connection lost (${err.message}); polling until it is back`);
        c.removeAllListeners('error');
        c.on('error', () => undefined);
        void c.end().catch(() => undefined);
        if (client === c) client = undefined;
        setTimeout(() => void connect(), retryMs).unref();
        retryMs = Math.min(retryMs * 2, 5_000);
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${CHANNEL}`);
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
}
