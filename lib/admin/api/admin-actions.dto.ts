import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { JobState, TERMINAL_JOB_STATES } from '../../interfaces/job-state.js';
import { MAX_JOB_NAME_LENGTH, MAX_QUEUE_NAME_LENGTH } from '../../jobs.constants.js';

/** `POST api/jobs/retry`: the failed jobs of a name and/or a queue (one of them is required). */
export class BulkRetryBody {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_JOB_NAME_LENGTH)
  name?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_QUEUE_NAME_LENGTH)
  queue?: string;

  /** Only failed jobs are retried in bulk. */
  @IsOptional()
  @IsIn([JobState.Failed], { message: "state must be 'failed': only failed jobs are retried in bulk" })
  state?: typeof JobState.Failed;
}

/** `POST api/purge`: finished jobs older than `olderThanMs` in `states` (default: every finished state). */
export class PurgeBody {
  @IsInt()
  @Min(0)
  olderThanMs!: number;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TERMINAL_JOB_STATES.length)
  @IsIn(TERMINAL_JOB_STATES, {
    each: true,
    message: `states must hold finished states only (${TERMINAL_JOB_STATES.join(', ')})`,
  })
  states?: JobState[];
}
