import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { JobConsumer } from '../consumer/job-consumer.service.js';
import type { ConsumerSummary } from '../consumer/consumer-loop.js';
import type { ConsumerOptions } from '../interfaces/consumer-options.js';
import type { JobRecord } from '../interfaces/job-record.js';
import { JobState } from '../interfaces/job-state.js';
import { JobStore } from '../persistence/job.store.js';
import { describeMatcher, matchesInput, type InputMatcher } from './input.matcher.js';
import { JobsTestingAssertionError } from '../errors/jobs-testing-assertion.error.js';

/** Which of a name's jobs `enqueued()` and the assertions look at. */
export interface EnqueuedFilter {
  /** Only this queue. @default every queue */
  queue?: string;
  /** Only jobs in these states. @default ['pending', 'blocked']: enqueued and not started yet */
  states?: JobState[];
}

/** Options of `drain()`: which jobs the inline consumer runs. */
export type DrainOptions = Pick<ConsumerOptions, 'include' | 'exclude' | 'queues' | 'concurrency' | 'maxJobs'>;

/** The most jobs an assertion reads, and lists in its message. */
const READ_LIMIT = 1000;
const WAITING = [JobState.Pending, JobState.Blocked];

/**
 * Helpers for an application's own tests, on its real database and handlers (a provider of
 * `JobsModule`: `moduleRef.get(JobsTesting)`). What `enqueue()` wrote is what the assertions read,
 * so a job enqueued in a transaction that rolled back is not there, as in production. Start no
 * consumer in the test: `drain()` runs the jobs, in the test's process, when the test says so.
 */
@Injectable()
export class JobsTesting {
  constructor(
    private readonly store: JobStore,
    private readonly consumer: JobConsumer,
  ) {}

  /** Jobs of `name` (every name when undefined), in the order they were enqueued. */
  enqueued(name?: string, filter: EnqueuedFilter = {}): Promise<JobRecord[]> {
    return this.store.find({ name, queue: filter.queue, states: filter.states ?? WAITING, limit: READ_LIMIT });
  }

  /**
   * Resolves with the jobs of `name` whose input matches `input` (any input when undefined; see
   * `InputMatcher`); throws `JobsTestingAssertionError` listing the jobs of that name when there is
   * none. Works with `expect.objectContaining()` and friends without depending on a test framework.
   */
  async expectEnqueued(name: string, input?: InputMatcher, filter: EnqueuedFilter = {}): Promise<JobRecord[]> {
    const jobs = await this.enqueued(name, filter);
    const matching = input === undefined ? jobs : jobs.filter((j) => matchesInput(j.input, input));
    if (matching.length === 0) {
      throw new JobsTestingAssertionError(
        `Expected a '${name}' job${input === undefined ? '' : ` with input matching ${describeMatcher(input)}`}${where(filter)}; ${listed(name, jobs)}`,
      );
    }
    return matching;
  }

  /** Throws `JobsTestingAssertionError` when a job of `name` matching `input` is there (see `expectEnqueued`). */
  async expectNotEnqueued(name: string, input?: InputMatcher, filter: EnqueuedFilter = {}): Promise<void> {
    const jobs = await this.enqueued(name, filter);
    const matching = input === undefined ? jobs : jobs.filter((j) => matchesInput(j.input, input));
    if (matching.length > 0) {
      throw new JobsTestingAssertionError(
        `Expected no '${name}' job${input === undefined ? '' : ` with input matching ${describeMatcher(input)}`}${where(filter)}; ${listed(name, matching)}`,
      );
    }
  }

  /**
   * Runs every due job in this process, with the application's handlers and database, until none is
   * due and none is running: jobs that the jobs run enqueue (pipeline steps, children) run too, and
   * a job failing here is retried after its backoff; other jobs whose `runAfter` is ahead stay. One
   * at a time in claim order by default (priority, then `runAfter`, then id), so a test sees the
   * same order every time. Recurring and run-time schedules are not started. Returns what ran.
   */
  drain(options: DrainOptions = {}): Promise<ConsumerSummary> {
    return this.consumer.run({
      concurrency: 1,
      ...options,
      untilEmpty: true,
      schedule: false,
      pollIntervalMs: 10,
      handleSignals: false,
    });
  }
}

/** `app.get(JobsTesting).drain(options)`: runs every due job of the application inline until none is left. */
export function drainJobs(app: Pick<INestApplicationContext, 'get'>, options?: DrainOptions): Promise<ConsumerSummary> {
  return app.get(JobsTesting, { strict: false }).drain(options);
}

function where(filter: EnqueuedFilter): string {
  const parts = [filter.queue && `in queue '${filter.queue}'`, `in state ${(filter.states ?? WAITING).join('/')}`];
  return ` ${parts.filter(Boolean).join(' ')}`;
}

function listed(name: string, jobs: JobRecord[]): string {
  if (jobs.length === 0) return `no '${name}' job is there.`;
  const shown = jobs.slice(0, 10).map((j) => `  #${j.id} ${j.state} ${JSON.stringify(j.input)}`);
  return `the '${name}' jobs there:\n${shown.join('\n')}${jobs.length > 10 ? `\n  ... and ${jobs.length - 10} more` : ''}`;
}
