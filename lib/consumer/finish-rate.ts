/** The shortest time the rate is measured over ... */
const SAMPLE_MS = 50;
/**
 * ... unless this many jobs ended in the sample already (and at least MIN_SAMPLE_MS passed): a
 * consumer starting on a backlog of fast jobs then sizes its buffer within a few claims instead of
 * over several samples of SAMPLE_MS (20,000 no-op jobs: the first 2,000 took a median 104 ms with
 * 50 ms samples only, 78 ms with quick ones; each next 2,000 35-40 ms either way). Slow jobs never
 * fill a quick sample: their rate is measured as before.
 */
const QUICK_SAMPLE_JOBS = 100;
const MIN_SAMPLE_MS = 5;

/**
 * Jobs per second this consumer finishes, measured over samples: a rise is taken at once, a fall is
 * smoothed (a moving average), so the buffer grows as fast as the jobs allow and shrinks steadily.
 */
export class FinishRate {
  private rate = 0;
  /** The current sample: since when, and how many had ended then (none before the first look). */
  private sample: { at: number; ended: number } | undefined;
  private ended = 0;

  /** A job left its slot, however it ended. */
  noteEnded(): void {
    this.ended += 1;
  }

  /** The rate now; takes a new sample when the last one is old or full enough (see above). */
  perSecond(): number {
    const now = Date.now();
    // The first look starts the first sample: time before it (the consumer built, not running yet) is not counted.
    if (!this.sample) {
      this.sample = { at: now, ended: this.ended };
      return this.rate;
    }
    const elapsed = now - this.sample.at;
    const n = this.ended - this.sample.ended;
    if (elapsed >= SAMPLE_MS || (elapsed >= MIN_SAMPLE_MS && n >= QUICK_SAMPLE_JOBS)) {
      const recent = (n * 1000) / elapsed;
      this.rate = recent >= this.rate ? recent : 0.5 * this.rate + 0.5 * recent;
      this.sample = { at: now, ended: this.ended };
    }
    return this.rate;
  }
}
