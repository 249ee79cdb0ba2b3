// Glue: the module the README's AppModule imports, with the README's MailJobs and two more jobs
// the README names (`report.build` in "Enqueueing", `media.gpu` in the consumer's command).
import { Injectable, Module } from '@nestjs/common';
import { Job, type JobContext } from 'nestjs-job-pipelines';
import { MailJobs } from './mail.jobs.js';

let seq = 0;

@Injectable()
export class OtherJobs {
  @Job('report.build')
  build(input: { n: number }, ctx: JobContext) {
    return { n: input.n, seq: ++seq, attempt: ctx.attempt };
  }

  @Job('media.gpu')
  render(input: { videoId: string }) {
    return { videoId: input.videoId, frames: 24 };
  }
}

@Module({ providers: [MailJobs, OtherJobs] })
export class MailModule {}
