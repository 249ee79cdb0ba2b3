/** Base class of every error this library throws; `code` is stable, `message` says what to do. */
export class JobsError extends Error {
  readonly code: string = 'JOBS_ERROR';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
