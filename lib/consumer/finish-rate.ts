/** The shortest time the rate is measured over. */
const SAMPLE_MS = 50;

/** Jobs per second this consumer finishes: a moving average over samples of at least SAMPLE_MS. */
export class FinishRate {
  private rate = 0;
  private sample = { at: Date.now(), ended: 0 };
  private ended = 0;

  /** A job left its slot, however it ended. */
  noteEnded(): void {
    this.ended += 1;
  }

  /** The rate now; takes a new sample when the last one is at least SAMPLE_MS old. */
  perSecond(): number {
    const now = Date.now();
    const elapsed = now - this.sample.at;
    if (elapsed >= SAMPLE_MS) {
      const recent = ((this.ended - this.sample.ended) * 1000) / elapsed;
      this.rate = this.rate === 0 ? recent : 0.5 * this.rate + 0.5 * recent;
      this.sample = { at: now, ended: this.ended };
    }
    return this.rate;
  }
}
