import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { JobState, TERMINAL_JOB_STATES } from '../interfaces/job-state.js';

/** `purge()`'s states (default: every finished state), after checking `olderThanMs` and that each state is finished. */
export function assertPurgeOptions(options: { olderThanMs: number; states?: JobState[] }): JobState[] {
  const states = options.states ?? [JobState.Completed, JobState.Failed, JobState.Cancelled, JobState.Skipped];
  if (!Number.isInteger(options.olderThanMs) || options.olderThanMs < 0) {
    throw new InvalidJobOptionsError(`Option 'olderThanMs' must be an integer >= 0; got ${options.olderThanMs}.`);
  }
  const bad = states.filter((s) => !TERMINAL_JOB_STATES.includes(s));
  if (bad.length) {
    throw new InvalidJobOptionsError(`purge() only deletes finished jobs; states ${bad.join(', ')} are not finished.`);
  }
  return states;
}
