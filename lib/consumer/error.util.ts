import type { JobErrorInfo } from '../interfaces/job-context.js';

/**
 * A storable description of anything thrown, Error or not (a string, an object, undefined...).
 * Never throws itself: a value whose getters or conversions throw is described as such.
 */
export function describeError(err: unknown): JobErrorInfo {
  try {
    if (err instanceof Error) {
      return { name: err.name || 'Error', message: String(err.message ?? ''), stack: err.stack };
    }
    let text: string;
    try {
      text = typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
    } catch {
      text = String(err);
    }
    return {
      name: 'NonErrorThrown',
      message: `The handler threw a value that is not an Error: ${text.slice(0, 2000)}`,
      stack: new Error('thrown value captured here').stack,
    };
  } catch {
    return {
      name: 'NonErrorThrown',
      message: 'The handler threw a value that is not an Error and cannot be described (converting it to text threw)',
      stack: new Error('thrown value captured here').stack,
    };
  }
}
