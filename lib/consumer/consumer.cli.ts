import { NestFactory } from '@nestjs/core';
import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import type { ConsumerOptions } from '../interfaces/consumer-options.js';
import { JobConsumer } from './job-consumer.service.js';
import type { ConsumerSummary } from './consumer-loop.js';

const INT_FLAGS = {
  '--concurrency': 'concurrency',
  '--poll-interval-ms': 'pollIntervalMs',
  '--max-jobs': 'maxJobs',
  '--timeout-ms': 'timeoutMs',
  '--shutdown-grace-ms': 'shutdownGraceMs',
} as const;
const LIST_FLAGS = { '--include': 'include', '--exclude': 'exclude', '--queues': 'queues' } as const;

/**
 * Parses consumer flags: `--concurrency 20 --exclude gpu.render,video.encode --include a,b
 * --queues default,mail --max-jobs 100 --timeout-ms 60000 --until-empty --poll-interval-ms 500
 * --shutdown-grace-ms 30000`. `--flag=value` works too. Unknown flags are an error.
 */
export function parseConsumerArgs(argv: readonly string[]): ConsumerOptions {
  const options: ConsumerOptions = {};
  const args = argv
    .map(unquote)
    .flatMap((a) =>
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a],
    );
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (flag === '--') continue;
    if (flag === '--until-empty') {
      options.untilEmpty = true;
      continue;
    }
    const value = args[i + 1];
    if (flag in INT_FLAGS || flag in LIST_FLAGS) {
      if (value === undefined || value.startsWith('--'))
        throw new InvalidJobOptionsError(`Flag ${flag} needs a value.`);
      i += 1;
      if (flag in INT_FLAGS) {
        const n = Number(value);
        if (!Number.isInteger(n))
          throw new InvalidJobOptionsError(`Flag ${flag} needs a whole number; got '${value}'.`);
        (options as any)[INT_FLAGS[flag as keyof typeof INT_FLAGS]] = n;
      } else {
        (options as any)[LIST_FLAGS[flag as keyof typeof LIST_FLAGS]] = value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      }
      continue;
    }
    throw new InvalidJobOptionsError(
      `Unknown flag '${flag}'. Flags: ${[...Object.keys(INT_FLAGS), ...Object.keys(LIST_FLAGS), '--until-empty'].join(', ')}.`,
    );
  }
  return options;
}

/**
 * `nest start --no-shell -- --exclude a` hands each argument over JSON-quoted (`"--exclude"`), as
 * Nest CLI 12 quotes them for a shell it then does not use: take such an argument as the string it quotes.
 */
function unquote(arg: string): string {
  if (arg.length < 2 || !arg.startsWith('"') || !arg.endsWith('"')) return arg;
  try {
    const value: unknown = JSON.parse(arg);
    return typeof value === 'string' ? value : arg;
  } catch {
    return arg;
  }
}

/**
 * The body of a `consumer.ts` entry file: creates an application context (no HTTP server) from
 * your module, runs a consumer with the command-line flags (plus `defaults`), stops gracefully on
 * SIGINT/SIGTERM (a second signal stops at once), closes the app and sets the exit code.
 */
export async function runConsumerCli(
  module: unknown,
  defaults: ConsumerOptions = {},
  argv: readonly string[] = process.argv.slice(2),
): Promise<ConsumerSummary> {
  const options = { handleSignals: true, ...defaults, ...parseConsumerArgs(argv) };
  const app = await NestFactory.createApplicationContext(module as any, { bufferLogs: false });
  try {
    return await app.get(JobConsumer).run(options);
  } finally {
    await app.close();
  }
}
