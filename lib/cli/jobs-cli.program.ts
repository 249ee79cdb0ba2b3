import type { INestApplicationContext } from '@nestjs/common';
import { Command, Option } from 'commander';
import { DATABASE_NAMES } from '../persistence/schema-ddl.js';
import type { JobListFilter } from '../interfaces/jobs-inspector.types.js';
import { collect, parseDuration, parseJobId, parseJobState, parseTime, wholeNumber } from './cli-args.util.js';
import { CliOutput } from './cli-output.js';
import * as run from './jobs-cli.commands.js';

type Json = { json?: boolean };

/**
 * The commands of `runJobsCli`, on commander. Arguments are read and checked (durations, states,
 * ids) before a command creates the app, and each command checks its values (jobs-cli.commands.ts):
 * a bad argument touches no database. Parse errors throw a
 * `CommanderError` (exitOverride) after commander has written the message to stderr.
 */
export function jobsCliProgram(app: () => Promise<INestApplicationContext>): Command {
  const program = new Command()
    .description('Look at and act on the job queue. Add --json to a command for one JSON document on stdout.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)');
  const context = (o: Json): run.CliContext => ({ app, out: new CliOutput(o.json === true) });
  const json = () => new Option('--json', 'print one JSON document on stdout (for scripts)');
  const queues = () => new Option('--queue <queues...>', 'only these queues').argParser(collect(String));

  program
    .command('depths')
    .description('each queue: due, scheduled, running, blocked, failed, paused, completed and failed in the last hour')
    .addOption(queues())
    .addOption(json())
    .action((o: Json & { queue?: string[] }) => run.depthsCommand(context(o), o.queue));

  program
    .command('list')
    .description('one page of jobs, newest first, and the cursor of the next page')
    .addOption(new Option('--state <state>', 'only jobs in this state').argParser((s) => parseJobState(s)))
    .option('--name <name>', 'only jobs of this name')
    .option('--queue <queue>', 'only jobs of this queue')
    .addOption(new Option('--created-after <time>', 'created at or after (ISO 8601)').argParser(parseTime))
    .addOption(new Option('--created-before <time>', 'created before (ISO 8601)').argParser(parseTime))
    .addOption(new Option('--limit <n>', 'jobs per page (default 50)').argParser(wholeNumber(1, 500)))
    .option('--after <cursor>', "the previous page's next cursor")
    .addOption(json())
    .action((o: Json & JobListFilter) => {
      const { json: _json, ...filter } = o;
      return run.listCommand(context(o), filter);
    });

  program
    .command('show')
    .description('one job: fields, input, output, progress, error with its stack, attempt log')
    .argument('<id>', 'job id', parseJobId)
    .addOption(json())
    .action((id: string, o: Json) => run.showCommand(context(o), id));

  program
    .command('retry')
    .description('run a failed or cancelled job again, or (--name/--queue) every failed job of a name or queue')
    .argument('[id]', 'job id', parseJobId)
    .option('--name <name>', 'bulk: the failed jobs of this name')
    .option('--queue <queue>', 'bulk: the failed jobs of this queue')
    .addOption(new Option('--batch-size <n>', 'bulk: jobs per transaction').argParser(wholeNumber(1, 10_000)))
    .addOption(json())
    .action(async (id: string | undefined, o: Json & { name?: string; queue?: string; batchSize?: number }, cmd) => {
      const bulk = o.name !== undefined || o.queue !== undefined;
      if (id !== undefined && bulk) cmd.error('error: give a job id or --name/--queue, not both.', { exitCode: 2 });
      if (id === undefined && !bulk) {
        cmd.error('error: give a job id, or --name and/or --queue to retry their failed jobs.', { exitCode: 2 });
      }
      if (o.batchSize !== undefined && !bulk)
        cmd.error('error: --batch-size goes with --name/--queue.', { exitCode: 2 });
      if (id !== undefined) return run.jobActionCommand(context(o), 'retry', id);
      return run.bulkRetryCommand(context(o), { name: o.name, queue: o.queue, batchSize: o.batchSize });
    });

  for (const [action, what] of [
    ['discard', 'end a job that has not started (pending or blocked) without running it'],
    ['cancel', 'cancel a job; a running one is asked to stop at its next heartbeat'],
  ] as const) {
    program
      .command(action)
      .description(what)
      .argument('<id>', 'job id', parseJobId)
      .addOption(json())
      .action((id: string, o: Json) => run.jobActionCommand(context(o), action, id));
  }

  for (const paused of [true, false]) {
    program
      .command(paused ? 'pause' : 'resume')
      .description(
        paused ? 'stop every consumer claiming from a queue' : 'let consumers claim from a paused queue again',
      )
      .argument('<queue>', 'queue name')
      .addOption(json())
      .action((queue: string, o: Json) => run.pauseCommand(context(o), queue, paused));
  }

  program
    .command('purge')
    .description('delete finished jobs older than a duration (finished pipelines go whole)')
    .requiredOption('--older-than <duration>', 'finished longer ago than this: 7d, 12h, 30m, 45s, 1d12h', parseDuration)
    .addOption(
      new Option('--state <states...>', 'only these finished states (default: all of them)').argParser(
        collect((s) => parseJobState(s, true)),
      ),
    )
    .addOption(json())
    .action((o: Json & { olderThan: number; state?: ReturnType<typeof parseJobState>[] }) =>
      run.purgeCommand(context(o), o.olderThan, o.state),
    );

  program
    .command('schema')
    .description("print the DDL of the queue's tables (default: for the app's database)")
    .addOption(new Option('--database <name>', 'the database to write it for').choices(DATABASE_NAMES))
    .addOption(json())
    .action((o: Json & { database?: (typeof DATABASE_NAMES)[number] }) => run.schemaCommand(context(o), o.database));

  return program;
}
