import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Job } from '../../lib/index.js';
import { probe } from '../probe.js';

/** The benchmark's handlers: a no-op and a sleep, both reporting to `probe`. */
@Injectable()
export class BenchJobs {
  @Job('bench.noop')
  noop(): void {
    probe.onJob(1);
  }

  @Job('bench.sleep')
  async sleep(input: { ms: number }): Promise<void> {
    await sleep(input.ms);
    probe.onJob(1);
  }
}
