import type { ModuleRef } from '@nestjs/core';
import type { CronRegistry } from './recurring.scheduler.js';

/**
 * @nestjs/schedule's `SchedulerRegistry` when the application imports `ScheduleModule.forRoot()`;
 * undefined when it does not, or when @nestjs/schedule (an optional peer) is not installed.
 */
export async function findSchedulerRegistry(moduleRef: ModuleRef): Promise<CronRegistry | undefined> {
  let schedule: typeof import('@nestjs/schedule');
  try {
    schedule = await import('@nestjs/schedule');
  } catch {
    return undefined;
  }
  try {
    return moduleRef.get(schedule.SchedulerRegistry, { strict: false }) as unknown as CronRegistry;
  } catch {
    return undefined;
  }
}
