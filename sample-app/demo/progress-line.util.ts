/** One progress line on stderr: redrawn in place on a terminal, a plain line every 2 s elsewhere. */
export class ProgressLine {
  private lastPlain = 0;
  private lastPlainText = '';
  private drawn = false;

  constructor(
    private readonly startedAt: number,
    private readonly width = 28,
  ) {}

  update(done: number, total: number, detail: string, force = false): void {
    const ratio = total ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * this.width);
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    const text = `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${done}/${total} jobs finished  ${detail}`;
    const line = `${text}  ${seconds} s`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else if ((force && text !== this.lastPlainText) || Date.now() - this.lastPlain >= 2_000) {
      this.lastPlain = Date.now();
      this.lastPlainText = text;
      process.stderr.write(`${line}\n`);
    }
  }

  /** Ends the line, so what is printed next starts on a fresh one. */
  end(): void {
    if (this.drawn) process.stderr.write('\n');
    this.drawn = false;
  }
}
