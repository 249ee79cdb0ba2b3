/**
 * Smoke test of the test toolchain itself: ts-jest on ESM, decorator metadata,
 * MikroORM on every dialect, raw Kysely queries inside em.transactional, and a
 * compiled child process reaching the same database.
 */
import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CompiledQuery } from 'kysely';
import { WidgetSchema } from '../fixtures/widget.schema.js';
import { runNode } from '../helpers/child-process.js';
import {
  createTestDatabase,
  DB_KINDS,
  openOrm,
  testDbEnv,
  type SqlOrm,
  type TestDatabase,
} from '../helpers/databases.js';

describe.each(DB_KINDS)('toolchain on %s', (kind) => {
  let db: TestDatabase;
  let orm: SqlOrm;
  const p = (n: number): string => (kind === 'postgresql' ? `$${n}` : '?');
  // better-sqlite3 cannot bind Date (nor booleans/objects); MikroORM stores SQLite dates as epoch ms.
  const now = (): Date | number => (kind === 'sqlite' ? Date.now() : new Date());

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    orm = await openOrm(db, [WidgetSchema]);
    await orm.schema.create();
  });

  afterAll(async () => {
    await orm?.close();
    await db?.drop();
  });

  it('round-trips an EntitySchema entity through the EntityManager', async () => {
    const createdAt = new Date('2024-01-02T03:04:05.678Z');
    const em = orm.em.fork();
    const widget = em.create(WidgetSchema, { name: 'first', createdAt });
    await em.flush();
    expect(widget.id).toBe(1);

    const found = await orm.em.fork().findOneOrFail(WidgetSchema, { name: 'first' });
    expect(found.createdAt).toBeInstanceOf(Date);
    expect(found.createdAt.toISOString()).toBe(createdAt.toISOString());
  });

  it('runs parameterised raw SQL through em.getKysely() inside em.transactional', async () => {
    const rows = await orm.em.fork().transactional(async (em) => {
      const kysely = em.getKysely();
      const insert = await kysely.executeQuery(
        CompiledQuery.raw(`INSERT INTO toolchain_widget (name, created_at) VALUES (${p(1)}, ${p(2)})`, [
          'second',
          now(),
        ]),
      );
      expect(insert.numAffectedRows).toBe(1n);
      const select = await kysely.executeQuery<{ name: string; n: unknown }>(
        CompiledQuery.raw(
          `SELECT name, COUNT(*) OVER () AS n FROM toolchain_widget WHERE name IN (${p(1)}, ${p(2)}) ORDER BY id`,
          ['first', 'second'],
        ),
      );
      return select.rows;
    });
    expect(rows.map((r) => r.name)).toEqual(['first', 'second']);
    // node-pg returns int8 (COUNT, BIGINT) as strings; better-sqlite3 and mysql2 as numbers.
    expect(rows[0]!.n).toBe(kind === 'postgresql' ? '2' : 2);
  });

  it('rolls back Kysely writes when the transactional callback throws', async () => {
    const insertAndFail = orm.em.fork().transactional(async (em) => {
      const kysely = em.getKysely();
      await kysely.executeQuery(
        CompiledQuery.raw(`INSERT INTO toolchain_widget (name, created_at) VALUES (${p(1)}, ${p(2)})`, [
          'doomed',
          now(),
        ]),
      );
      const seen = await kysely.executeQuery(
        CompiledQuery.raw(`SELECT id FROM toolchain_widget WHERE name = ${p(1)}`, ['doomed']),
      );
      expect(seen.rows).toHaveLength(1);
      throw new Error('rollback please');
    });
    await expect(insertAndFail).rejects.toThrow('rollback please');
    expect(await orm.em.fork().count(WidgetSchema, { name: 'doomed' })).toBe(0);
  });

  it('lets a compiled child process open the same database from JOBS_TEST_DB', async () => {
    const result = await runNode('test/fixtures/orm-probe.ts', { env: testDbEnv(db) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(['first', 'second']);
  });
});

@Injectable()
class Clock {
  now(): number {
    return 42;
  }
}

@Injectable()
class Greeter {
  constructor(readonly clock: Clock) {}
}

describe('NestJS under ts-jest', () => {
  it('injects a provider by constructor type (decorator metadata is emitted)', async () => {
    const moduleRef = await Test.createTestingModule({ providers: [Clock, Greeter] }).compile();
    const greeter = moduleRef.get(Greeter);
    expect(greeter.clock).toBeInstanceOf(Clock);
    expect(greeter.clock).toBe(moduleRef.get(Clock));
    expect(greeter.clock.now()).toBe(42);
    await moduleRef.close();
  });
});
