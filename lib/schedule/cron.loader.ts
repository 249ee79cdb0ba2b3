import { JobsConfigurationError } from '../errors/configuration.error.js';

let cronLib: Promise<typeof import('cron')> | undefined;

/**
 * Loads `cron` (an optional peer, shipped with @nestjs/schedule) the first time a recurring job or
 * a schedule needs it; `why` says which, in the error thrown when it is not installed.
 */
export function loadCronLib(why: string): Promise<typeof import('cron')> {
  cronLib ??= import('cron').catch((cause) => {
    cronLib = undefined;
    throw new JobsConfigurationError(`${why}, which needs @nestjs/schedule (or cron): npm install @nestjs/schedule`, {
      cause,
    });
  });
  return cronLib;
}

/** The first occurrence strictly after a time, in the schedule's time zone. */
export type NextOccurrence = (after: Date) => Date;

/** `NextOccurrence` of a cron expression in `timeZone` (UTC when undefined); throws the `cron` package's error for a bad one. */
export async function occurrencesOf(cron: string, timeZone: string | undefined, why: string): Promise<NextOccurrence> {
  const { CronTime } = await loadCronLib(why);
  const time = new CronTime(cron, timeZone);
  // `getNextDateFrom` takes the zone again: without it, it counts in the process's zone.
  return (after) => time.getNextDateFrom(after, timeZone).toJSDate();
}
