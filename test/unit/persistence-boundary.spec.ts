import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../helpers/child-process.js';

/**
 * `lib/persistence/` is the one door to the database: nothing else imports Kysely or `pg`, holds
 * SQL, or knows which database it talks to. Read from the source tree, so a change that breaks the
 * rule fails here in milliseconds.
 */
const LIB = join(REPO_ROOT, 'lib');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The code of a file without its comments (comments may name databases and statements). */
function code(file: string): string {
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const outside = sources(LIB)
  .map((file) => ({ path: relative(LIB, file), text: code(file) }))
  .filter((f) => !f.path.startsWith('persistence/'));

describe('persistence boundary', () => {
  it('finds the library sources', () => {
    expect(outside.length).toBeGreaterThan(30);
  });

  it('only persistence imports Kysely or pg', () => {
    const offenders = outside.filter((f) => /from '(kysely|pg)'|import\('(kysely|pg)'\)/.test(f.text)).map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('only persistence holds SQL', () => {
    const sql = /\b(SELECT\s+[\w*]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|RETURNING\s+\w|pg_notify|PRAGMA)\b/;
    expect(outside.filter((f) => sql.test(f.text)).map((f) => f.path)).toEqual([]);
  });

  it('only persistence knows which database it talks to', () => {
    // The public jobsSchemaSql('postgresql' | 'sqlite', ...) is re-exported by the barrel.
    const names = /['"`](postgresql|sqlite)['"`]|\bDialect\b|\bExecutor\b|persistence\/(sql\.util|statements\/|dialects\/(?!index\.js))/;
    expect(outside.filter((f) => names.test(f.text)).map((f) => f.path)).toEqual([]);
  });
});
