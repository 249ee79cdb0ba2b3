import { Injectable } from '@nestjs/common';
import { Job } from '../../lib/index.js';
import burn from './cpu.thread.js';

/**
 * The `thread-cpu` workload's jobs, in an app of their own: a consumer that claims a thread job
 * starts the thread pool, which the other workloads should not pay for.
 */
@Injectable()
export class CpuJobs {
  /** Runs bench/ours/cpu.thread.js in the consumer's thread pool (the method body is not called). */
  @Job('bench.cpu', { thread: { file: new URL('./cpu.thread.js', import.meta.url) } })
  cpu(): void {}

  /** The same burn on the consumer's event loop. */
  @Job('bench.cpu-inprocess')
  cpuInProcess(input: { ms: number }): { ms: number } {
    return burn(input);
  }
}
