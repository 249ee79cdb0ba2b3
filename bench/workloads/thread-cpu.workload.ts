import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOursApp } from '../ours/bench.app.js';
import { CpuJobs } from '../ours/cpu.jobs.js';
import type { Workload } from './workload.js';

const JOBS = 8;
const BURN_MS = 200;

/**
 * Ours only: 8 jobs each burning 200 ms of CPU, run by one consumer with its defaults (concurrency
 * 10, a pool of one thread per core), as a thread job (`bench.cpu`) and in-process
 * (`bench.cpu-inprocess`): wall time, and the consumer's event-loop max delay while they run
 * (`monitorEventLoopDelay`, 10 ms resolution). With threads the wall time is about
 * 8 x 200 ms / cores and the loop stays free; in-process the jobs run one after the other and each
 * blocks the loop for its whole burn.
 */
export const threadCpu: Workload = {
  figures: [
    { id: 'thread-cpu', unit: 'ms', higherIsBetter: false, title: '8 jobs x 200 ms CPU, runIn thread pool: wall time' },
    {
      id: 'thread-cpu-delay',
      unit: 'ms',
      higherIsBetter: false,
      title: '8 jobs x 200 ms CPU, thread pool: consumer event-loop max delay',
    },
    {
      id: 'thread-cpu-inprocess',
      unit: 'ms',
      higherIsBetter: false,
      title: '8 jobs x 200 ms CPU, in-process: wall time',
    },
    {
      id: 'thread-cpu-inprocess-delay',
      unit: 'ms',
      higherIsBetter: false,
      title: '8 jobs x 200 ms CPU, in-process: event-loop max delay',
    },
  ],
  systems: 'ours',
  measure: (ctx) =>
    ctx.onFreshDatabase(async (url) => {
      const o = await createOursApp({ postgresUrl: url }, true, {}, [CpuJobs]);
      try {
        const run = async (name: string) => {
          await o.queue.enqueueMany(Array.from({ length: JOBS }, () => ({ name, input: { ms: BURN_MS } })));
          const delay = monitorEventLoopDelay({ resolution: 10 });
          delay.enable();
          // The histogram records gaps between its own ticks: start after its second, stop after one more.
          const ticks = async (k: number) => {
            const until = delay.count + k;
            while (delay.count < until) await sleep(5);
          };
          await ticks(2);
          const t0 = performance.now();
          const summary = await o.consumer.run({ untilEmpty: true, schedule: false });
          const wall = performance.now() - t0;
          await ticks(1);
          delay.disable();
          if (summary.completed !== JOBS) throw new Error(`${name}: ${summary.completed} of ${JOBS} jobs completed`);
          return { wall, delay: delay.max / 1e6 };
        };
        const thread = await run('bench.cpu');
        const inProcess = await run('bench.cpu-inprocess');
        return {
          'thread-cpu': thread.wall,
          'thread-cpu-delay': thread.delay,
          'thread-cpu-inprocess': inProcess.wall,
          'thread-cpu-inprocess-delay': inProcess.delay,
        };
      } finally {
        await o.close();
      }
    }),
};
