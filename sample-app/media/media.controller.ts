import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { IsString, Length } from 'class-validator';
import { JobQueue } from '../../lib/index.js';
import { GPU_JOB } from './media.types.js';

class ThumbnailRequest {
  @IsString()
  @Length(1, 64)
  videoId!: string;
}

@Controller('media')
export class MediaController {
  constructor(private readonly jobs: JobQueue) {}

  /** `POST /media/thumbnails {"videoId":"v1"}`: waits for a consumer started with `--include media.gpu`. */
  @Post('thumbnails')
  @HttpCode(202)
  async thumbnails(@Body() body: ThumbnailRequest) {
    const job = await this.jobs.enqueue(GPU_JOB, { videoId: body.videoId });
    return { jobId: job.id, state: job.state };
  }
}
