import { MariaDbDriver } from '@mikro-orm/mariadb';
import type { MikroOrmModuleOptions } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { adaptJobEntities, JOB_ENTITIES } from '../../lib/index.js';
import { UserSchema } from '../users/user.entity.js';

/** The SQLite file used when `DATABASE_URL` is not set. */
export function sqliteFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.SAMPLE_APP_SQLITE || 'sample-app.sqlite';
}

/** Which database the sample app uses, in words (for logs and the demo's summary). */
export function describeDatabase(env: NodeJS.ProcessEnv = process.env): string {
  if (!env.DATABASE_URL) return `SQLite file ${sqliteFile(env)}`;
  const url = new URL(env.DATABASE_URL);
  return `${isMariadb(env.DATABASE_URL) ? 'MariaDB' : 'PostgreSQL'} ${url.host}${url.pathname}`;
}

/** `DATABASE_URL=mariadb://...` (or `mysql://...`, the same server protocol) selects MariaDB. */
function isMariadb(url: string): boolean {
  return /^(mariadb|mysql):/i.test(url);
}

/**
 * PostgreSQL when `DATABASE_URL` is set (MariaDB when it starts with `mariadb://` or `mysql://`), otherwise a SQLite file (`SAMPLE_APP_SQLITE`, default
 * `sample-app.sqlite` in the working directory). The queue's entities sit beside the app's own.
 */
export function ormConfig(env: NodeJS.ProcessEnv = process.env): MikroOrmModuleOptions {
  const entities = [...JOB_ENTITIES, UserSchema];
  if (env.DATABASE_URL && isMariadb(env.DATABASE_URL)) {
    // The queue's entities need this hook on MariaDB (see adaptJobEntities).
    const clientUrl = env.DATABASE_URL.replace(/^mariadb:/i, 'mysql:');
    return { driver: MariaDbDriver, clientUrl, entities, discovery: { onMetadata: adaptJobEntities } };
  }
  if (env.DATABASE_URL) return { driver: PostgreSqlDriver, clientUrl: env.DATABASE_URL, entities };
  return { driver: SqliteDriver, dbName: sqliteFile(env), entities };
}
