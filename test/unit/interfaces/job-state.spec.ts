/** The state and policy objects are frozen values whose strings are stored in the database. */
import { DependencyPolicy, JobState, PipelineState, TERMINAL_JOB_STATES } from '../../../lib/interfaces/job-state.js';

describe('job states and dependency policies', () => {
  it('are frozen, so no code can add or rename a stored value at run time', () => {
    for (const values of [JobState, PipelineState, DependencyPolicy, TERMINAL_JOB_STATES])
      expect(Object.isFrozen(values)).toBe(true);
  });

  it('hold the strings the database stores', () => {
    expect(Object.values(JobState).sort()).toEqual([
      'blocked',
      'cancelled',
      'completed',
      'failed',
      'pending',
      'running',
      'skipped',
    ]);
    expect(Object.values(PipelineState).sort()).toEqual(['cancelled', 'completed', 'failed', 'pending', 'running']);
    expect(Object.values(DependencyPolicy)).toEqual(['fail', 'skip', 'run']);
  });

  it('count as terminal exactly the states a job never leaves', () => {
    expect([...TERMINAL_JOB_STATES].sort()).toEqual(['cancelled', 'completed', 'failed', 'skipped']);
  });
});
