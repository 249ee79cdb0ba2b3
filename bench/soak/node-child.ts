import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A child Node process whose handle we keep, for tests and the soak that kill, freeze and signal
 * real consumers. Output is kept (the last `keepBytes` of each stream) to wait on and to show when
 * something fails.
 */
export class NodeChild {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  private out = '';
  private err = '';
  private waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  exitInfo: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;

  constructor(
    file: string,
    options: {
      args?: string[];
      env?: Record<string, string | undefined>;
      cwd?: string;
      keepBytes?: number;
      echo?: boolean;
    } = {},
  ) {
    const keep = options.keepBytes ?? 1_000_000;
    this.child = spawn(process.execPath, [file, ...(options.args ?? [])], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid!;
    const onData = (stream: 'out' | 'err') => (chunk: Buffer) => {
      const text = chunk.toString();
      if (options.echo) process.stderr.write(text);
      if (stream === 'out') this.out = (this.out + text).slice(-keep);
      else this.err = (this.err + text).slice(-keep);
      this.check();
    };
    this.child.stdout!.on('data', onData('out'));
    this.child.stderr!.on('data', onData('err'));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal, at: Date.now() };
        resolve(this.exitInfo);
      });
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get output(): string {
    return this.out + this.err;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** Resolves with the first match of `re` in stdout+stderr (already seen or to come). */
  waitFor(re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const seen = this.output.match(re);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`pid ${this.pid}: no ${re} within ${timeoutMs} ms; output:\n${this.output.slice(-4000)}`));
      }, timeoutMs);
      const done = (m: RegExpMatchArray) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push({ re, resolve: done });
      void this.exited.then(() =>
        setTimeout(() => {
          this.check();
          if (!this.waiters.some((w) => w.resolve === done)) return;
          this.waiters = this.waiters.filter((w) => w.resolve !== done);
          clearTimeout(timer);
          reject(
            new Error(
              `pid ${this.pid} exited (${JSON.stringify(this.exitInfo)}) without printing ${re}; output:\n${this.output.slice(-4000)}`,
            ),
          );
        }, 50),
      );
    });
  }

  /** Resolves when a line matching `re` appears `count` times in all. */
  async waitForCount(re: RegExp, count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    while ((this.output.match(global)?.length ?? 0) < count) {
      if (Date.now() > deadline)
        throw new Error(
          `pid ${this.pid}: ${re} seen fewer than ${count} times in ${timeoutMs} ms; output:\n${this.output.slice(-4000)}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.child.kill(sig);
  }

  /** SIGKILL (if still alive) and wait for the exit. */
  async kill(): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  private check(): void {
    const text = this.output;
    for (const w of [...this.waiters]) {
      const m = text.match(w.re);
      if (m) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(m);
      }
    }
  }
}
