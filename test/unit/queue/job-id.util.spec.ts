/** assertId: job and pipeline ids are positive BIGINTs; anything else is JobNotFoundError, not a database error. */
import { JobNotFoundError } from '../../../lib/errors/job-not-found.error.js';
import { assertId } from '../../../lib/queue/job-id.util.js';

describe('assertId', () => {
  it.each([1, '1', 42, '9223372036854775807', Number.MAX_SAFE_INTEGER])('accepts %p', (id) => {
    expect(() => assertId(id, 'job')).not.toThrow();
  });

  it.each([
    0,
    '0',
    -1,
    '-1',
    1.5,
    '1.5',
    '05',
    ' 1',
    '1 ',
    '1e3',
    1e21,
    '',
    'abc',
    NaN,
    null,
    undefined,
    '9223372036854775808',
    '1'.repeat(20),
  ])('refuses %p with JobNotFoundError', (id) => {
    expect(() => assertId(id, 'job')).toThrow(JobNotFoundError);
  });

  it('names what was looked up and the given id, and says what ids look like', () => {
    expect(() => assertId('x1', 'pipeline')).toThrow(
      new JobNotFoundError('No pipeline has id x1: pipeline ids are positive integers.'),
    );
  });
});
