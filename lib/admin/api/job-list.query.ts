import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { JobState } from '../../interfaces/job-state.js';
import { MAX_JOB_NAME_LENGTH, MAX_QUEUE_NAME_LENGTH } from '../../jobs.constants.js';

const STATES = Object.values(JobState);

/** `GET api/jobs?state=&name=&queue=&createdAfter=&createdBefore=&after=&limit=` */
export class JobListQuery {
  @IsOptional()
  @IsIn(STATES, { message: `state must be one of ${STATES.join(', ')}` })
  state?: JobState;

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

  /** ISO 8601 time: jobs created at or after it. */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'createdAfter must be an ISO 8601 time' })
  createdAfter?: string;

  /** ISO 8601 time: jobs created before it. */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'createdBefore must be an ISO 8601 time' })
  createdBefore?: string;

  /** The `next` cursor of the previous page. */
  @IsOptional()
  @Matches(/^[1-9]\d{0,18}$/, { message: "after must be the 'next' cursor of a previous page" })
  after?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/** `GET api/throughput?minutes=` */
export class ThroughputQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1440)
  minutes?: number;
}
