/**
 * One chaos consumer process (the soak and the chaos spec start several and SIGKILL them).
 * Env: CHAOS_DB (JSON ChaosDb), JOBS_MODULE_OPTIONS and CONSUMER_OPTIONS (JSON). Prints `READY`
 * once its consumer runs; SIGTERM stops it gracefully.
 */
import { createChaosApp } from './chaos.app.js';

const db = JSON.parse(process.env.CHAOS_DB ?? '{}');
const { app, consumer } = await createChaosApp(db, { jobs: JSON.parse(process.env.JOBS_MODULE_OPTIONS ?? '{}') });
setTimeout(() => process.stdout.write('READY\n'), 0);
const summary = await consumer.run({ handleSignals: true, ...JSON.parse(process.env.CONSUMER_OPTIONS ?? '{}') });
process.stdout.write(`SUMMARY ${JSON.stringify(summary)}\n`);
await app.close();
