/**
 * The architecture, checked by reading lib/: only lib/persistence/ talks to the database (imports
 * Kysely or a driver, holds SQL, builds statements), and files stay small. A failure lists each
 * file and line, what was found there, and what to do. The scanner is checked first, on sources
 * written here, so a check cannot pass because it has gone blind.
 */
import { REPO_ROOT } from '../helpers/child-process.js';
import {
  countLines,
  excerpt,
  importsOf,
  literalsOf,
  readSources,
  sqlShapeOf,
  type SourceFile,
} from './source-scan.util.js';

const PERSISTENCE = 'lib/persistence/';
const MAX_LINES = 300;
const MAX_MEDIAN_LINES = 80;

/**
 * Modules that reach the database. Kysely and `pg` are what persistence uses; better-sqlite3 is the
 * SQLite driver, listed so that no code above persistence starts using it directly either.
 */
const DATABASE_MODULES = /^(kysely|pg|better-sqlite3)(\/|$)/;

/** Relative imports into persistence's SQL: statement builders, per-database folders, SQL helpers. */
const SQL_BUILDERS = /(^|\/)persistence\/(.*\/)?((statements|dialects)\/|([\w-]+\.)*sql(\.util)?\.js$)/;

/** The barrel may re-export what users need from persistence (the schema DDL for their migrations). */
const BARREL = 'lib/index.ts';

function fail(header: string, findings: string[]): void {
  if (findings.length > 0) throw new Error(`${header}\n  ${findings.join('\n  ')}`);
}

/** Resolves a relative specifier against the importing file: `lib/queue/x.ts` + `../persistence/y.js`. */
function resolveFrom(path: string, specifier: string): string {
  const parts = path.split('/').slice(0, -1);
  for (const part of specifier.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.') parts.push(part);
  }
  return parts.join('/');
}

describe('the source scan behind the architecture checks', () => {
  it('sees every import form, and none in comments or strings', () => {
    const source = [
      "import type { Kysely } from 'kysely';",
      "import { Pool } from 'pg';",
      "import 'better-sqlite3';",
      "export { sql } from 'kysely/helpers';",
      "import pg = require('pg');",
      "const a = await import('pg');",
      'const b = await import(`kysely`);',
      "const c = require('pg');",
      "type D = typeof import('pg');",
      'const e = await import(name);',
      "// import { x } from 'commented';",
      "/* const f = await import('block-comment'); */",
      'const text = "import { y } from \'in-a-string\'";',
    ].join('\n');
    expect(importsOf('x.ts', source).map((i) => `${i.line} ${i.form} ${i.specifier}`)).toEqual([
      '1 import type kysely',
      '2 import pg',
      '3 import better-sqlite3',
      '4 export from kysely/helpers',
      '5 import = require() pg',
      '6 dynamic import() pg',
      '7 dynamic import() kysely',
      '8 require() pg',
      "9 import('...') type pg",
      '10 dynamic import() <computed>',
    ]);
  });

  it('reads string and template literals whole, placeholders included, and no comments', () => {
    const source = [
      '// select * from queue_job',
      "/** update queue_job set state = 'x' */",
      "const a = 'one';",
      'const b = sql`delete from ${table}',
      '  where id = ${id}`;',
    ].join('\n');
    expect(literalsOf('x.ts', source)).toEqual([
      { text: 'one', line: 3 },
      { text: 'delete from __expr__\n  where id = __expr__', line: 4 },
    ]);
  });

  it.each([
    'select id from queue_job where state = ?',
    'SELECT pg_notify($1, $2)',
    "insert into queue_job (name) values ('a')",
    'update __expr__ set state = ? where id = ?',
    'update queue_job j set lease_until = now()',
    'delete from queue_pipeline where id in (?)',
    'create unique index queue_job_unique_key_idx on queue_job (unique_key)',
    'create table queue_job (id bigserial primary key)',
    'alter table queue_job add column x int',
    'with due as (select id from j) update j set s = 1',
    'LISTEN __expr__',
    'notify queue_job_ready',
    'BEGIN IMMEDIATE',
    'begin immediate',
    'COMMIT',
    'PRAGMA journal_mode = WAL',
    'SET LOCAL enable_seqscan = off',
    ' FROM unnest(__expr__) WITH ORDINALITY AS v(a, ord)',
    ' on conflict (unique_key) do nothing',
    ' returning j.id, j.name',
    ' order by priority desc for update skip locked',
  ])('takes %p for SQL', (text) => {
    expect(sqlShapeOf(text)).toBeDefined();
  });

  it.each([
    "JobsModule option 'notify' must be true or false.",
    'LISTEN connection lost (__expr__); polling until it is back',
    'LISTEN unavailable (__expr__); polling every __expr__ ms',
    'an integer from __expr__ to __expr__',
    "rescued job __expr__ '__expr__' from a consumer whose lease lapsed",
    'Sets the shared workspace every step can read and update.',
    'Pick one from the list, then select it again',
    'commit',
    'A ConsumerLoop runs once; create a new one.',
    "Step 'a' is declared twice; returning early",
  ])('does not take the prose %p for SQL', (text) => {
    expect(sqlShapeOf(text)).toBeUndefined();
  });

  it('counts lines as an editor does', () => {
    expect([countLines(''), countLines('a'), countLines('a\n'), countLines('a\nb'), countLines('a\n\n')]).toEqual([
      0, 1, 1, 2, 2,
    ]);
  });

  it('still finds SQL and Kysely in lib/persistence/, where they belong', () => {
    const persistence = readSources(REPO_ROOT, 'lib').filter((f) => f.path.startsWith(PERSISTENCE));
    const withSql = persistence.filter((f) => literalsOf(f.path, f.text).some((l) => sqlShapeOf(l.text)));
    const withKysely = persistence.filter((f) =>
      importsOf(f.path, f.text).some((i) => DATABASE_MODULES.test(i.specifier)),
    );
    expect(withSql.length).toBeGreaterThanOrEqual(3);
    expect(withKysely.length).toBeGreaterThanOrEqual(1);
  });
});

/**
 * The one module allowed a computed import(): a worker thread's entry loads the user's own thread-job
 * module, named in `@Job({ thread: { file } })`. It runs in the thread, with no ORM.
 */
const THREAD_ENTRY = 'lib/threads/thread.entry.ts';

describe('architecture of lib/', () => {
  const files: SourceFile[] = readSources(REPO_ROOT, 'lib');
  const outside = files.filter((f) => !f.path.startsWith(PERSISTENCE));

  it('reads the whole library', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(outside.length).toBeGreaterThan(10);
  });

  it('nothing outside lib/persistence/ imports Kysely or a database driver', () => {
    const findings = outside.flatMap((f) =>
      importsOf(f.path, f.text)
        .filter((i) => DATABASE_MODULES.test(i.specifier) || (i.specifier === '<computed>' && f.path !== THREAD_ENTRY))
        .map((i) => `${f.path}:${i.line}  ${i.form} '${i.specifier}'`),
    );
    fail(
      `${findings.length} import(s) outside ${PERSISTENCE} reach the database directly (or load a module computed at run time).` +
        ` Only ${PERSISTENCE} may import kysely, pg or better-sqlite3: move the code behind an intent method of the store.`,
      findings,
    );
  });

  it('nothing outside lib/persistence/ holds SQL text', () => {
    const findings = outside.flatMap((f) =>
      literalsOf(f.path, f.text).flatMap((l) => {
        const shape = sqlShapeOf(l.text);
        return shape ? [`${f.path}:${l.line}  ${shape}  ${excerpt(l.text)}`] : [];
      }),
    );
    fail(
      `${findings.length} literal(s) outside ${PERSISTENCE} hold SQL. Move each statement into ${PERSISTENCE}, behind an intent method` +
        ' (claimDueJobs, completeJobs, ...) that the code here calls instead.',
      findings,
    );
  });

  it("nothing outside lib/persistence/ imports persistence's SQL builders or per-database code", () => {
    const findings = outside.flatMap((f) =>
      importsOf(f.path, f.text)
        .filter((i) => i.specifier.startsWith('.') && SQL_BUILDERS.test(resolveFrom(f.path, i.specifier)))
        .filter((i) => !(f.path === BARREL && i.form === 'export from'))
        .map((i) => `${f.path}:${i.line}  ${i.form} '${i.specifier}'`),
    );
    fail(
      `${findings.length} import(s) outside ${PERSISTENCE} build SQL from its statement builders or dialect code.` +
        ' Call an intent method of the store instead, so no code above it knows which database it talks to.',
      findings,
    );
  });

  it('nothing outside lib/persistence/ knows which database it talks to', () => {
    // The public jobsSchemaSql('postgresql' | 'sqlite', ...) takes a database name: the barrel re-exports it.
    const names = /^(postgresql|sqlite|mariadb|mysql)$/;
    const findings = outside.flatMap((f) =>
      literalsOf(f.path, f.text)
        .filter((l) => names.test(l.text))
        .map((l) => `${f.path}:${l.line}  '${l.text}'`),
    );
    fail(
      `${findings.length} literal(s) outside ${PERSISTENCE} name a database. Put what differs per database in its dialect folder` +
        ' (lib/persistence/dialects/<name>/) and let the code here call the store.',
      findings,
    );
  });

  it(`no file under lib/ is over ${MAX_LINES} lines`, () => {
    const findings = files.filter((f) => f.lines > MAX_LINES).map((f) => `${f.path}: ${f.lines} lines`);
    fail(
      `${findings.length} file(s) under lib/ are over ${MAX_LINES} lines. Split each along the concepts it holds, one per file (STYLE.md, habit 1).`,
      findings,
    );
  });

  it(`the median file under lib/ is under ${MAX_MEDIAN_LINES} lines`, () => {
    const sorted = files.map((f) => f.lines).sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    const largest = [...files].sort((a, b) => b.lines - a.lines).slice(0, 10);
    fail(
      `The median file under lib/ has ${median} lines, not under ${MAX_MEDIAN_LINES}. The largest, to split first:`,
      median < MAX_MEDIAN_LINES ? [] : largest.map((f) => `${f.path}: ${f.lines} lines`),
    );
  });
});
