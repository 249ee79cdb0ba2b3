/** What the mail jobs take and return (declared in ../job-types.ts). */
export interface MailUser {
  userId: number;
  email: string;
}

export interface DigestInput extends MailUser {
  /** ISO week, e.g. '2026-W47'. */
  week: string;
}

export interface SentMail {
  messageId: string;
}
