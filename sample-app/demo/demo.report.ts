import { JobState, PipelineState, TERMINAL_JOB_STATES, type JobRecord } from '../../lib/index.js';
import { GPU_JOB } from '../media/media.types.js';
import type { DemoTracker } from './demo.tracker.js';
import type { DemoPlan } from './demo.workload.js';

/** The job that always fails: its jobs must end `failed`; every other job must end `completed`. */
export const ALWAYS_FAILS = 'crm.sync';

const NOTES: Record<string, string> = {
  'mail.welcome': 'enqueued with its user, in one transaction',
  'mail.digest': 'flaky: fails once (greylisted), retried',
  'mail.reminder': 'runAfter +2 s',
  'crm.sync': 'always fails: 2 attempts, failed; retried by hand, fails again',
  [GPU_JOB]: 'excluded by consumer 1, run by consumer 2',
  'reports.fetch': 'pipeline step',
  'reports.split': 'pipeline step, spawns 1 part per region',
  'reports.summarise': 'spawned at run time',
  'reports.render': 'pipeline step, fan-in',
};

/** The summary table: one row per job name, then the pipelines and one final failure. */
export function formatReport(tracker: DemoTracker): string {
  const names = [...new Set(tracker.all().map((j) => j.name))].sort();
  const rows = names.map((name) => {
    const jobs = tracker.all(name);
    const count = (s: JobState) => String(jobs.filter((j) => j.state === s).length);
    const unfinished = jobs.filter((j) => !TERMINAL_JOB_STATES.includes(j.state)).length;
    return [
      name,
      String(jobs.length),
      count(JobState.Completed),
      count(JobState.Failed),
      count(JobState.Cancelled),
      String(unfinished),
      String(jobs.reduce((n, j) => n + j.attempts, 0)),
      NOTES[name] ?? '',
    ];
  });
  const all = tracker.all();
  rows.push([
    'total',
    String(all.length),
    ...[JobState.Completed, JobState.Failed, JobState.Cancelled].map((s) =>
      String(all.filter((j) => j.state === s).length),
    ),
    String(rows.reduce((n, r) => n + Number(r[5]), 0)),
    String(all.reduce((n, j) => n + j.attempts, 0)),
    '',
  ]);
  const out = [table(['job', 'jobs', 'completed', 'failed', 'cancelled', 'unfinished', 'attempts', ''], rows)];

  out.push('', 'pipelines:');
  for (const p of tracker.pipelines.values()) {
    const total = p.workspace.totalRevenueCents;
    out.push(
      `  #${p.id} ${p.name}: ${p.state}, ${p.progress.done}/${p.progress.total} steps${typeof total === 'number' ? `, revenue ${(total / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })} EUR` : ''}`,
    );
  }
  const failed = all.find((j) => j.name === ALWAYS_FAILS && j.state === JobState.Failed);
  if (failed?.error) {
    const stack = (failed.error.stack ?? '')
      .split('\n')
      .slice(1)
      .filter((l) => !l.includes('node:internal'))
      .slice(0, 2)
      .map((l) => `      ${l.trim()}`);
    out.push(
      '',
      `a final failure (job #${failed.id} ${failed.name}, ${failed.attempts}/${failed.maxAttempts} attempts):`,
      `    ${failed.error.name}: ${failed.error.message}`,
      ...stack,
    );
  }
  return out.join('\n');
}

/** What must be true at the end; each problem is one line. Empty: the demo worked. */
export function checkOutcome(tracker: DemoTracker, plan: DemoPlan): string[] {
  const problems: string[] = [];
  const all = tracker.all();
  if (all.length !== plan.expectedTotal) problems.push(`expected ${plan.expectedTotal} jobs, found ${all.length}`);
  const wrong = (j: JobRecord) => j.state !== (j.name === ALWAYS_FAILS ? JobState.Failed : JobState.Completed);
  for (const j of all.filter(wrong).slice(0, 10)) problems.push(`job #${j.id} ${j.name} is ${j.state}`);
  for (const j of tracker.all(ALWAYS_FAILS).filter((j) => !j.error?.stack))
    problems.push(`job #${j.id} ${j.name} has no stored stack`);
  // Retried by hand once: its log keeps the first run's attempts, the retry, and the second run's.
  const retriedOnce = (j: JobRecord) =>
    j.attemptLog.map((e) => e.outcome).join(',') === 'failed,failed,retried,failed,failed';
  for (const j of tracker.all(ALWAYS_FAILS).filter((j) => !retriedOnce(j)))
    problems.push(
      `job #${j.id} ${j.name} was not retried by hand once: ${j.attemptLog.map((e) => e.outcome).join(', ')}`,
    );
  for (const j of tracker.all('mail.digest').filter((j) => j.attempts !== 2))
    problems.push(`flaky job #${j.id} took ${j.attempts} attempts, not 2`);
  for (const j of tracker.all('mail.reminder').filter((j) => j.startedAt && j.startedAt < plan.remindersNotBefore)) {
    problems.push(`job #${j.id} mail.reminder started at ${j.startedAt!.toISOString()}, before its runAfter`);
  }
  for (const p of tracker.pipelines.values())
    if (p.state !== PipelineState.Completed) problems.push(`pipeline #${p.id} is ${p.state}`);
  return problems;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    '  ' +
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(0, -1).map(line),
    line(widths.map((w) => '-'.repeat(w))),
    line(rows.at(-1)!),
  ].join('\n');
}
