/**
 * MikroORM set up wrongly for the MySQL family fails at boot with a message that names the fix:
 * the MySQL driver (MySQL has no RETURNING; only MariaDB is supported; exercised here against the
 * MariaDB server, which speaks the same protocol), and MariaDB without `adaptJobEntities`. Runs
 * where the MariaDB tests run.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { MariaDbDriver } from '@mikro-orm/mariadb';
import { MySqlDriver } from '@mikro-orm/mysql';
import { JOB_ENTITIES, JobsConfigurationError, JobsModule } from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';

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

const onMariadb = DB_KINDS.includes('mariadb') ? describe : describe.skip;

onMariadb('MikroORM configuration for the MySQL family', () => {
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

  it('MariaDB without the adaptJobEntities discovery hook fails at boot with JobsConfigurationError naming it', async () => {
    const error = await bootFailure({ driver: MariaDbDriver, clientUrl: db.options.clientUrl });
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toContain('discovery: { onMetadata: adaptJobEntities }');
  });
});
