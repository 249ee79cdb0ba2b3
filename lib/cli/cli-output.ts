import Table from 'cli-table3';

type Cell = string | number | boolean | null | undefined;

/**
 * What a command prints on stdout: one JSON document with `--json` (for scripts: nothing else goes
 * to stdout), otherwise text for people. Messages and progress go to stderr.
 */
export class CliOutput {
  constructor(readonly json: boolean) {}

  emit(data: unknown, human: () => string): void {
    process.stdout.write(`${this.json ? JSON.stringify(data, null, 2) : human()}\n`);
  }
}

/** A table with a header row (cli-table3, no colours: output often goes to a file or a pipe). */
export function table(head: string[], rows: Cell[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  t.push(...rows.map((r) => r.map(text)));
  return t.toString();
}

/** A two-column table of fields and values. */
export function fieldTable(rows: [string, Cell][]): string {
  const t = new Table({ style: { head: [], border: [] } });
  t.push(...rows.map(([k, v]) => ({ [k]: text(v) })));
  return t.toString();
}

/** Empty for null and undefined; dates as ISO text. */
export function text(value: Cell | Date): string {
  if (value === null || value === undefined) return '';
  return value instanceof Date ? value.toISOString() : String(value);
}
