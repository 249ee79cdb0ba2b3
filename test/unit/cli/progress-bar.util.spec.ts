/**
 * Progress on long operations: the bar draws on a terminal (a fake TTY stream here), writes nothing
 * where stderr is not one unless asked for plain lines, and the CLI's bulk retry and purge feed it
 * the queue's `onProgress` counts. Each test fails if no progress reaches the stream.
 */
import { Writable } from 'node:stream';
import { jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { ProgressBar } from '../../../lib/cli/progress-bar.util.js';
import { CliOutput } from '../../../lib/cli/cli-output.js';
import { bulkRetryCommand, purgeCommand, type CliContext } from '../../../lib/cli/jobs-cli.commands.js';
import { JobQueue, type BulkProgress } from '../../../lib/index.js';
import { capturedStderr } from './captured-output.js';

/** A writable that says it is a terminal (or not) and keeps what was written, escapes stripped. */
class FakeStream extends Writable {
  written = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.written += chunk.toString();
    done();
  }
  get text(): string {
    // eslint-disable-next-line no-control-regex
    return this.written.replace(/\x1B\[[0-9;?]*[A-Za-z]|\x1B[78]/g, '');
  }
}

describe('ProgressBar', () => {
  it('on a terminal draws the label, the bar and done/total, and the last state on stop', () => {
    const stream = new FakeStream(true);
    const bar = new ProgressBar(1_500, { unit: 'jobs', label: 'purge', stream });
    expect(stream.text).toMatch(/purge \[\.{30}\] 0\/1,500 jobs/);
    bar.update(750);
    bar.update(1_500, 1_500);
    bar.stop();
    expect(stream.text).toMatch(/purge \[#{30}\] 1,500\/1,500 jobs +[\d,]+ jobs\/s +[\d.]+ s/);
    expect(stream.written.endsWith('\n')).toBe(true);
  });

  it('takes a new total when the count grows', () => {
    const stream = new FakeStream(true);
    const bar = new ProgressBar(0, { unit: 'jobs', stream });
    bar.update(2, 10);
    bar.stop();
    expect(stream.text).toMatch(/2\/10 jobs/);
  });

  it('writes nothing off a terminal, and plain lines there with plainLines', () => {
    const quiet = new FakeStream(false);
    const silent = new ProgressBar(10, { unit: 'jobs', stream: quiet });
    silent.update(10);
    silent.stop();
    expect(quiet.written).toBe('');

    const log = new FakeStream(false);
    const lines = new ProgressBar(10, { unit: 'jobs', plainLines: true, stream: log });
    lines.update(10);
    lines.stop();
    expect(log.text).toMatch(/\[#{30}\] 10\/10 jobs/);
  });
});

describe('CLI bulk retry and purge report progress on stderr', () => {
  const output = capturedStderr();
  let tty: PropertyDescriptor | undefined;
  beforeEach(() => {
    tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    output.capture();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
  });

  /** A queue whose bulk calls report 0/7, 3/7, 6/7, 7/7 through the onProgress they were given. */
  const context = (): CliContext => {
    const report = (onProgress?: (p: BulkProgress) => void) => {
      for (const done of [0, 3, 6, 7]) onProgress?.({ done, total: 7 });
      return 7;
    };
    const queue = {
      retry: async (f: { onProgress?: (p: BulkProgress) => void }) => report(f.onProgress),
      purge: async (o: { onProgress?: (p: BulkProgress) => void }) => report(o.onProgress),
    };
    const app = { get: (token: unknown) => (token === JobQueue ? queue : undefined) };
    return { app: async () => app as unknown as INestApplicationContext, out: new CliOutput(true) };
  };

  it('retry --name: the bar ends at 7/7', async () => {
    await bulkRetryCommand(context(), { name: 'crm.sync' });
    expect(output.text.replace(/\x1B\[[0-9;?]*[A-Za-z]|\x1B[78]/g, '')).toMatch(/retry \[#{30}\] 7\/7 jobs/); // eslint-disable-line no-control-regex
  });

  it('purge: the bar ends at 7/7', async () => {
    await purgeCommand(context(), 0);
    expect(output.text.replace(/\x1B\[[0-9;?]*[A-Za-z]|\x1B[78]/g, '')).toMatch(/purge \[#{30}\] 7\/7 jobs/); // eslint-disable-line no-control-regex
  });
});
