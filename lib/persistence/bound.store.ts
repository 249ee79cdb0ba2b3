import { Logger } from '@nestjs/common';
import type { MikroORM } from '@mikro-orm/core';
import type { Kysely } from 'kysely';
import { JobsConfigurationError } from '../errors/configuration.error.js';
import { dialectFor } from './dialects/index.js';
import type { DatabaseName, JobsDialect } from './jobs-dialect.js';
import { LocalWakes } from './local-wakes.js';
import type { Executor } from './sql.util.js';

/** What the store is told at attach time. */
export interface JobStoreOptions {
  /** Wake other processes' consumers when jobs become pending (where the database can). */
  notify: boolean;
  /** Limit of a pipeline's workspace, warned about when a merge leaves it over. */
  maxPayloadBytes: number;
  /** Run the hot statements as named prepared statements (where the dialect does). */
  preparedStatements: boolean;
  /** Claim on a connection of the dialect's own while a backlog lasts (where the dialect does). */
  claimSession: boolean;
}

/**
 * The store bound to its database: the MikroORM instance, its dialect and connection, and what is
 * set at attach time. `JobStore` adds the intent methods.
 */
export abstract class BoundStore {
  private attached?: { orm: MikroORM; dialect: JobsDialect; db: Kysely<any>; options: JobStoreOptions };
  private readonly logger = new Logger('JobConsumer');
  protected warnSink: (message: string) => void = (m) => this.logger.warn(m);
  protected readonly localWakes = new LocalWakes();

  /** Binds the store to the MikroORM instance that holds the queue (done once at module init). */
  attach(orm: MikroORM, options: JobStoreOptions): this {
    this.attached = { orm, dialect: dialectFor(orm), db: (orm.em.fork() as any).getKysely() as Kysely<any>, options };
    return this;
  }

  protected get bound() {
    if (!this.attached) {
      throw new JobsConfigurationError(
        'The job queue is not initialised yet: use JobQueue and JobConsumer after the Nest application has been created (app.init() or NestFactory.create*).',
      );
    }
    return this.attached;
  }

  get orm(): MikroORM {
    return this.bound.orm;
  }

  protected get dialect(): JobsDialect {
    return this.bound.dialect;
  }

  /** The dialect once attached; undefined before (an application that never finished initialising). */
  protected get attachedDialect(): JobsDialect | undefined {
    return this.attached?.dialect;
  }

  /**
   * Whether statements run in a database server beside this process, so it can prepare the next
   * while the server runs one (not SQLite, which runs them in this thread).
   */
  get writesInParallel(): boolean {
    return !this.dialect.oneConnection;
  }

  /** Whether a write in one process wakes consumers in others (else they find it at their next poll). */
  get wakesOtherProcesses(): boolean {
    return this.bound.options.notify && this.dialect.notifies;
  }

  /** Where warnings of the finish transaction go (a child key taken meanwhile, a workspace over the limit); returns the previous sink. */
  onWarning(sink: (message: string) => void): (message: string) => void {
    const previous = this.warnSink;
    this.warnSink = sink;
    return previous;
  }

  /** Per-connection settings of the dialect. */
  prepare(): Promise<void> {
    return this.dialect.prepare(this.bound.db, this.bound.orm, this.bound.options);
  }

  protected transaction<T>(fn: (tx: Executor) => Promise<T>, fenced = false): Promise<T> {
    return this.dialect.transaction(this.bound.db, fn, fenced);
  }

  /** The database the queue is on, by the name `jobsSchemaSql` takes. */
  get databaseName(): DatabaseName {
    return this.dialect.name;
  }
}
