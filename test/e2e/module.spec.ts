/**
 * JobsModule: discovery of @Job() handlers on any provider, duplicate names, forRoot and
 * forRootAsync, a dedicated queue database selected by `contextName`, and option validation at boot.
 */
import 'reflect-metadata';
import { Injectable, Module, Scope, type ModuleMetadata, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { MikroORM } from '@mikro-orm/core';
import { getMikroORMToken, MikroOrmModule } from '@mikro-orm/nestjs';
import {
  DuplicateJobError,
  InvalidJobOptionsError,
  Job,
  JOB_ENTITIES,
  JobConsumer,
  JobQueue,
  JobsConfigurationError,
  JobsModule,
  type JobContext,
} from '../../lib/index.js';
import { LedgerEntrySchema } from '../fixtures/ledger.entity.js';
import { createTestDatabase, DB_KINDS, type TestDatabase, type TestOrmOptions } from '../helpers/databases.js';
import { mikroOrmOptions } from '../helpers/jobs-app.js';
import { countRows } from '../helpers/job-rows.js';

type Imports = NonNullable<ModuleMetadata['imports']>;

@Injectable()
class FeatureJobs {
  @Job('feature.double')
  double(input: { n: number }, ctx: JobContext) {
    return { doubled: input.n * 2, name: ctx.name };
  }
}

/** A service in a feature module that does not import JobsModule: it gets JobQueue because the module is global. */
@Injectable()
class SignupService {
  constructor(readonly jobs: JobQueue) {}
}

@Module({ providers: [SignupService] })
class SignupModule {}

/** A feature module that does not export its handler provider: discovery still finds it. */
@Module({ providers: [FeatureJobs] })
class FeatureModule {}

class FactoryMadeJobs {
  @Job('factory.hello')
  hello() {
    return 'hello from a factory provider';
  }
}

/** A request-scoped provider: there is no request in a consumer, so its handler could never run. */
@Injectable({ scope: Scope.REQUEST })
class RequestScopedJobs {
  @Job('scoped.job')
  run() {}
}

@Injectable()
class DuplicateA {
  @Job('dup.same')
  run() {}
}

@Injectable()
class DuplicateB {
  @Job('dup.same')
  work() {}
}

/** A ConfigService-like provider for forRootAsync. */
@Injectable()
class Settings {
  readonly values: Record<string, unknown> = { JOBS_ATTEMPTS: 7, JOBS_PAYLOAD: 4096 };
  get<T>(key: string): T {
    return this.values[key] as T;
  }
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

/** An options factory class for forRootAsync({ useClass }). */
@Injectable()
class JobsOptionsFactory {
  create() {
    return { defaultMaxAttempts: 4 };
  }
}

/** The driver-specific MikroOrmModule options without entities, so each test picks its own. */
function ormModule(db: TestOrmOptions, entities: unknown[], extra: Record<string, unknown> = {}) {
  return MikroOrmModule.forRoot({ ...mikroOrmOptions(db), entities, ...extra });
}

async function boot(imports: Imports, providers: Provider[] = []) {
  @Module({ imports, providers })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
  return app;
}

/**
 * Boots through @nestjs/testing so a failure at init still leaves a handle to close the ORM with.
 * Resolves to the error the boot failed with (or throws if it did not fail).
 */
async function bootFailure(imports: Imports, providers: Provider[] = []): Promise<Error> {
  let moduleRef;
  try {
    moduleRef = await Test.createTestingModule({ imports, providers }).setLogger(silentLogger).compile();
  } catch (err) {
    return err as Error;
  }
  try {
    await moduleRef.init();
  } catch (err) {
    return err as Error;
  } finally {
    await moduleRef.close();
  }
  throw new Error('the application booted, but it should have failed');
}

const silentLogger = { log() {}, error() {}, warn() {}, debug() {}, verbose() {} };

describe.each(DB_KINDS)('JobsModule on %s', (kind) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });

  afterEach(async () => {
    await db.drop();
  });

  it('discovers handlers on any provider: a feature module, a factory provider', async () => {
    const app = await boot(
      [ormModule(db.options, [...JOB_ENTITIES]), JobsModule.forRoot(), FeatureModule],
      [{ provide: 'FACTORY_JOBS', useFactory: () => new FactoryMadeJobs() }],
    );
    try {
      await app.get(MikroORM).schema.create();
      const queue = app.get(JobQueue);
      const a = await queue.enqueue('feature.double', { n: 21 });
      const b = await queue.enqueue('factory.hello');
      const summary = await app.get(JobConsumer).run({ untilEmpty: true, pollIntervalMs: 20 });
      expect(summary.completed).toBe(2);
      expect((await queue.get(a.id)).output).toEqual({ doubled: 42, name: 'feature.double' });
      expect((await queue.get(b.id)).output).toBe('hello from a factory provider');
    } finally {
      await app.close();
    }
  });

  it('is global by default: a feature module that does not import it can inject JobQueue', async () => {
    const app = await boot([
      ormModule(db.options, [...JOB_ENTITIES]),
      JobsModule.forRoot(),
      FeatureModule,
      SignupModule,
    ]);
    try {
      await app.get(MikroORM).schema.create();
      const service = app.get(SignupService);
      expect(service.jobs).toBe(app.get(JobQueue));
      const job = await service.jobs.enqueue('feature.double', { n: 2 });
      expect(job.state).toBe('pending');
    } finally {
      await app.close();
    }
  });

  it('with isGlobal: false, a module that does not import it cannot inject JobQueue', async () => {
    const error = await bootFailure([
      ormModule(db.options, [...JOB_ENTITIES]),
      JobsModule.forRoot({ isGlobal: false }),
      SignupModule,
    ]);
    expect(error.message).toMatch(/JobQueue/);
  });

  it('without a MikroORM in the application, the boot fails with JobsConfigurationError saying what to import', async () => {
    const error = await bootFailure([JobsModule.forRoot()]);
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toContain('MikroOrmModule.forRoot');
  });

  it('an application compiled but never initialised closes, and its ORM with it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ormModule(db.options, [...JOB_ENTITIES]), JobsModule.forRoot()],
    })
      .setLogger(silentLogger)
      .compile();
    const orm = moduleRef.get(MikroORM);
    // What Nest runs when an init failed part-way: the queue's database was never set up, and the
    // consumer's hook has nothing to stop or settle (a throw there would leave the ORM open).
    await expect(moduleRef.get(JobConsumer).beforeApplicationShutdown()).resolves.toBeUndefined();
    await moduleRef.close();
    expect(await orm.isConnected()).toBe(false);
  });

  it('fails the boot with DuplicateJobError naming both handlers of one name', async () => {
    const error = await bootFailure(
      [ormModule(db.options, [...JOB_ENTITIES]), JobsModule.forRoot()],
      [DuplicateA, DuplicateB],
    );
    expect(error).toBeInstanceOf(DuplicateJobError);
    expect(error.message).toContain("'dup.same'");
    expect(error.message).toContain('DuplicateA.run');
    expect(error.message).toContain('DuplicateB.work');
  });

  it('a @Job() on a request-scoped provider fails the boot naming it, rather than being skipped', async () => {
    const error = await bootFailure(
      [ormModule(db.options, [...JOB_ENTITIES]), JobsModule.forRoot()],
      [RequestScopedJobs],
    );
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toContain('RequestScopedJobs.run');
    expect(error.message).toContain("'scoped.job'");
  });

  it('forRoot applies its options (defaultMaxAttempts)', async () => {
    const app = await boot([
      ormModule(db.options, [...JOB_ENTITIES]),
      JobsModule.forRoot({ defaultMaxAttempts: 5 }),
      FeatureModule,
    ]);
    try {
      await app.get(MikroORM).schema.create();
      const job = await app.get(JobQueue).enqueue('feature.double', { n: 1 });
      expect(job.maxAttempts).toBe(5);
    } finally {
      await app.close();
    }
  });

  it('forRootAsync takes imports, inject and an async useFactory', async () => {
    const app = await boot([
      ormModule(db.options, [...JOB_ENTITIES]),
      JobsModule.forRootAsync({
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: async (settings: Settings) => ({
          defaultMaxAttempts: settings.get<number>('JOBS_ATTEMPTS'),
          maxPayloadBytes: settings.get<number>('JOBS_PAYLOAD'),
        }),
      }),
      FeatureModule,
    ]);
    try {
      await app.get(MikroORM).schema.create();
      const queue = app.get(JobQueue);
      const job = await queue.enqueue('feature.double', { n: 1 });
      expect(job.maxAttempts).toBe(7);
      // maxPayloadBytes came from the factory too: 5000 bytes of input is over its 4096.
      await expect(queue.enqueue('feature.double', { n: 1, pad: 'x'.repeat(5000) } as any)).rejects.toThrow(
        /maxPayloadBytes/,
      );
      await app.get(JobConsumer).run({ untilEmpty: true, pollIntervalMs: 20 });
      expect((await queue.get(job.id)).state).toBe('completed');
    } finally {
      await app.close();
    }
  });

  it('works with MikroOrmModule.forRootAsync as well', async () => {
    const { driver, ...rest } = mikroOrmOptions(db.options);
    const app = await boot([
      MikroOrmModule.forRootAsync({
        driver,
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: async () => ({ driver, ...rest, entities: [...JOB_ENTITIES] }),
      }),
      JobsModule.forRootAsync({
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: (s: Settings) => ({ defaultMaxAttempts: s.get<number>('JOBS_ATTEMPTS') }),
      }),
      FeatureModule,
    ]);
    try {
      await app.get(MikroORM).schema.create();
      const job = await app.get(JobQueue).enqueue('feature.double', { n: 5 });
      await app.get(JobConsumer).run({ untilEmpty: true, pollIntervalMs: 20 });
      expect(await app.get(JobQueue).get(job.id)).toMatchObject({
        state: 'completed',
        output: { doubled: 10 },
        maxAttempts: 7,
      });
    } finally {
      await app.close();
    }
  });

  it('forRootAsync takes an options class (useClass)', async () => {
    const app = await boot([
      ormModule(db.options, [...JOB_ENTITIES]),
      JobsModule.forRootAsync({ useClass: JobsOptionsFactory }),
      FeatureModule,
    ]);
    try {
      await app.get(MikroORM).schema.create();
      expect((await app.get(JobQueue).enqueue('feature.double', { n: 1 })).maxAttempts).toBe(4);
    } finally {
      await app.close();
    }
  });

  it.each([
    ['defaultMaxAttempts', { defaultMaxAttempts: 0 }],
    ['maxPayloadBytes', { maxPayloadBytes: 'big' }],
    ['leaseMs', { leaseMs: -1 }],
    ['defaultBackoff.baseMs', { defaultBackoff: { baseMs: 1.5 } }],
    ['notify', { notify: 'yes' }],
    ['contextName', { contextName: '' }],
  ])('forRoot with a bad %s fails the boot naming it', async (option, options) => {
    const error = await bootFailure([ormModule(db.options, [...JOB_ENTITIES]), JobsModule.forRoot(options as any)]);
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toContain(option);
  });

  it('forRootAsync with a bad option from its factory fails the boot naming it', async () => {
    const error = await bootFailure([
      ormModule(db.options, [...JOB_ENTITIES]),
      JobsModule.forRootAsync({ useFactory: () => ({ heartbeatMs: 9000, leaseMs: 10000 }) }),
    ]);
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toContain('heartbeatMs');
  });

  it('a contextName that no MikroOrmModule has fails the boot naming it', async () => {
    const error = await bootFailure([
      ormModule(db.options, [...JOB_ENTITIES]),
      JobsModule.forRoot({ contextName: 'nowhere' }),
    ]);
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toContain("'nowhere'");
  });

  describe('with the queue in a dedicated database (contextName)', () => {
    let queueDb: TestDatabase;
    const contextName = `queue_${kind}_${process.pid}`;

    @Injectable()
    class LedgerJobs {
      @Job('ctx.where')
      where(_input: unknown, ctx: JobContext) {
        return { jobId: ctx.jobId };
      }
    }

    beforeEach(async () => {
      queueDb = await createTestDatabase(kind);
    });

    afterEach(async () => {
      await queueDb.drop();
    });

    async function bootTwoDatabases() {
      return boot(
        [
          // The app's own database: its entities only, no queue tables.
          ormModule(db.options, [LedgerEntrySchema], { registerRequestContext: false }),
          // The queue's database, under a context name.
          ormModule(queueDb.options, [...JOB_ENTITIES], { contextName, registerRequestContext: false }),
          JobsModule.forRoot({ contextName }),
        ],
        [LedgerJobs],
      );
    }

    it('writes and runs jobs in the database of that context only', async () => {
      const app = await bootTwoDatabases();
      try {
        const appOrm = app.get(MikroORM);
        const queueOrm = app.get<MikroORM>(getMikroORMToken(contextName));
        expect(queueOrm).not.toBe(appOrm);
        await appOrm.schema.create();
        await queueOrm.schema.create();
        const queue = app.get(JobQueue);
        const job = await queue.enqueue('ctx.where');
        expect(await countRows(queueOrm)).toBe(1);
        // The app's database has no queue table at all.
        await expect(countRows(appOrm)).rejects.toThrow();
        await app.get(JobConsumer).run({ untilEmpty: true, pollIntervalMs: 20 });
        const done = await queue.get(job.id);
        expect(done.state).toBe('completed');
      } finally {
        await app.close();
      }
    });

    it('rejects a transactional enqueue with an EntityManager of another database', async () => {
      const app = await bootTwoDatabases();
      try {
        const appOrm = app.get(MikroORM);
        const queueOrm = app.get<MikroORM>(getMikroORMToken(contextName));
        await appOrm.schema.create();
        await queueOrm.schema.create();
        const queue = app.get(JobQueue);
        await expect(
          appOrm.em.fork().transactional((em) => queue.enqueue('ctx.where', null, { em })),
        ).rejects.toBeInstanceOf(InvalidJobOptionsError);
        expect(await countRows(queueOrm)).toBe(0);
      } finally {
        await app.close();
      }
    });
  });
});
