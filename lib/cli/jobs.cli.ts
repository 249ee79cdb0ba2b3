import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommanderError } from 'commander';
import { InvalidJobInputError } from '../errors/invalid-input.error.js';
import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { CliLogger } from './cli.logger.js';
import { jobsCliProgram } from './jobs-cli.program.js';

type EntryModule = Parameters<typeof NestFactory.createApplicationContext>[0];

/** Exit codes of `runJobsCli`. */
export const JobsCliExit = Object.freeze({ Ok: 0, Failed: 1, BadArguments: 2 } as const);
export type JobsCliExit = (typeof JobsCliExit)[keyof typeof JobsCliExit];

/**
 * The body of a `jobs-cli.ts` entry file: reads one command from `argv` (`depths`, `list`, `show <id>`,
 * `retry`, `discard`, `cancel`, `pause`, `resume`, `purge`, `schema`; `--help` lists them), creates an
 * application context from your module (no HTTP server) only once the arguments are good, runs the
 * command, closes the context and sets `process.exitCode`: 0 done, 1 the operation failed (unknown
 * id, a state that does not allow it, a database error), 2 bad arguments. Messages go to stderr.
 */
export async function runJobsCli(module: unknown, argv: readonly string[] = process.argv): Promise<JobsCliExit> {
  let app: INestApplicationContext | undefined;
  const open = async () =>
    (app ??= await NestFactory.createApplicationContext(module as EntryModule, {
      logger: new CliLogger(),
      abortOnError: false,
    }));
  let code: JobsCliExit = JobsCliExit.Ok;
  try {
    await jobsCliProgram(open).parseAsync([...argv], { from: 'node' });
  } catch (err) {
    code = exitCodeOf(err);
  } finally {
    try {
      await app?.close();
    } catch (err) {
      code = code || exitCodeOf(err);
    }
  }
  process.exitCode = code;
  return code;
}

/** Writes what went wrong to stderr (commander has written its own already) and picks the exit code. */
function exitCodeOf(err: unknown): JobsCliExit {
  if (err instanceof CommanderError) return err.exitCode === 0 ? JobsCliExit.Ok : JobsCliExit.BadArguments;
  const bad = err instanceof InvalidJobOptionsError || err instanceof InvalidJobInputError;
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.JOBS_CLI_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return bad ? JobsCliExit.BadArguments : JobsCliExit.Failed;
}
