import {
  InvalidJobInputError,
  InvalidJobOptionsError,
  JobsError,
  NonJsonValueError,
  PayloadTooLargeError,
  UnknownJobError,
  type JobQueue,
  type JobConsumer,
} from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import type { JobsTestApp } from '../helpers/jobs-app.js';
import { countJobs, createReliabilityApp } from '../helpers/reliability.util.js';

type ErrorClass = abstract new (...args: any[]) => JobsError;

const cycle: Record<string, unknown> = {};
cycle.self = cycle;

/** Each row: a call, the typed error it must throw, and a fragment of a message that says what was wrong. */
const ENQUEUE_CASES: [string, (q: JobQueue) => Promise<unknown>, ErrorClass, RegExp][] = [
  [
    'unknown name',
    (q) => q.enqueue('no.such.job' as any, {}),
    UnknownJobError,
    /No @Job\(\) handler is registered as 'no.such.job'/,
  ],
  ['invalid DTO', (q) => q.enqueue('test.greet', { name: 42, times: -1 } as any), InvalidJobInputError, /name|times/],
  ['non-JSON: function', (q) => q.enqueue('test.echo', { f: () => 1 }), NonJsonValueError, /function/i],
  ['non-JSON: BigInt', (q) => q.enqueue('test.echo', { n: 10n }), NonJsonValueError, /bigint/i],
  ['non-JSON: Date', (q) => q.enqueue('test.echo', { d: new Date() }), NonJsonValueError, /Date/],
  ['non-JSON: NaN', (q) => q.enqueue('test.echo', { x: Number.NaN }), NonJsonValueError, /NaN|number/],
  ['non-JSON: cycle', (q) => q.enqueue('test.echo', cycle), NonJsonValueError, /cycl|circular/i],
  ['oversized payload', (q) => q.enqueue('test.echo', { s: 'x'.repeat(2_000) }), PayloadTooLargeError, /1024/],
  ['too-long job name', (q) => q.enqueue('x'.repeat(129) as any, {}), InvalidJobOptionsError, /128 characters/],
  ['empty job name', (q) => q.enqueue('' as any, {}), InvalidJobOptionsError, /job name/],
  [
    'invalid runAfter: string',
    (q) => q.enqueue('test.echo', {}, { runAfter: '2026-01-01' as any }),
    InvalidJobOptionsError,
    /runAfter/,
  ],
  [
    'invalid runAfter: Invalid Date',
    (q) => q.enqueue('test.echo', {}, { runAfter: new Date('nope') }),
    InvalidJobOptionsError,
    /runAfter/,
  ],
  [
    'invalid priority: fraction',
    (q) => q.enqueue('test.echo', {}, { priority: 1.5 }),
    InvalidJobOptionsError,
    /priority/,
  ],
  [
    'invalid priority: beyond 32 bits',
    (q) => q.enqueue('test.echo', {}, { priority: 2 ** 31 }),
    InvalidJobOptionsError,
    /priority/,
  ],
  ['invalid maxAttempts', (q) => q.enqueue('test.echo', {}, { maxAttempts: 0 }), InvalidJobOptionsError, /maxAttempts/],
  ['invalid timeoutMs', (q) => q.enqueue('test.echo', {}, { timeoutMs: -5 }), InvalidJobOptionsError, /timeoutMs/],
  [
    'oversized batch',
    (q) => q.enqueueMany(Array.from({ length: 6 }, () => ({ name: 'test.echo', input: {} }))),
    InvalidJobOptionsError,
    /limit is 5.*maxBatchSize/,
  ],
  [
    'a misspelt option',
    (q) => q.enqueue('test.echo', {}, { prority: 5 } as any),
    InvalidJobOptionsError,
    /unknown option\(s\) 'prority'; it takes queue, priority/,
  ],
  [
    'a misspelt option in a batch',
    (q) => q.enqueueMany([{ name: 'test.echo', input: 1 }, { name: 'test.echo', input: 2, queu: 'x' } as any]),
    InvalidJobOptionsError,
    /Job 1 of the batch \('test.echo'\): unknown option\(s\) 'queu'/,
  ],
  [
    'a batch item that is not an object',
    (q) => q.enqueueMany([{ name: 'test.echo', input: 1 }, null as any]),
    InvalidJobOptionsError,
    /Job 1 of the batch must be an object \{ name, input, \.\.\.options \}; got null/,
  ],
  [
    'a batch item that is a string',
    (q) => q.enqueueMany(['test.echo' as any]),
    InvalidJobOptionsError,
    /Job 0 of the batch must be an object .*; got string/,
  ],
  [
    'a misspelt backoff field',
    (q) => q.enqueue('test.echo', {}, { backoff: { baseMs: 10, maxMS: 100 } as any }),
    InvalidJobOptionsError,
    /Option 'backoff': unknown option\(s\) 'maxMS'/,
  ],
  [
    'batch with one bad item',
    (q) =>
      q.enqueueMany([
        { name: 'test.echo', input: 1 },
        { name: 'test.echo', input: { f: Symbol('s') } },
      ]),
    NonJsonValueError,
    /./,
  ],
];

const CONSUMER_CASES: [string, Parameters<JobConsumer['run']>[0], RegExp][] = [
  ['concurrency 0', { concurrency: 0 }, /concurrency/],
  ['concurrency not an integer', { concurrency: 2.5 }, /concurrency/],
  ['negative pollIntervalMs', { pollIntervalMs: -1 }, /pollIntervalMs/],
  ['negative shutdownGraceMs', { shutdownGraceMs: -1 }, /shutdownGraceMs/],
  ['include and exclude name the same job', { include: ['test.echo'], exclude: ['test.echo'] }, /both name test.echo/],
  ['exclude leaves nothing to claim', { exclude: ['*every handler*'] }, /no job to claim/],
  ['include of an unknown job', { include: ['no.such.job'] }, /include.*no\.such\.job/],
  ['include empty', { include: [] }, /include/],
  ['include not a list', { include: 'test.echo' as any }, /include/],
  ['a misspelt option', { concurency: 4 } as any, /Consumer options: unknown option\(s\) 'concurency'/],
];

/** Bad calls fail with a clear typed error and write nothing. */
describe.each(DB_KINDS)('bad inputs on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await createReliabilityApp(db, { maxPayloadBytes: 1_024, maxBatchSize: 5 });
  });

  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it.each(ENQUEUE_CASES)('enqueue: %s', async (_, call, type, message) => {
    const error = await call(t.queue).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect(await countJobs(t.orm)).toBe(0);
  });

  it.each(CONSUMER_CASES)('consumer options: %s', async (_, options, message) => {
    if (options?.exclude?.[0] === '*every handler*') options = { exclude: t.consumer.claimableNames({}) };
    const pending = await t.queue.enqueue('test.echo', { waiting: true });
    const error = await t.consumer.run({ untilEmpty: true, ...options }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidJobOptionsError);
    expect((error as Error).message).toMatch(message);
    expect(await t.queue.get(pending.id)).toMatchObject({ state: 'pending', attempts: 0 }); // nothing claimed
    await t.orm.em.getConnection().execute('DELETE FROM queue_job');
  });
});
