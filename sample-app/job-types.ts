/**
 * The sample app's jobs, declared once: job names, inputs and outputs are then type-checked in
 * `enqueue`, `enqueueMany`, `get` and pipeline steps (README, "Typed jobs"). In an app of your own
 * the module is 'nestjs-job-pipelines'.
 *
 * This file is left out of the repository's root tsconfig (whose tests enqueue fixture jobs of
 * their own, and a declaration is global to a program); `sample-app/tsconfig.json` type-checks the
 * sample app with it: `npx tsc -p sample-app/tsconfig.json`.
 */
import type { CrmSyncInput } from './crm/crm.jobs.js';
import type { DigestInput, MailUser, SentMail } from './mail/mail.types.js';
import type { ThumbnailInput, ThumbnailOutput } from './media/media.types.js';
import type {
  FetchedOrders,
  RegionPart,
  RegionSummary,
  RenderedReport,
  ReportRequest,
  SplitResult,
} from './reports/reports.types.js';

declare module '../lib/index.js' {
  interface JobTypes {
    'mail.welcome': { input: MailUser; output: SentMail };
    'mail.reminder': { input: MailUser; output: SentMail };
    'mail.digest': { input: DigestInput; output: SentMail };
    'crm.sync': { input: CrmSyncInput; output: { contactId: number; synced: true } };
    'media.gpu': { input: ThumbnailInput; output: ThumbnailOutput };
    'reports.fetch': { input: ReportRequest; output: FetchedOrders };
    'reports.split': { input: FetchedOrders; output: SplitResult };
    'reports.summarise': { input: RegionPart; output: RegionSummary };
    'reports.render': { input: SplitResult; output: RenderedReport };
  }
}
