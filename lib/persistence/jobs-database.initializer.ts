import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { MikroORM } from '@mikro-orm/core';
import { getMikroORMToken } from '@mikro-orm/nestjs';
import { JOBS_MODULE_OPTIONS } from '../jobs.constants.js';
import { JobsConfigurationError } from '../errors/configuration.error.js';
import type { ResolvedJobsModuleOptions } from '../interfaces/jobs-module-options.js';
import { JobStore } from './job.store.js';

/**
 * Finds the application's MikroORM (by `contextName` when given) once every provider exists, and
 * binds the store to it. Looked up at init rather than injected because `forRootAsync` options,
 * which name the context, are only known then.
 */
@Injectable()
export class JobsDatabaseInitializer implements OnModuleInit {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly store: JobStore,
    @Inject(JOBS_MODULE_OPTIONS) private readonly options: ResolvedJobsModuleOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const token = this.options.contextName ? getMikroORMToken(this.options.contextName) : MikroORM;
    let orm: MikroORM | undefined;
    try {
      orm = this.moduleRef.get<MikroORM>(token as any, { strict: false });
    } catch {
      orm = undefined;
    }
    if (!orm) {
      const which = this.options.contextName ? `with contextName '${this.options.contextName}'` : '';
      throw new JobsConfigurationError(
        `JobsModule needs a MikroORM ${which}: import MikroOrmModule.forRoot({ ..., entities: [...yourEntities, ...JOB_ENTITIES] }) in the same application.`,
      );
    }
    // Drivers whose client is built asynchronously (MariaDB's mysql2 pool) have none until the first
    // query; the store takes it synchronously. Builds it without connecting to the server.
    await (orm.em.getConnection() as { initClient?: () => Promise<void> }).initClient?.();
    await this.store
      .attach(orm, {
        notify: this.options.notify,
        maxPayloadBytes: this.options.maxPayloadBytes,
        preparedStatements: this.options.preparedStatements,
        claimSession: this.options.claimSession,
      })
      .prepare();
  }
}
