import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHAOS_JOB, CHAOS_KEYED_JOB, createChaosApp, type ChaosDb } from './chaos.app.js';
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
  /**
   * After the last kill, give up once no job has finished for this long (what is not finished then
   * is lost). Counted from the last progress, not from the last kill, so that a slow machine (a
   * shared one under load) is not taken for lost jobs. @default 60000 (ms)
   */
  giveUpMs?: number;
  /**
   * Of the jobs, this many are `chaos.keyed` (`concurrency: { perKey: 1 }`), spread over `keys`
   * concurrency keys: the ledger must show no two runs of one key overlapping. @default 0 / 8
   */
  keyed?: number;
  keys?: number;
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
  /** Pairs of runs of one concurrency key that overlapped (a killed run ends at its kill). */
  keyOverlaps: number;
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
    c.waitFor(/^READY$/m, 300_000).then(
      () => ready.add(c),
      () => undefined,
    );
    void c.exited.then(() => {
      children.delete(c);
      ended.push(c);
    });
    return c;
  };
  const conn = parent.orm.em.getConnection();
  const terminal = async () => {
    const rows = await conn.execute(
      `SELECT count(*) AS n FROM queue_job WHERE state IN ('completed', 'failed', 'cancelled')`,
    );
    return Number(rows[0].n);
  };

  try {
    // Keyed jobs every `step`-th, spread through the backlog, so they compete with the others for the consumers.
    const keyed = Math.min(o.keyed ?? 0, o.jobs);
    const step = keyed > 0 ? Math.floor(o.jobs / keyed) : 0;
    for (let i = 0; i < o.jobs; i += 10_000) {
      const n = Math.min(10_000, o.jobs - i);
      const items = Array.from({ length: n }, (_, k) => {
        const input = { ms: minMs + Math.floor(Math.random() * (maxMs - minMs + 1)) };
        const index = i + k;
        const isKeyed = step > 0 && index % step === 0 && index / step < keyed;
        return isKeyed
          ? { name: CHAOS_KEYED_JOB, input, concurrencyKey: `k${index % (o.keys ?? 8)}` }
          : { name: CHAOS_JOB, input };
      });
      await parent.queue.enqueueMany(items as never);
    }
    log(`enqueued ${o.jobs} jobs (${Date.now() - started} ms); starting ${o.consumers} consumers`);
    const first = Array.from({ length: o.consumers }, spawnConsumer);
    // Generous, as for each replacement: four Node processes booting Nest at once on a loaded 2-core
    // machine took over 60 s.
    await Promise.all(first.map((c) => c.waitFor(/^READY$/m, 300_000)));

    let done = await terminal();
    let kills = 0;
    let lastKillAt = Date.now();
    let lastLog = Date.now();
    let lastProgressAt = Date.now();
    while (done < o.jobs) {
      await sleep(100);
      const before = done;
      done = await terminal();
      const now = Date.now();
      if (done > before) lastProgressAt = now;
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
      } else if (now - Math.max(lastKillAt, lastProgressAt) > (o.giveUpMs ?? 60_000)) {
        problems.push(
          `gave up: no job finished for ${o.giveUpMs ?? 60_000} ms after the last kill, ${o.jobs - done} jobs unfinished`,
        );
        break;
      }
    }
    const doneAt = Date.now();
    log(
      `all ${done}/${o.jobs} finished ${doneAt - lastKillAt} ms after the last of ${kills} kills; stopping consumers`,
    );

    // Stop the survivors gracefully; they must still be running (nothing crashed them).
    const survivors = [...children];
    for (const c of survivors) c.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(survivors.map((c) => c.exited)),
      new Promise((r) => (timer = setTimeout(r, 15_000))),
    ]);
    clearTimeout(timer);
    for (const c of survivors)
      if (c.alive) {
        problems.push(`consumer ${c.pid} did not exit within 15 s of SIGTERM`);
        await c.kill();
      }
    log('consumers stopped');
    const crashed = ended.filter((c) => !killed.has(c.pid) && !survivors.includes(c));
    for (const c of crashed)
      problems.push(`consumer ${c.pid} exited on its own (${JSON.stringify(c.exitInfo)}): ${c.output.slice(-1500)}`);

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
): Promise<
  Pick<
    ChaosResult,
    | 'lost'
    | 'repeats'
    | 'unrecordedRepeats'
    | 'lostAttempts'
    | 'spuriousLosses'
    | 'maxRecoveryMs'
    | 'recoveries'
    | 'keyOverlaps'
  >
> {
  const jobs: { id: unknown; state: string; attempts: number; attempt_log: unknown }[] = await conn.execute(
    `SELECT id, state, attempts, attempt_log FROM queue_job`,
  );
  const ledger: { job_id: string; attempt: number; event: string }[] = await conn.execute(
    `SELECT job_id, attempt, event FROM chaos_ledger WHERE event = 'start'`,
  );
  const keyOverlaps = await countKeyOverlaps(conn, killed, problems);
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
    const history: LogEntry[] =
      typeof job.attempt_log === 'string' ? JSON.parse(job.attempt_log) : ((job.attempt_log as LogEntry[]) ?? []);
    const recorded = new Set(history.map((e) => Number(e.attempt)));
    for (const e of history) {
      if (e.outcome !== 'lost') continue;
      lostAttempts += 1;
      const pid = Number(
        String(e.consumer ?? '')
          .split(':')
          .at(-2),
      );
      const at = typeof e.at === 'number' ? e.at : Date.parse(String(e.at));
      if (killed.has(pid)) {
        lastRescue.set(pid, Math.max(lastRescue.get(pid) ?? 0, at));
        firstRescue.set(pid, Math.min(firstRescue.get(pid) ?? Infinity, at));
      } else {
        spurious += 1;
        if (problems.length < 20)
          problems.push(`job ${id}: attempt ${e.attempt} lost by ${e.consumer}, which was not killed`);
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
        if (problems.length < 20)
          problems.push(
            `job ${id}: attempt ${attempt} ran ${twice ? 'twice' : 'again without a recorded lost attempt'}`,
          );
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
  return {
    lost,
    repeats,
    unrecordedRepeats: unrecorded,
    lostAttempts,
    spuriousLosses: spurious,
    maxRecoveryMs,
    recoveries,
    keyOverlaps,
  };
}

/**
 * Runs of keyed jobs per concurrency key, each from its 'start' row to its 'finish' row, or to the
 * SIGKILL of its process (a killed run holds its key until its lease lapses and it is rescued, so
 * the next run of that key starts after it); a run with neither never ends. Counts the pairs of
 * runs of one key that overlap.
 */
async function countKeyOverlaps(
  conn: { execute(sql: string): Promise<any> },
  killed: Map<number, number>,
  problems: string[],
): Promise<number> {
  // Joined here, not in SQL: the ledger's job_id is text, and no one cast of the id to text is
  // written alike on PostgreSQL, SQLite and MariaDB.
  const keyed: { id: unknown; concurrency_key: string }[] = await conn.execute(
    `SELECT id, concurrency_key FROM queue_job WHERE concurrency_key IS NOT NULL`,
  );
  const keyOf = new Map(keyed.map((k) => [String(k.id), k.concurrency_key]));
  const ledger: { job_id: unknown; attempt: unknown; pid: unknown; event: string; at: unknown }[] = await conn.execute(
    `SELECT job_id, attempt, pid, event, at FROM chaos_ledger`,
  );
  const runs = new Map<string, { key: string; pid: number; start?: number; finish?: number }>();
  for (const r of ledger) {
    const key = keyOf.get(String(r.job_id));
    if (key === undefined) continue;
    const id = `${r.job_id}:${r.attempt}`;
    const run = runs.get(id) ?? { key, pid: Number(r.pid) };
    if (r.event === 'start') run.start = Number(r.at);
    if (r.event === 'finish') run.finish = Number(r.at);
    runs.set(id, run);
  }
  const byKey = new Map<string, { start: number; end: number; id: string }[]>();
  for (const [id, r] of runs) {
    if (r.start === undefined) continue;
    const end = r.finish ?? killed.get(r.pid) ?? Infinity;
    byKey.set(r.key, [...(byKey.get(r.key) ?? []), { start: r.start, end, id }]);
  }
  let overlaps = 0;
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++) {
      const earlier = list.slice(0, i).find((p) => p.end > list[i]!.start);
      if (!earlier) continue;
      overlaps += 1;
      if (problems.length < 20) problems.push(`key ${key}: run ${list[i]!.id} started while ${earlier.id} ran`);
    }
  }
  return overlaps;
}

/** The soak's last line. */
export function chaosLine(r: ChaosResult): string {
  return `lost=${r.lost} unrecorded_repeats=${r.unrecordedRepeats} key_overlaps=${r.keyOverlaps} max_recovery_ms=${r.maxRecoveryMs}`;
}
