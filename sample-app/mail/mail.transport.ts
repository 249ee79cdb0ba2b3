import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SentMail } from './mail.types.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/**
 * A stand-in for an SMTP client: takes a few milliseconds and returns a message id. Swap it for
 * nodemailer or an API client; pass `signal` on so a cancelled or timed-out job stops sending.
 */
@Injectable()
export class MailTransport {
  async send(mail: OutgoingMail, signal: AbortSignal): Promise<SentMail> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 2 + (mail.to.length % 8));
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
    });
    return { messageId: `<${randomUUID()}@sample-app.local>` };
  }
}
