/**
 * Waits for `work`, but at most `ms`: true when it settled in time (a rejection is passed on), false
 * when the time ran out first (`work` goes on). `unref`: the timer alone does not keep the process up.
 */
export async function waitAtMost(work: Promise<unknown>, ms: number, unref = false): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    if (unref) timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
