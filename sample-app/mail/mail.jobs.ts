import { Injectable } from '@nestjs/common';
import { Job, type JobContext } from '../../lib/index.js';
import { MailTransport } from './mail.transport.js';
import type { DigestInput, MailUser, SentMail } from './mail.types.js';
import { WelcomeMailInput } from './welcome-mail.input.js';

@Injectable()
export class MailJobs {
  constructor(private readonly transport: MailTransport) {}

  /** Sent after a signup; the input is a validated DTO instance. Higher priority than bulk mail. */
  @Job('mail.welcome', { input: WelcomeMailInput, priority: 10, maxAttempts: 5 })
  async welcome(input: WelcomeMailInput, ctx: JobContext): Promise<SentMail> {
    return this.transport.send(
      { to: input.email, subject: 'Welcome!', text: `Hello user ${input.userId}` },
      ctx.signal,
    );
  }

  /** Enqueued with `runAfter` (a trial ending, say): runs no earlier than that. */
  @Job('mail.reminder', { input: WelcomeMailInput })
  async reminder(input: MailUser, ctx: JobContext): Promise<SentMail> {
    return this.transport.send({ to: input.email, subject: 'Your trial ends soon', text: '...' }, ctx.signal);
  }

  /**
   * The flaky one: the mail relay greylists every first delivery attempt (451, "try again later"),
   * as real anti-spam relays do, so each digest fails once and succeeds on its retry.
   */
  @Job('mail.digest', { maxAttempts: 3, backoff: { baseMs: 200, maxMs: 1_000, jitter: true } })
  async digest(input: DigestInput, ctx: JobContext): Promise<SentMail> {
    if (ctx.attempt === 1) throw new Error(`451 4.7.1 <${input.email}>: greylisted, please try again later`);
    return this.transport.send({ to: input.email, subject: `Your week ${input.week}`, text: '...' }, ctx.signal);
  }
}
