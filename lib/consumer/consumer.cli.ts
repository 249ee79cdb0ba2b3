import { NestFactory } from '@nestjs/core';
import { Command, CommanderError, Option } from 'commander';
import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import type { ConsumerOptions } from '../interfaces/consumer-options.js';
import { JobConsumer } from './job-consumer.service.js';
import type { ConsumerSummary } from './consumer-loop.js';

const INT_FLAGS = ['--concurrency', '--poll-interval-ms', '--max-jobs', '--timeout-ms', '--shutdown-grace-ms'] as const;
const LIST_FLAGS = ['--include', '--exclude', '--queues'] as const;
const FLAGS = [...INT_FLAGS, ...LIST_FLAGS, '--until-empty'];

/**
 * Parses consumer flags (on commander): `--concurrency 20 --exclude gpu.render,video.encode --include a,b
 * --queues default,mail --max-jobs 100 --timeout-ms 60000 --until-empty --poll-interval-ms 500
 * --shutdown-grace-ms 30000`. `--flag=value` works too, and `--` is skipped wherever it stands (npm
 * and Nest CLI pass one on). Unknown flags, stray words and missing values are an `InvalidJobOptionsError`.
 */
export function parseConsumerArgs(argv: readonly string[]): ConsumerOptions {
  const program = new Command()
    .helpOption(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  for (const flag of INT_FLAGS) program.addOption(new Option(`${flag} <n>`).argParser(flagValue(flag, wholeNumber)));
  for (const flag of LIST_FLAGS) program.addOption(new Option(`${flag} <names>`).argParser(flagValue(flag, nameList)));
  program.option('--until-empty');
  let parsed: { operands: string[]; unknown: string[] };
  try {
    parsed = program.parseOptions(argv.map(unquote).filter((a) => a !== '--'));
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    const flag = /'(--[\w-]+)/.exec(err.message)?.[1] ?? '';
    if (err.code === 'commander.optionMissingArgument') throw needsValue(flag);
    throw new InvalidJobOptionsError(`${err.message.replace(/^error: /, '')} Flags: ${FLAGS.join(', ')}.`);
  }
  const stray = [...parsed.unknown, ...parsed.operands][0];
  if (stray !== undefined) {
    const flag = stray.startsWith('--') && stray.includes('=') ? stray.slice(0, stray.indexOf('=')) : stray;
    if (FLAGS.includes(flag)) throw new InvalidJobOptionsError(`Flag ${flag} takes no value; got '${stray}'.`);
    throw new InvalidJobOptionsError(`Unknown flag '${flag}'. Flags: ${FLAGS.join(', ')}.`);
  }
  return program.opts<ConsumerOptions>();
}

/** Commander takes the next argument as the value whatever it is: a flag there means the value is missing. */
function flagValue<T>(flag: string, parse: (flag: string, value: string) => T): (value: string) => T {
  return (value) => {
    if (value.startsWith('--')) throw needsValue(flag);
    return parse(flag, value);
  };
}

function needsValue(flag: string): InvalidJobOptionsError {
  return new InvalidJobOptionsError(`Flag ${flag} needs a value.`);
}

function wholeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidJobOptionsError(`Flag ${flag} needs a whole number; got '${value}'.`);
  return n;
}

function nameList(_flag: string, value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
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
