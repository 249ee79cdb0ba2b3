/**
 * What the benchmark's job handlers report to. Each measurement installs its own `onJob` before it
 * starts a worker; the handlers of every system call it, so all three do the same work per job.
 */
export const probe: { onJob: (count: number) => void } = { onJob: () => undefined };
