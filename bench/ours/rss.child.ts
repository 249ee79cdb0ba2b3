/**
 * Child process of the `consumer-rss-c1000` workload: a consumer at concurrency 1,000 running
 * sleeping jobs, alone in its process so its RSS is the consumer's. Prints `{"rssMb": peak}`.
 * Env: BENCH_DATABASE_URL, BENCH_JOBS.
 */
import { createOursApp, enqueueAll } from './bench.app.js';

const url = process.env.BENCH_DATABASE_URL!;
const jobs = Number(process.env.BENCH_JOBS ?? 5000);
const o = await createOursApp({ postgresUrl: url });
await enqueueAll(
  o.queue,
  'bench.sleep',
  Array.from({ length: jobs }, () => ({ ms: 200 })),
);
let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
await o.consumer.run({ concurrency: 1000, untilEmpty: true, schedule: false });
clearInterval(sample);
await o.close();
process.stdout.write(`${JSON.stringify({ rssMb: peak / 1024 / 1024 })}\n`);
