/**
 * MikroORM options per database. On MariaDB the queue's entities need the `adaptJobEntities`
 * discovery hook (boot fails without it, with a message that names it); elsewhere the hook does
 * nothing, so one set of options can serve every database. MySQL is refused at boot with a
 * message that says MariaDB is the supported one: MikroORM's MySQL driver, exercised against the
 * MariaDB server (the same protocol), where the MariaDB tests run.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { MariaDbDriver } from '@mikro-orm/mariadb';
import { MySqlDriver } from '@mikro-orm/mysql';
import { adaptJobEntities, JOB_ENTITIES, JobsConfigurationError, JobsModule, JobState } from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, openOrm, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp } from '../helpers/jobs-app.js';

const silentLogger = { log() {}, error() {}, warn() {}, debug() {}, verbose() {} };

/** The error the application's init failed with (throws if it booted). */
async function bootFailure(orm: Record<string, unknown>): Promise<Error> {
  @Module({ imports: [MikroOrmModule.forRoot({ ...orm, entities: [...JOB_ENTITIES] } as any), JobsModule.forRoot()] })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .setLogger(silentLogger)
    .compile();
  try {
    await moduleRef.init();
  } catch (err) {
    return err as Error;
  } finally {
    await moduleRef.close();
  }
  throw new Error('the application booted, but it should have failed');
}

describe.each(DB_KINDS)('MikroORM options on %s', (kind) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });

  afterEach(async () => {
    await db.drop();
  });

  if (kind === 'mariadb')
    it('without the adaptJobEntities discovery hook the boot fails with JobsConfigurationError naming it', async () => {
      const error = await bootFailure({ driver: MariaDbDriver, clientUrl: db.options.clientUrl });
      expect(error).toBeInstanceOf(JobsConfigurationError);
      expect(error.message).toContain('discovery: { onMetadata: adaptJobEntities }');
    });
  else
    it('the adaptJobEntities discovery hook changes nothing: the same schema, and the queue boots and runs a job with it', async () => {
      const hook = { discovery: { onMetadata: adaptJobEntities } };
      const [plain, hooked] = [await openOrm(db, [...JOB_ENTITIES]), await openOrm(db, [...JOB_ENTITIES], hook)];
      try {
        const ddl = await hooked.schema.getCreateSchemaSQL();
        expect(ddl).toContain('queue_job');
        expect(ddl).toBe(await plain.schema.getCreateSchemaSQL());
      } finally {
        await Promise.all([plain.close(), hooked.close()]);
      }
      const t = await createJobsApp(db.options, { orm: hook });
      try {
        const job = await t.queue.enqueue('test.echo', { hooked: true });
        await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
        expect(await t.queue.get(job.id)).toMatchObject({ state: JobState.Completed, output: { hooked: true } });
      } finally {
        await t.close();
      }
    });
});

const onMariadbServer = DB_KINDS.includes('mariadb') ? describe : describe.skip;

onMariadbServer('MySQL through MikroORM (its MySQL driver against the MariaDB server, the same protocol)', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase('mariadb');
  });

  afterEach(async () => {
    await db.drop();
  });

  it("MikroORM's MySQL driver is refused at boot with JobsConfigurationError naming MariaDB", async () => {
    const error = await bootFailure({ driver: MySqlDriver, clientUrl: db.options.clientUrl });
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toMatch(/does not support MySQL .*MariaDB 10\.6 or later/);
  });
});
