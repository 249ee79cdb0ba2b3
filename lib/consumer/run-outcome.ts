import type { JobErrorInfo } from '../interfaces/job-context.js';
import type { CompletionEffects } from '../persistence/store.types.js';

/** How one attempt ended, as data; the consumer loop turns it into a finish of the job's row. */
export type RunOutcome =
  /** `effects`: what the store applies with the completion (spawned children, workspace changes). */
  | { kind: 'completed'; output: string; effects?: CompletionEffects }
  | {
      kind: 'failed';
      error: JobErrorInfo;
      timeout: boolean;
      /** Retrying cannot help (invalid input, an unrecoverable error). */ permanent: boolean;
    }
  /** The handler snoozed: the attempt is given back and the job runs again after `delayMs`. */
  | { kind: 'snoozed'; delayMs: number }
  | { kind: 'aborted'; reason: 'cancelled' | 'lease-lost' | 'shutdown'; error: JobErrorInfo };
