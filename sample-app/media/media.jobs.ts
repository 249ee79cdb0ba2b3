import { Injectable } from '@nestjs/common';
import { Job, type JobContext } from '../../lib/index.js';
import { GPU_JOB, type ThumbnailInput, type ThumbnailOutput } from './media.types.js';

@Injectable()
export class MediaJobs {
  /**
   * Renders a video's thumbnails on the GPU. Every consumer has this handler (same codebase), so
   * the machines without a GPU start theirs with `--exclude media.gpu` and the GPU box with
   * `--include media.gpu`. Its own queue keeps its depth visible in `queueDepths()`.
   */
  @Job(GPU_JOB, { queue: 'gpu', timeoutMs: 60_000 })
  async renderThumbnails(input: ThumbnailInput, ctx: JobContext): Promise<ThumbnailOutput> {
    await ctx.progress('rendering', { videoId: input.videoId });
    await new Promise((r) => setTimeout(r, 10)); // the GPU work
    return { videoId: input.videoId, thumbnails: 12 };
  }
}
