import type { ClaimedJob } from '../../../lib/persistence/row.mapper.js';
import type { FinishBatch, JobStore } from '../../../lib/persistence/job.store.js';
import type { JobState } from '../../../lib/interfaces/job-state.js';
import type { BackoffOptions } from '../../../lib/interfaces/backoff-options.js';

type ConsumerStore = Pick<JobStore, 'claim' | 'finish' | 'heartbeat' | 'rescue'>;
type ClaimFilter = Parameters<JobStore['claim']>[0];

/** One row of the fake queue table. */
export interface FakeJob {
  id: string;
  name: string;
  queue: string;
  priority: number;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  backoff: BackoffOptions | null;
  lockedBy: string | null;
  cancelRequested: boolean;
  output?: string;
  /** Epoch ms from which a pending job can be claimed (a retry waits its delay). */
  dueAt: number;
  /** How many times a retry was scheduled, and with which delays. */
  retryDelays: number[];
}

/** A call the test holds until it lets it go (`release`), or makes fail (`fail`). */
export class Gate {
  private waiting: { release(): void; fail(err: Error): void }[] = [];
  get held(): number {
    return this.waiting.length;
  }
  wait(): Promise<void> {
    return new Promise((resolve, reject) => this.waiting.push({ release: resolve, fail: reject }));
  }
  release(): void {
    for (const w of this.waiting.splice(0)) w.release();
  }
  fail(err: Error): void {
    for (const w of this.waiting.splice(0)) w.fail(err);
  }
}

/**
 * The four store methods a consumer uses, over an in-memory table, with the same fencing as the
 * real store: a write or lease renewal takes effect only for a running job this consumer holds at
 * that attempt. Claims go in the real claim order (priority first, then id). Calls can be held
 * (gates) or made to fail, and every call is recorded.
 */
export class FakeJobStore implements ConsumerStore {
  readonly jobs = new Map<string, FakeJob>();
  readonly claims: ClaimFilter[] = [];
  readonly finishes: FinishBatch[] = [];
  readonly heartbeats: { id: string; attempt: number }[][] = [];
  /** Set to hold the next calls until released. */
  claimGate: Gate | undefined;
  finishGate: Gate | undefined;
  heartbeatGate: Gate | undefined;
  /** The next calls throw this many times. */
  failFinishes = 0;
  failHeartbeats = 0;
  /** What the next rescue returns (then emptied). */
  rescuable: { id: string; name: string; state: JobState }[] = [];
  rescues = 0;
  private nextId = 1;

  add(count: number, fields: Partial<Omit<FakeJob, 'id'>> = {}): FakeJob[] {
    const added: FakeJob[] = [];
    for (let i = 0; i < count; i++) {
      const job: FakeJob = {
        id: String(this.nextId++),
        name: 'work',
        queue: 'default',
        priority: 0,
        state: 'pending',
        attempts: 0,
        maxAttempts: 3,
        backoff: null,
        lockedBy: null,
        cancelRequested: false,
        dueAt: 0,
        retryDelays: [],
        ...fields,
      };
      this.jobs.set(job.id, job);
      added.push(job);
    }
    return added;
  }

  inState(state: JobState): FakeJob[] {
    return [...this.jobs.values()].filter((j) => j.state === state);
  }

  async claim(filter: ClaimFilter): Promise<ClaimedJob[]> {
    this.claims.push(filter);
    await this.claimGate?.wait();
    const due = [...this.jobs.values()]
      .filter(
        (j) =>
          j.state === 'pending' &&
          j.dueAt <= Date.now() &&
          filter.names.includes(j.name) &&
          (!filter.queues?.length || filter.queues.includes(j.queue)),
      )
      .sort((a, b) => b.priority - a.priority || Number(a.id) - Number(b.id))
      .slice(0, filter.limit);
    return due.map((j) => {
      j.state = 'running';
      j.attempts += 1;
      j.lockedBy = filter.consumerId;
      j.cancelRequested = false;
      return this.claimed(j);
    });
  }

  async finish(consumerId: string, batch: FinishBatch): Promise<Map<string, string>> {
    this.finishes.push(batch);
    await this.finishGate?.wait();
    if (this.failFinishes > 0) {
      this.failFinishes -= 1;
      throw new Error('connection reset');
    }
    const applied = new Map<string, string>();
    const held = (id: string, attempt: number) => {
      const j = this.jobs.get(id);
      return j && j.state === 'running' && j.lockedBy === consumerId && j.attempts === attempt ? j : undefined;
    };
    for (const c of batch.completed) {
      const j = held(c.id, c.attempt);
      if (!j) continue;
      j.state = j.cancelRequested ? 'cancelled' : 'completed';
      j.output = c.output;
      applied.set(j.id, j.state);
    }
    for (const f of batch.failed) {
      const j = held(f.id, f.attempt);
      if (!j) continue;
      if (f.final) j.state = j.cancelRequested ? 'cancelled' : 'failed';
      else {
        j.state = 'pending';
        j.dueAt = Date.now() + f.delay_ms;
        j.retryDelays.push(f.delay_ms);
      }
      applied.set(j.id, j.state);
    }
    for (const z of batch.snoozed ?? []) {
      const j = held(z.id, z.attempt);
      if (!j) continue;
      j.state = j.cancelRequested ? 'cancelled' : 'pending';
      if (!j.cancelRequested) {
        j.attempts -= 1;
        j.dueAt = Date.now() + z.delay_ms;
      }
      applied.set(j.id, j.state);
    }
    for (const r of batch.released) {
      const j = held(r.id, r.attempt);
      if (!j) continue;
      j.state = j.cancelRequested ? 'cancelled' : 'pending';
      j.attempts -= 1;
      applied.set(j.id, j.state);
    }
    for (const id of applied.keys()) this.jobs.get(id)!.lockedBy = null;
    return applied;
  }

  async heartbeat(consumerId: string, _leaseMs: number, jobs: { id: string; attempt: number }[]) {
    this.heartbeats.push(jobs);
    await this.heartbeatGate?.wait();
    if (this.failHeartbeats > 0) {
      this.failHeartbeats -= 1;
      throw new Error('connection refused');
    }
    const held = new Map<string, { cancelRequested: boolean }>();
    for (const { id, attempt } of jobs) {
      const j = this.jobs.get(id);
      if (j && j.state === 'running' && j.lockedBy === consumerId && j.attempts === attempt)
        held.set(id, { cancelRequested: j.cancelRequested });
    }
    return held;
  }

  async rescue(): Promise<{ id: string; name: string; state: JobState }[]> {
    this.rescues += 1;
    return this.rescuable.splice(0);
  }

  /** Another consumer took the job over (its lease lapsed and it was rescued and claimed again). */
  takeOver(id: string): void {
    const j = this.jobs.get(id)!;
    j.lockedBy = 'someone-else';
  }

  requestCancel(id: string): void {
    this.jobs.get(id)!.cancelRequested = true;
  }

  private claimed(j: FakeJob): ClaimedJob {
    return {
      id: j.id,
      name: j.name,
      queue: j.queue,
      priority: j.priority,
      input: {},
      attempts: j.attempts,
      maxAttempts: j.maxAttempts,
      timeoutMs: null,
      backoff: j.backoff,
      runAfter: new Date(0),
      pipelineId: null,
      step: null,
    };
  }
}
