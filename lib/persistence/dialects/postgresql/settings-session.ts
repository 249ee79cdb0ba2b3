import type { MikroORM } from '@mikro-orm/core';
import type { CompiledQuery, QueryResult } from 'kysely';
import type { Executor } from '../../sql.util.js';
import { StatementNames } from './named-statements.js';
import { pgClientFactory, type PgClient } from './pg-client.js';

/**
 * A connection of its own (not one of the pool's), opened on first use, whose session holds
 * `settings` (the claim's planner settings). A statement that needs them is then one round
 * trip in autocommit; on a pool connection it takes three (BEGIN with its SET LOCALs, the statement,
 * COMMIT), and the settings cannot stay on a connection the application shares. Statements run as
 * named prepared statements, one at a time in the order they were sent (node-postgres queues them).
 *
 * `executor` is undefined when the session cannot be had (closed, failed to open, or busy with
 * another caller's statement): the caller then runs the statement its other way. So several
 * consumer loops of one process never queue behind one another on this one connection. A statement
 * that fails drops the connection; the next one opens a new session.
 */
export class SettingsSession {
  private client: Promise<PgClient | undefined> | undefined;
  private closed = false;
  /** An executor is out whose statement has not ended. */
  private busy = false;
  private readonly names = new StatementNames('njs_', 32);

  constructor(
    private readonly orm: MikroORM,
    private readonly settings: readonly string[],
    /** The connection's `application_name`, so operators can tell it in `pg_stat_activity`. */
    private readonly applicationName: string,
  ) {}

  /**
   * An executor for one statement in this session, which is the caller's until that statement ends;
   * or undefined (closed, the session cannot be opened, or another caller's statement holds it).
   */
  async executor(): Promise<Executor | undefined> {
    if (this.closed || this.busy) return undefined;
    const opening = (this.client ??= this.open());
    const client = await opening;
    if (!client) {
      if (this.client === opening) this.client = undefined; // ask again next time
      return undefined;
    }
    if (this.closed || this.busy) return undefined; // taken while this caller waited for the connection
    this.busy = true;
    let used = false;
    return {
      executeQuery: (async (q: CompiledQuery) => {
        if (used) throw new Error('A SettingsSession executor runs one statement');
        used = true;
        try {
          const { rows } = await client.query({ name: this.names.of(q.sql), text: q.sql, values: [...q.parameters] });
          return { rows } as QueryResult<unknown>;
        } catch (err) {
          this.drop(client);
          throw err;
        } finally {
          this.busy = false;
        }
      }) as Executor['executeQuery'],
    };
  }

  /** Ends the session for good: later statements go their other way. */
  async close(): Promise<void> {
    this.closed = true;
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async open(): Promise<PgClient | undefined> {
    let client: PgClient;
    try {
      client = (await pgClientFactory(this.orm))({ application_name: this.applicationName });
    } catch {
      return undefined; // no node-postgres to be had: the statement goes its other way
    }
    client.on('error', () => this.drop(client));
    try {
      await client.connect();
      await client.query({ text: this.settings.map((s) => `SET ${s}`).join('; ') });
      if (this.closed) throw new Error('closed');
      return client;
    } catch {
      await client.end().catch(() => undefined);
      return undefined;
    }
  }

  /** Forgets a connection that failed (its session is unknown now) and ends it. */
  private drop(client: PgClient): void {
    const current = this.client;
    void current?.then((c) => {
      if (c === client && this.client === current) this.client = undefined;
    });
    void client.end().catch(() => undefined);
  }
}
