import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHAOS_JOB, createChaosApp, type ChaosDb } from './chaos.app.js';
import { NodeChild } from './node-child.js';

/**
 * The chaos run shared by the CI-sized spec (test/e2e/reliability-chaos.spec.ts) and `npm run soak`:
 * enqueue short ledger jobs, run them on several real consumer processes, SIGKILL random consumers
 * (each replaced by a fresh one) while they work, then check the ledger against the queue.
 */
export interface ChaosOptions {
  db: ChaosDb;
  jobs: number;
  consumers: number;
  kills: number;
  /** Jobs run at once per consumer. @default 8 */
  concurrency?: number;
  /** Each job sleeps a random time in this range. @default [5, 30] (ms) */
  jobMs?: [number, number];
  /** Module options of the consumers: short, so a killed consumer's jobs come back quickly. @default 2000 / 300 (ms) */
  leaseMs?: number;
  heartbeatMs?: number;
  /** Give up waiting this long after the last kill (what is not completed then is lost). @default 60000 (ms) */
  giveUpMs?: number;
  /** Progress lines. @default none */
  log?: (message: string) => void;
}

export interface ChaosResult {
  jobs: number;
  kills: number;
  /** Jobs not completed at the end. */
  lost: number;
  /** Runs beyond the first of a job (ledger 'start' rows minus jobs started). */
  repeats: number;
  /** Repeat runs with no lost/failed attempt recorded in the job's attemptLog, or one attempt run twice. */
  unrecordedRepeats: number;
  /** Attempts recorded as lost (rescued after their consumer stopped renewing the lease). */
  lostAttempts: number;
  /** Lost attempts of consumers that were not killed (should be 0: a live consumer keeps its leases). */
  spuriousLosses: number;
  /** Longest time from a kill to the rescue of the last job the killed consumer held. */
  maxRecoveryMs: number;
  /** Per kill that caught jobs: kill to first and to last rescue of its jobs (ms). */
  recoveries: [number, number][];
  /** From the last kill to every job completed (or to giving up). */
  lastKillToDoneMs: number;
  durationMs: number;
  /** Consumer processes that exited on their own (crashed) rather than by our SIGKILL or final SIGTERM. */
  crashedConsumers: number;
  /** Examples of what went wrong, for the failure message. */
  problems: string[];
}

/** The compiled consumer entry, next to this file in dist/ (also when this file runs from source under Jest). */
function consumerEntry(): string {
  const here = fileURLToPath(new URL('./chaos-consumer.entry.js', import.meta.url));
  if (existsSync(here)) return here;
  const fromSource = fileURLToPath(new URL('../../dist/bench/soak/chaos-consumer.entry.js', import.meta.url));
  if (existsSync(fromSource)) return fromSource;
  throw new Error(`chaos consumer not compiled: ${here} / ${fromSource} missing; run tsc first`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const t0 = Date.now();
  const log = (m: string) => o.log?.(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${m}`);
  const [minMs, maxMs] = o.jobMs ?? [5, 30];
  const jobsOptions = { leaseMs: o.leaseMs ?? 2_000, heartbeatMs: o.heartbeatMs ?? 300 };
  const parent = await createChaosApp(o.db, { createSchema: true, jobs: jobsOptions });
  const started = Date.now();
  const problems: string[] = [];
  const children = new Set<NodeChild>();
  const ready = new WeakSet<NodeChild>();
  const killed = new Map<number, number>(); // pid -> when
  const ended: NodeChild[] = [];
  const env = {
    CHAOS_DB: JSON.stringify(o.db),
    JOBS_MODULE_OPTIONS: JSON.stringify(jobsOptions),
    CONSUMER_OPTIONS: JSON.stringify({ concurrency: o.concurrency ?? 8, pollIntervalMs: 200 }),
  };
  const entry = consumerEntry();
  const spawnConsumer = () => {
    const c = new NodeChild(entry, { env, keepBytes: 200_000 });
    children.add(c);
    // (A consumer that never got ready is reported below if it exited on its own.)
    c.waitFor(/^READY$/m, 60_000).then(() => ready.add(c), () => undefined);
    void c.exited.then(() => {
      children.delete(c);
      ended.push(c);
    });
    return c;
  };
  const conn = parent.orm.em.getConnection();
  const terminal = async () => {
    const rows = await conn.execute(`SELECT count(*) AS n FROM queue_job WHERE state IN ('completed', 'failed', 'cancelled')`);
    return Number(rows[0].n);
  };

  try {
    for (let i = 0; i < o.jobs; i += 10_000) {
      const n = Math.min(10_000, o.jobs - i);
      await parent.queue.enqueueMany(Array.from({ length: n }, () => ({ name: CHAOS_JOB, input: { ms: minMs + Math.floor(Math.random() * (maxMs - minMs + 1)) } })));
    }
    log(`enqueued ${o.jobs} jobs (${Date.now() - started} ms); starting ${o.consumers} consumers`);
    const first = Array.from({ length: o.consumers }, spawnConsumer);
    await Promise.all(first.map((c) => c.waitFor(/^READY$/m, 60_000)));

    let done = await terminal();
    let kills = 0;
    let lastKillAt = Date.now();
    let lastLog = Date.now();
    while (done < o.jobs) {
      await sleep(100);
      done = await terminal();
      const now = Date.now();
      if (now - lastLog > 5_000) {
        lastLog = now;
        log(`${done}/${o.jobs} finished, ${kills}/${o.kills} kills, ${children.size} consumers`);
      }
      if (kills < o.kills) {
        // Kills are spread by progress, not time: kill k comes when 5% + 75% * k / kills of the jobs are
        // finished, so all of them land while there is work, whatever the pace of this machine.
        if (done < o.jobs * (0.05 + (0.75 * kills) / o.kills) || now - lastKillAt < 100) continue;
        const candidates = [...children].filter((c) => ready.has(c) && c.alive);
        if (candidates.length === 0) continue;
        const victim = candidates[Math.floor(Math.random() * candidates.length)]!;
        victim.signal('SIGKILL');
        killed.set(victim.pid, Date.now());
        kills += 1;
        lastKillAt = Date.now();
        spawnConsumer();
      } else if (now - lastKillAt > (o.giveUpMs ?? 60_000)) {
        problems.push(`gave up ${o.giveUpMs ?? 60_000} ms after the last kill with ${o.jobs - done} jobs unfinished`);
        break;
      }
    }
    const doneAt = Date.now();
    log(`all ${done}/${o.jobs} finished ${doneAt - lastKillAt} ms after the last of ${kills} kills; stopping consumers`);

    // Stop the survivors gracefully; they must still be running (nothing crashed them).
    const survivors = [...children];
    for (const c of survivors) c.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(survivors.map((c) => c.exited)), new Promise((r) => (timer = setTimeout(r, 15_000)))]);
    clearTimeout(timer);
    for (const c of survivors) if (c.alive) {
      problems.push(`consumer ${c.pid} did not exit within 15 s of SIGTERM`);
      await c.kill();
    }
    log('consumers stopped');
    const crashed = ended.filter((c) => !killed.has(c.pid) && !survivors.includes(c));
    for (const c of crashed) problems.push(`consumer ${c.pid} exited on its own (${JSON.stringify(c.exitInfo)}): ${c.output.slice(-1500)}`);

    const result = await analyse(parent.orm.em.getConnection(), o, killed, problems);
    return {
      ...result,
      jobs: o.jobs,
      kills,
      lastKillToDoneMs: doneAt - lastKillAt,
      durationMs: doneAt - started,
      crashedConsumers: crashed.length,
      problems,
    };
  } finally {
    for (const c of children) await c.kill();
    await parent.close();
  }
}

interface LogEntry {
  attempt: number;
  outcome: string;
  consumer?: string;
  at?: string | number;
}

async function analyse(
  conn: { execute(sql: string): Promise<any> },
  o: ChaosOptions,
  killed: Map<number, number>,
  problems: string[],
): Promise<Pick<ChaosResult, 'lost' | 'repeats' | 'unrecordedRepeats' | 'lostAttempts' | 'spuriousLosses' | 'maxRecoveryMs' | 'recoveries'>> {
  const jobs: { id: unknown; state: string; attempts: number; attempt_log: unknown }[] = await conn.execute(
    `SELECT id, state, attempts, attempt_log FROM queue_job`,
  );
  const ledger: { job_id: string; attempt: number; event: string }[] = await conn.execute(
    `SELECT job_id, attempt, event FROM chaos_ledger WHERE event = 'start'`,
  );
  const starts = new Map<string, number[]>();
  for (const r of ledger) {
    const list = starts.get(String(r.job_id)) ?? [];
    list.push(Number(r.attempt));
    starts.set(String(r.job_id), list);
  }
  let lost = 0;
  let repeats = 0;
  let unrecorded = 0;
  let lostAttempts = 0;
  let spurious = 0;
  const lastRescue = new Map<number, number>(); // killed pid -> latest rescue of its jobs
  const firstRescue = new Map<number, number>();
  for (const job of jobs) {
    const id = String(job.id);
    if (job.state !== 'completed') {
      lost += 1;
      if (problems.length < 20) problems.push(`job ${id} ended ${job.state} after ${job.attempts} attempts`);
    }
    const history: LogEntry[] = typeof job.attempt_log === 'string' ? JSON.parse(job.attempt_log) : ((job.attempt_log as LogEntry[]) ?? []);
    const recorded = new Set(history.map((e) => Number(e.attempt)));
    for (const e of history) {
      if (e.outcome !== 'lost') continue;
      lostAttempts += 1;
      const pid = Number(String(e.consumer ?? '').split(':').at(-2));
      const at = typeof e.at === 'number' ? e.at : Date.parse(String(e.at));
      if (killed.has(pid)) {
        lastRescue.set(pid, Math.max(lastRescue.get(pid) ?? 0, at));
        firstRescue.set(pid, Math.min(firstRescue.get(pid) ?? Infinity, at));
      }
      else {
        spurious += 1;
        if (problems.length < 20) problems.push(`job ${id}: attempt ${e.attempt} lost by ${e.consumer}, which was not killed`);
      }
    }
    const runs = starts.get(id) ?? [];
    if (runs.length > 1) repeats += runs.length - 1;
    const seen = new Set<number>();
    for (const attempt of runs) {
      const twice = seen.has(attempt);
      seen.add(attempt);
      const final = job.state === 'completed' && attempt === Number(job.attempts);
      if (twice || (!final && !recorded.has(attempt))) {
        unrecorded += 1;
        if (problems.length < 20) problems.push(`job ${id}: attempt ${attempt} ran ${twice ? 'twice' : 'again without a recorded lost attempt'}`);
      }
    }
  }
  let maxRecoveryMs = 0;
  const recoveries: [number, number][] = [];
  for (const [pid, at] of lastRescue) {
    maxRecoveryMs = Math.max(maxRecoveryMs, at - killed.get(pid)!);
    recoveries.push([firstRescue.get(pid)! - killed.get(pid)!, at - killed.get(pid)!]);
  }
  void o;
  return { lost, repeats, unrecordedRepeats: unrecorded, lostAttempts, spuriousLosses: spurious, maxRecoveryMs, recoveries };
}

/** The soak's last line. */
export function chaosLine(r: ChaosResult): string {
  return `lost=${r.lost} unrecorded_repeats=${r.unrecordedRepeats} max_recovery_ms=${r.maxRecoveryMs}`;
}
