import type { EntityManager } from '@mikro-orm/core';
import type { JobQueue } from '../../lib/index.js';
import { GPU_JOB } from '../media/media.types.js';
import { DEFAULT_REGIONS, monthlyReport } from '../reports/report.pipeline.js';
import { UserSchema } from '../users/user.entity.js';

/** What the demo enqueued, so it can follow exactly those jobs (the database may hold others). */
export interface DemoPlan {
  /** Job ids by job name, for jobs enqueued on their own. */
  jobs: Map<string, string[]>;
  pipelineIds: string[];
  /** Jobs in all, pipeline steps (spawned ones included) counted. */
  expectedTotal: number;
  /** The earliest time the scheduled reminders may start. */
  remindersNotBefore: Date;
}

export const DEMO_COUNTS = { signups: 200, digests: 40, reminders: 30, crm: 5, gpu: 20, reports: 3 } as const;
export const REMINDER_DELAY_MS = 2_000;

/**
 * Enqueues the demo's jobs the ways an app would: signups (a user row and its welcome mail in one
 * transaction), a batch of flaky digests, reminders scheduled with `runAfter`, CRM syncs that
 * always fail, GPU jobs for another consumer, and monthly report pipelines with a dynamic fan-out.
 */
export async function enqueueDemoJobs(queue: JobQueue, em: EntityManager): Promise<DemoPlan> {
  const jobs = new Map<string, string[]>();
  const keep = (name: string, ids: string[]) => jobs.set(name, [...(jobs.get(name) ?? []), ...ids]);
  const tag = Date.now().toString(36); // unique emails on a database that already has demo users

  const users = await em.fork().transactional(async (tx) => {
    const created = Array.from({ length: DEMO_COUNTS.signups }, (_, i) =>
      tx.create(UserSchema, { email: `user${i}.${tag}@example.com`, createdAt: new Date() }),
    );
    await tx.flush();
    const welcomes = await queue.enqueueMany(
      created.map((u) => ({ name: 'mail.welcome', input: { userId: u.id, email: u.email } })),
      { em: tx },
    );
    keep(
      'mail.welcome',
      welcomes.map((j) => j.id),
    );
    return created;
  });

  const digests = await queue.enqueueMany(
    users
      .slice(0, DEMO_COUNTS.digests)
      .map((u) => ({ name: 'mail.digest', input: { userId: u.id, email: u.email, week: '2026-W47' } })),
  );
  keep(
    'mail.digest',
    digests.map((j) => j.id),
  );

  const remindersNotBefore = new Date(Date.now() + REMINDER_DELAY_MS);
  for (const u of users.slice(0, DEMO_COUNTS.reminders)) {
    keep('mail.reminder', [
      (await queue.enqueue('mail.reminder', { userId: u.id, email: u.email }, { runAfter: remindersNotBefore })).id,
    ]);
  }

  const syncs = await queue.enqueueMany(
    users.slice(0, DEMO_COUNTS.crm).map((u) => ({ name: 'crm.sync', input: { contactId: u.id } })),
  );
  keep(
    'crm.sync',
    syncs.map((j) => j.id),
  );

  const gpu = await queue.enqueueMany(
    Array.from({ length: DEMO_COUNTS.gpu }, (_, i) => ({ name: GPU_JOB, input: { videoId: `video-${tag}-${i}` } })),
  );
  keep(
    GPU_JOB,
    gpu.map((j) => j.id),
  );

  const pipelineIds: string[] = [];
  for (let m = 0; m < DEMO_COUNTS.reports; m++) {
    pipelineIds.push(
      (await queue.enqueuePipeline(monthlyReport(`2026-${String(8 + m).padStart(2, '0')}`, DEFAULT_REGIONS, 'demo')))
        .id,
    );
  }

  const plain = [...jobs.values()].reduce((n, ids) => n + ids.length, 0);
  const stepsPerReport = 3 + DEFAULT_REGIONS.length; // fetch, split, render + one part per region
  return { jobs, pipelineIds, expectedTotal: plain + pipelineIds.length * stepsPerReport, remindersNotBefore };
}
