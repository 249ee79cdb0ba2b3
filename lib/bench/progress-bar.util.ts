/** One line on stderr, redrawn in place on a terminal (a line per update elsewhere, at most every 2 s). */
export class ProgressBar {
  private lastPlain = 0;

  constructor(
    private readonly total: number,
    private readonly width = 30,
  ) {}

  update(done: number, startedAt: number): void {
    const ratio = this.total ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(ratio * this.width);
    const seconds = (Date.now() - startedAt) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} jobs  ${rate.toLocaleString('en-US')} jobs/s  ${seconds.toFixed(1)} s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
    else if (Date.now() - this.lastPlain >= 2_000 || done >= this.total) {
      this.lastPlain = Date.now();
      process.stderr.write(`${line}\n`);
    }
  }

  end(): void {
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}

/** A two-column table, for the summary. */
export function formatSummary(rows: [string, string][]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}
