import cliProgress from 'cli-progress';

export interface ProgressBarOptions {
  /** What is counted, after the numbers: `jobs`. */
  unit: string;
  /** Before the bar: `purge`. */
  label?: string;
  /**
   * Where stderr is not a terminal (a log file, CI): a plain line every 2 s and at the end (true),
   * or nothing at all (false, for commands whose stderr scripts read).
   * @default false
   */
  plainLines?: boolean;
  /**
   * Where it draws; a terminal when its `isTTY` is true. Tests pass a fake one.
   * @default process.stderr
   */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * A progress bar on stderr (cli-progress), redrawn in place on a terminal; elsewhere plain lines or
 * nothing (`plainLines`). Never on stdout, which scripts parse.
 */
export class ProgressBar {
  private readonly bar?: cliProgress.SingleBar;
  private readonly startedAt = Date.now();

  constructor(total: number, options: ProgressBarOptions) {
    const stream = options.stream ?? process.stderr;
    const tty = !!stream.isTTY;
    if (!tty && !options.plainLines) return;
    const label = options.label ? `${options.label} ` : '';
    this.bar = new cliProgress.SingleBar({
      stream,
      format: `${label}[{bar}] {value}/{total} ${options.unit}  {rate} ${options.unit}/s  {seconds} s`,
      barCompleteChar: '#',
      barIncompleteChar: '.',
      barsize: 30,
      hideCursor: tty,
      noTTYOutput: !tty,
      notTTYSchedule: 2_000,
      formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? grouped(value) : String(value)),
    });
    this.bar.start(total, 0, this.payload(0));
  }

  /** `done` so far; `total` when it changed. */
  update(done: number, total?: number): void {
    if (!this.bar) return;
    if (total !== undefined && total !== this.bar.getTotal()) this.bar.setTotal(total);
    this.bar.update(done, this.payload(done));
  }

  /** Draws the last state and ends the line. */
  stop(): void {
    this.bar?.stop();
  }

  private payload(done: number): { rate: string; seconds: string } {
    const seconds = (Date.now() - this.startedAt) / 1000;
    return { rate: grouped(seconds > 0 ? Math.round(done / seconds) : 0), seconds: seconds.toFixed(1) };
  }
}

/** 1234567 -> 1,234,567. */
function grouped(n: number): string {
  return n.toLocaleString('en-US');
}
