/**
 * Reads TypeScript sources for the architecture checks. Parsing with the compiler, rather than
 * matching lines, means comments are never read as code, every import form is seen (`import type`,
 * `export ... from`, `import x = require()`, `import()` calls and `import('m')` types), and a string
 * or template literal is read whole, however many lines it spans.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

export interface SourceFile {
  /** Relative to the repository root, with `/` separators: `lib/queue/json.util.ts`. */
  path: string;
  text: string;
  lines: number;
}

/** Where a module is imported, and how. */
export interface ImportSite {
  specifier: string;
  line: number;
  form: string;
}

/** A string or template literal; `${...}` placeholders read as `__expr__`. */
export interface Literal {
  text: string;
  line: number;
}

/** What stands in for a template's `${...}` in `Literal.text`: a word, as an identifier would be. */
export const PLACEHOLDER = '__expr__';

/** Every `.ts` file under `dir` (relative to `root`), sorted by path. */
export function readSources(root: string, dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const child = join(abs, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(child, 'utf8');
        files.push({ path: relative(root, child).split(sep).join('/'), text, lines: countLines(text) });
      }
    }
  };
  walk(join(root, dir));
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Lines as an editor numbers them: a final newline does not start another line. */
export function countLines(text: string): number {
  if (text.length === 0) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function parse(path: string, text: string): ts.SourceFile {
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

function visit(node: ts.Node, fn: (node: ts.Node) => void): void {
  fn(node);
  ts.forEachChild(node, (child) => visit(child, fn));
}

/**
 * Every module the file imports or re-exports, in any form. A dynamic `import()` or `require()`
 * whose module is not a literal is reported with the specifier `<computed>`, since it could load
 * anything.
 */
export function importsOf(path: string, text: string): ImportSite[] {
  const source = parse(path, text);
  const sites: ImportSite[] = [];
  const add = (node: ts.Node, specifier: ts.Node | undefined, form: string) => {
    const literal = specifier && (ts.isStringLiteral(specifier) || ts.isNoSubstitutionTemplateLiteral(specifier));
    sites.push({
      specifier: literal ? (specifier as ts.StringLiteralLike).text : '<computed>',
      line: lineOf(source, node),
      form,
    });
  };
  visit(source, (node) => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly ? 'import type' : 'import');
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node, node.moduleSpecifier, 'export from');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, 'import = require()');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], 'dynamic import()');
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
      add(node, node.arguments[0], 'require()');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, "import('...') type");
    }
  });
  return sites;
}

/**
 * Every string and template literal of the file, tagged templates (`sql\`...\``) included, and
 * nothing from comments. Module specifiers are left out: they are imports, not text.
 */
export function literalsOf(path: string, text: string): Literal[] {
  const source = parse(path, text);
  const literals: Literal[] = [];
  visit(source, (node) => {
    const parent = node.parent;
    const isSpecifier =
      parent &&
      (((ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent)) && parent.moduleSpecifier === node) ||
        ts.isExternalModuleReference(parent) ||
        (ts.isLiteralTypeNode(parent) && ts.isImportTypeNode(parent.parent)));
    if (isSpecifier) return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      literals.push({ text: node.text, line: lineOf(source, node) });
    } else if (ts.isTemplateExpression(node)) {
      const text = node.head.text + node.templateSpans.map((span) => PLACEHOLDER + span.literal.text).join('');
      literals.push({ text, line: lineOf(source, node) });
    }
  });
  return literals;
}

/**
 * Shapes of SQL statements and clauses. This library writes SQL in lower case, so most shapes are
 * case-insensitive and made of several words in SQL's order, which prose does not follow (an
 * error message may say "notify" or "update", never "update queue_job set state ="). Commands of
 * one word count only when they are the whole literal (`LISTEN ${channel}`), so a log line such as
 * "LISTEN connection lost" is not taken for one.
 */
export const SQL_SHAPES: readonly { name: string; pattern: RegExp }[] = [
  { name: 'SELECT', pattern: /(^|\(|\bunion\s+(all\s+)?)\s*select\s+(distinct\s+)?[\w*"(]/i },
  { name: 'SELECT', pattern: /\bSELECT\s+[\w*"(]/ },
  { name: 'INSERT INTO', pattern: /\binsert\s+(or\s+\w+\s+)?into\s+[\w".]/i },
  { name: 'UPDATE ... SET', pattern: /\bupdate\s+[\w".]+(\s+(as\s+)?\w+)?\s+set\s+[\w".]+\s*=/i },
  { name: 'DELETE FROM', pattern: /\bdelete\s+from\s+[\w".]/i },
  { name: 'CREATE TABLE/INDEX', pattern: /\bcreate\s+(unique\s+)?(table|index)\b/i },
  { name: 'ALTER/DROP TABLE', pattern: /\b(alter|drop)\s+(table|index)\b/i },
  { name: 'WITH ... AS (', pattern: /\bwith\s+(recursive\s+)?\w+\s+as\s*(materialized\s*)?\(/i },
  { name: 'ON CONFLICT', pattern: /\bon\s+conflict\b/i },
  { name: 'RETURNING', pattern: /\breturning\s+(\*|[\w"]+\.[\w"]+|[\w"]+\s*,)/i },
  { name: 'FOR UPDATE SKIP LOCKED', pattern: /\bfor\s+update(\s+skip\s+locked)?\s*$|\bskip\s+locked\b/i },
  { name: 'a PostgreSQL function', pattern: /\bpg_\w+\s*\(/i },
  { name: 'LISTEN/NOTIFY', pattern: /^\s*(listen|unlisten|notify)\s+[\w".]+\s*(,.*)?;?\s*$/i },
  { name: 'a transaction command', pattern: /^\s*(BEGIN|COMMIT|ROLLBACK)(\s+[A-Z]+)?\s*;?\s*$/ },
  {
    name: 'a transaction command',
    pattern:
      /^\s*(begin\s+(immediate|exclusive|deferred|transaction)|savepoint\s+\w+|release\s+savepoint|rollback\s+to)\b/i,
  },
  { name: 'a clause in capitals', pattern: /\b(FROM|WHERE|JOIN|VALUES|RETURNING|ORDER BY|GROUP BY)\s+[\w"(*]/ },
  { name: 'SET LOCAL', pattern: /\bset\s+local\s+\w/i },
  { name: 'PRAGMA', pattern: /^\s*pragma\s+\w+/i },
  { name: 'a queue table', pattern: /\b(from|join|into|update|table)\s+"?queue_\w+/i },
];

/** The first SQL shape `text` has, or undefined. */
export function sqlShapeOf(text: string): string | undefined {
  return SQL_SHAPES.find((shape) => shape.pattern.test(text))?.name;
}

/** A literal cut to one short line for a failure message. */
export function excerpt(text: string, max = 70): string {
  const flat = text.replace(/\s+/g, ' ').trim().replaceAll(PLACEHOLDER, '${...}');
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}...` : flat);
}
