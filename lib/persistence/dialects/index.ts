import type { MikroORM } from '@mikro-orm/core';
import { JobsConfigurationError } from '../../errors/configuration.error.js';
import type { DatabaseName, JobsDialect } from '../jobs-dialect.js';
import { MariadbDialect } from './mariadb/mariadb.dialect.js';
import { checkMariadbOrm } from './mariadb/mariadb.entities.js';
import { PostgresqlDialect } from './postgresql/postgresql.dialect.js';
import { SqliteDialect } from './sqlite/sqlite.dialect.js';

/**
 * The registration point: each database the queue runs on, with how to recognise its MikroORM
 * platform. A new database is one folder beside these (a class implementing `JobsDialect`, from
 * scratch or over `SharedSqlDialect` where its SQL is close enough), its name added to
 * `DatabaseName`, and one line here; nothing outside `lib/persistence/` changes.
 */
const DIALECTS: readonly {
  name: DatabaseName;
  label: string;
  platform: RegExp;
  create: () => JobsDialect;
  check?: (orm: MikroORM) => void;
}[] = [
  { name: 'postgresql', label: 'PostgreSQL', platform: /postgre/i, create: () => new PostgresqlDialect() },
  { name: 'sqlite', label: 'SQLite', platform: /sqlite/i, create: () => new SqliteDialect() },
  // MikroORM's MySQL platform too: refused with its reason by `checkMariadbOrm`.
  {
    name: 'mariadb',
    label: 'MariaDB',
    platform: /maria|mysql/i,
    create: () => new MariadbDialect(),
    check: checkMariadbOrm,
  },
];

/** `A, B and C` (or `or`). */
const listed = (words: readonly string[], last: string) =>
  `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]!}`;
const LABELS = listed(
  DIALECTS.map((d) => d.label),
  'and',
);

/** The databases the queue runs on, by the names `jobsSchemaSql` takes. */
export const DATABASE_NAMES: readonly DatabaseName[] = Object.freeze(DIALECTS.map((d) => d.name));

/** The dialect of the database `orm` talks to. */
export function dialectFor(orm: MikroORM): JobsDialect {
  const platform = orm.em.getPlatform().constructor.name;
  const entry = DIALECTS.find((d) => d.platform.test(platform));
  if (entry) {
    entry.check?.(orm);
    return entry.create();
  }
  throw new JobsConfigurationError(
    `nestjs-job-pipelines supports ${LABELS}; this MikroORM uses ${platform}. ` +
      `Give the queue its own ${listed(
        DIALECTS.map((d) => d.label),
        'or',
      )} database with JobsModule.forRoot({ contextName }).`,
  );
}

/**
 * DDL that brings the queue's tables from version `from` to `JOBS_SCHEMA_VERSION` on the given
 * database. Matches `JOB_ENTITIES`, so `orm.schema.update()` sees nothing to change afterwards.
 */
export function jobsSchemaSql(dialect: DatabaseName, from = 0): string[] {
  const entry = DIALECTS.find((d) => d.name === dialect);
  if (!entry)
    throw new JobsConfigurationError(
      `jobsSchemaSql() takes ${listed(
        DIALECTS.map((d) => `'${d.name}'`),
        'or',
      )}; got '${String(dialect)}'.`,
    );
  return entry.create().schema(from);
}

/** MikroORM `discovery.onMetadata` hook the queue's entities need on MariaDB (a no-op elsewhere). */
export { adaptJobEntities } from './mariadb/mariadb.entities.js';
