/**
 * `npm run soak`: the chaos run at scale. Defaults: 100,000 jobs, 8 consumer processes, 200 random
 * SIGKILLs (each killed consumer replaced by a fresh one), on PostgreSQL (DATABASE_URL, or an
 * embedded server started here), SQLite (a temporary file) or MariaDB (a fresh database on the
 * server in MARIADB_URL, default mysql://root@127.0.0.1:3306).
 * A fifth of the jobs (--keyed N) run under `concurrency: { perKey: 1 }` over 16 keys (--keys N).
 * Flags: --jobs N --consumers N --kills N --db postgres|sqlite|mariadb --concurrency N --lease-ms N --heartbeat-ms N --keyed N --keys N
 * Progress goes to stderr; stdout ends with one line: `lost=N unrecorded_repeats=N key_overlaps=N max_recovery_ms=N`.
 * Exit code 1 when a job was lost, a repeat run went unrecorded or two runs of one key overlapped.
 */
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchMariadb } from './mariadb.server.js';
import { startBenchPostgres } from './postgres.server.js';
import { chaosLine, runChaos } from './soak/chaos.driver.js';
import type { ChaosDb } from './soak/chaos.app.js';

function parseArgs(argv: string[]) {
  const o = {
    jobs: 100_000,
    consumers: 8,
    kills: 200,
    db: 'postgres',
    concurrency: 8,
    leaseMs: 2_000,
    heartbeatMs: 300,
    keyed: -1,
    keys: 16,
  };
  const ints: Record<string, keyof typeof o> = {
    '--jobs': 'jobs',
    '--consumers': 'consumers',
    '--kills': 'kills',
    '--concurrency': 'concurrency',
    '--lease-ms': 'leaseMs',
    '--heartbeat-ms': 'heartbeatMs',
    '--keyed': 'keyed',
    '--keys': 'keys',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = inline ?? argv[++i];
    if (flag === '--db') {
      if (value !== 'postgres' && value !== 'sqlite' && value !== 'mariadb')
        throw new Error(`--db must be postgres, sqlite or mariadb; got ${value}`);
      o.db = value;
    } else if (flag in ints) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number; got ${value}`);
      (o as any)[ints[flag]!] = n;
    } else {
      throw new Error(
        `unknown flag ${flag}; flags: --jobs N --consumers N --kills N --db postgres|sqlite|mariadb --concurrency N --lease-ms N --heartbeat-ms N --keyed N --keys N`,
      );
    }
  }
  if (o.keyed < 0) o.keyed = Math.floor(o.jobs / 5);
  return o;
}

const args = parseArgs(process.argv.slice(2));
const log = (m: string) => process.stderr.write(`[soak] ${m}\n`);
let db: ChaosDb;
let cleanup: () => Promise<void>;
if (args.db === 'postgres') {
  const server = await startBenchPostgres();
  const database = await server.createDatabase();
  log(`PostgreSQL: ${server.description}`);
  db = { dialect: 'postgresql', url: database.url };
  cleanup = async () => {
    await database.drop();
    await server.stop();
  };
} else if (args.db === 'mariadb') {
  const database = await createBenchMariadb('jobs_soak');
  log(`MariaDB: ${database.description}`);
  db = { dialect: 'mariadb', url: database.url };
  cleanup = () => database.drop();
} else {
  const file = join(tmpdir(), `jobs-soak-${process.pid}.sqlite`);
  db = { dialect: 'sqlite', file };
  log(`SQLite: ${file}`);
  cleanup = async () => {
    for (const s of ['', '-wal', '-shm']) await rm(file + s, { force: true });
  };
}
log(
  `${args.jobs} jobs, ${args.consumers} consumers x concurrency ${args.concurrency}, ${args.kills} kills, lease ${args.leaseMs} ms, heartbeat ${args.heartbeatMs} ms`,
);
try {
  const r = await runChaos({ ...args, db, giveUpMs: 120_000, log });
  log(
    `${r.kills} kills in ${(r.durationMs / 1000).toFixed(1)} s; ${r.repeats} repeat runs, ${r.lostAttempts} lost attempts recorded, ${r.spuriousLosses} by live consumers, ${r.crashedConsumers} consumers crashed; done ${r.lastKillToDoneMs} ms after the last kill`,
  );
  for (const p of r.problems.slice(0, 10)) log(`problem: ${p}`);
  process.stdout.write(`${chaosLine(r)}\n`);
  process.exitCode = r.lost === 0 && r.unrecordedRepeats === 0 && r.keyOverlaps === 0 ? 0 : 1;
} finally {
  await cleanup();
}
