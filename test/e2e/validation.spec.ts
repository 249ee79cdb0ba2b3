/**
 * What enqueue refuses, with a typed error and nothing written: invalid DTO inputs, unknown job
 * names, values that do not survive JSON, and bad options. And what the handler gets: a DTO instance.
 */
import {
  InvalidJobInputError,
  InvalidJobOptionsError,
  JobsError,
  JobState,
  NonJsonValueError,
  UnknownJobError,
} from '../../lib/index.js';
import { GreetInput } from '../fixtures/fixture-jobs.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import { countRows } from '../helpers/job-rows.js';

/** A class whose data JSON cannot see: a private field behind a getter. */
class Money {
  #cents: number;
  constructor(cents: number) {
    this.#cents = cents;
  }
  get cents() {
    return this.#cents;
  }
}

/** A plain data class (like a DTO): its own fields are all there is, so JSON keeps it. */
class PlainPoint {
  constructor(
    public x: number,
    public y: number,
  ) {}

  /** Derived from own fields only: JSON loses nothing. */
  get length() {
    return Math.hypot(this.x, this.y);
  }
}

const cycle: Record<string, unknown> = { name: 'loop' };
cycle.self = cycle;

describe.each(DB_KINDS)('validation at enqueue on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  // Most cases here write nothing, so they share one database; each starts with an empty queue.
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options);
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  beforeEach(async () => {
    await t.orm.em.fork().getConnection().execute('delete from queue_job');
  });

  async function expectNothingWritten() {
    expect(await countRows(t.orm)).toBe(0);
  }

  describe('class-validator DTO inputs', () => {
    it.each([
      ['wrong types', { name: 42, times: -1 }, ['name', 'times']],
      ['a missing field', { name: 'ada' }, ['times']],
      ['an unknown property', { name: 'ada', times: 1, admin: true }, ['admin']],
      ['not an object', 'ada', ['GreetInput']],
      ['null', null, ['GreetInput']],
    ])('rejects %s with InvalidJobInputError naming the problem', async (_what, input, words) => {
      const error = (await t.queue.enqueue('test.greet', input as any).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(InvalidJobInputError);
      expect(error).toBeInstanceOf(JobsError);
      for (const word of words) expect((error as Error).message).toContain(word);
      await expectNothingWritten();
    });

    it('a batch whose DTO inputs are still being validated when a later item is refused: that error, nothing written, no stray rejection', async () => {
      const stray: unknown[] = [];
      const onStray = (reason: unknown) => stray.push(reason);
      process.on('unhandledRejection', onStray);
      try {
        const items = [
          { name: 'test.greet', input: { name: 42, times: -1 } }, // invalid, found asynchronously
          { name: 'test.echo', input: {}, priority: 0.5 }, // refused at once
        ];
        await expect(t.queue.enqueueMany(items as any)).rejects.toBeInstanceOf(InvalidJobOptionsError);
        await new Promise((r) => setTimeout(r, 50)); // the first item's validation ends meanwhile
        expect(stray).toEqual([]);
        await expectNothingWritten();
      } finally {
        process.off('unhandledRejection', onStray);
      }
    });

    it('an input that became invalid in the database fails before the run, at once, without retries', async () => {
      const job = await t.queue.enqueue('test.greet', { name: 'ada', times: 1 });
      // Changed behind the queue's back (an old row, a hand edit): the DTO is checked again before the run.
      await t.orm.em
        .fork()
        .getConnection()
        .execute(`update queue_job set input = '{"name": 5}' where id = ${Number(job.id)}`);
      const summary = await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
      expect(summary.failed).toBe(1);
      const failed = await t.queue.get(job.id);
      expect(failed.state).toBe(JobState.Failed);
      expect(failed.attempts).toBe(1);
      expect(failed.maxAttempts).toBe(3);
      expect(failed.error!.name).toBe('InvalidJobInputError');
      expect(failed.error!.message).toContain('times');
    });

    it('the handler receives an instance of the DTO class', async () => {
      const plain = await t.queue.enqueue('test.greet', { name: 'ada', times: 2 });
      const instance = Object.assign(new GreetInput(), { name: 'bob', times: 1 });
      const fromInstance = await t.queue.enqueue('test.greet', instance);
      expect(fromInstance.input).toEqual({ name: 'bob', times: 1 });
      await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
      expect((await t.queue.get(plain.id)).output).toEqual({ greeting: 'hello adahello ada', isDto: true });
      expect((await t.queue.get(fromInstance.id)).output).toEqual({ greeting: 'hello bob', isDto: true });
    });
  });

  it('an unknown job name throws UnknownJobError naming it and the known jobs', async () => {
    const error = (await t.queue.enqueue('test.unknown', {}).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(UnknownJobError);
    expect(error.message).toContain("'test.unknown'");
    expect(error.message).toContain('test.echo');
    await expect(t.queue.enqueueMany([{ name: 'test.unknown' }])).rejects.toBeInstanceOf(UnknownJobError);
    await expectNothingWritten();
  });

  it.each([
    ['a function', { fn: () => 1 }, 'fn'],
    ['a BigInt', { big: 10n }, 'big'],
    ['a cycle', cycle, 'self'],
    ['a Date', { when: new Date() }, 'when'],
    ['a Map', { map: new Map([['a', 1]]) }, 'map'],
    ['a Set', { set: new Set([1]) }, 'set'],
    ['NaN', { n: NaN }, 'n'],
    ['Infinity', { n: [1, Infinity] }, 'n[1]'],
    ['undefined in an array', { list: [1, undefined] }, 'list[1]'],
    ['a symbol', { s: Symbol('x') }, 's'],
    ['a class instance that keeps its data from JSON', { price: new Money(1999) }, 'price'],
    ['a Buffer', { bytes: Buffer.from('hi') }, 'bytes'],
    ['a nested Date', { a: { b: [{ c: new Date() }] } }, 'a.b[0].c'],
    ['a top-level BigInt', 5n, 'Input'],
  ])(
    'an input with %s throws NonJsonValueError naming where it is, and writes nothing',
    async (_what, input, where) => {
      const error = (await t.queue.enqueue('test.echo', input).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(NonJsonValueError);
      expect(error.message).toContain(where);
      await expectNothingWritten();
    },
  );

  it('plain JSON of every kind, and plain data class instances, are accepted as they are', async () => {
    const inputs = [
      null,
      0,
      -1.5,
      'text',
      '123',
      true,
      [],
      {},
      { nested: { list: [1, 'a', null, false] } },
      'x'.repeat(1000),
    ];
    const jobs = await t.queue.enqueueMany(inputs.map((input) => ({ name: 'test.echo', input })));
    const point = await t.queue.enqueue('test.echo', new PlainPoint(1, 2));
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    for (const [i, job] of jobs.entries()) {
      const done = await t.queue.get(job.id);
      expect(done.state).toBe(JobState.Completed);
      expect(done.input).toEqual(inputs[i]);
      expect(done.output).toEqual(inputs[i]);
    }
    expect((await t.queue.get(point.id)).output).toEqual({ x: 1, y: 2 });
    expect((await t.queue.get(point.id)).input).toEqual({ x: 1, y: 2 });
  });

  it.each([
    ['maxAttempts', { maxAttempts: -1 }],
    ['maxAttempts', { maxAttempts: 0 }],
    ['maxAttempts', { maxAttempts: 2.5 }],
    ['priority', { priority: 1.5 }],
    ['priority', { priority: 2 ** 31 }],
    ['priority', { priority: '5' }],
    ['runAfter', { runAfter: new Date('not a date') }],
    ['runAfter', { runAfter: '2030-01-01T00:00:00Z' }],
    ['runAfter', { runAfter: Date.now() + 1000 }],
    ['queue', { queue: 123 }],
    ['queue', { queue: '' }],
    ['queue', { queue: 'q'.repeat(65) }],
    ['timeoutMs', { timeoutMs: 0 }],
    ['backoff.baseMs', { backoff: { baseMs: -1 } }],
    ['backoff', { backoff: 'fast' }],
    ['uniqueKey', { uniqueKey: '' }],
  ])('a bad %s throws InvalidJobOptionsError naming it, and writes nothing', async (option, options) => {
    const error = (await t.queue.enqueue('test.echo', {}, options as any).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(InvalidJobOptionsError);
    expect(error.message).toContain(option);
    const many = await t.queue
      .enqueueMany([{ name: 'test.echo', input: {}, ...(options as any) }])
      .catch((e: unknown) => e);
    expect(many).toBeInstanceOf(InvalidJobOptionsError);
    await expectNothingWritten();
  });

  it.each([
    ['a number', 42],
    ['an empty string', ''],
    ['a name longer than 128 characters', 'n'.repeat(129)],
  ])('a job name that is %s throws a typed error', async (_what, name) => {
    await expect(t.queue.enqueue(name as any, {})).rejects.toBeInstanceOf(JobsError);
    await expectNothingWritten();
  });
});
