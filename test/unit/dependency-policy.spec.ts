import { derivePipelineState, judgeDependants, type EndedEdge } from '../../lib/pipeline/dependency.policy.js';
import type { JobRecord } from '../../lib/index.js';

const edge = (jobId: string, dependsOnId: string, policy: string, depState: string, depStep: string | null = null): EndedEdge => ({
  jobId,
  dependsOnId,
  policy,
  depState,
  depStep,
});

describe('dependency policy', () => {
  it('releases dependants of completed dependencies, counting each edge', () => {
    expect(judgeDependants([edge('10', '1', 'fail', 'completed'), edge('10', '2', 'fail', 'completed'), edge('11', '1', 'skip', 'completed')])).toEqual([
      { id: '10', release: 2 },
      { id: '11', release: 1 },
    ]);
  });

  it("policy 'run' releases whatever the dependency ended as", () => {
    expect(judgeDependants([edge('10', '1', 'run', 'failed'), edge('10', '2', 'run', 'cancelled')])).toEqual([{ id: '10', release: 2 }]);
  });

  it("policy 'skip' skips, 'fail' takes the dependency's ending, and the worst ending wins", () => {
    const [skipped] = judgeDependants([edge('10', '1', 'skip', 'failed', 'a')]);
    expect(skipped).toMatchObject({ id: '10', end: 'skipped' });
    expect(JSON.parse((skipped as { error: string }).error)).toEqual({
      name: 'DependencyFailedError',
      message: "dependency 'a' (job 1) ended failed; policy 'skip' makes this step skipped",
    });
    expect(judgeDependants([edge('10', '1', 'fail', 'cancelled')])).toMatchObject([{ id: '10', end: 'cancelled' }]);
    expect(judgeDependants([edge('10', '1', 'skip', 'failed'), edge('10', '2', 'fail', 'cancelled'), edge('10', '3', 'fail', 'failed')])).toMatchObject([
      { id: '10', end: 'failed' },
    ]);
    // A dependency without a step key is named by its id.
    expect(JSON.parse((judgeDependants([edge('10', '7', 'fail', 'failed')])[0] as { error: string }).error).message).toMatch(/^dependency '7' \(job 7\)/);
  });

  const job = (id: string, state: string) => ({ id, state }) as JobRecord;

  it('derives the pipeline state from its steps and edges', () => {
    expect(derivePipelineState([job('1', 'pending'), job('2', 'blocked')], [])).toBe('pending');
    expect(derivePipelineState([job('1', 'running'), job('2', 'blocked')], [])).toBe('running');
    expect(derivePipelineState([job('1', 'completed'), job('2', 'skipped')], [])).toBe('completed');
    expect(derivePipelineState([job('1', 'cancelled'), job('2', 'completed')], [])).toBe('cancelled');
    // A failure nothing tolerates fails the pipeline; one every dependant tolerates does not.
    expect(derivePipelineState([job('1', 'failed')], [])).toBe('failed');
    expect(derivePipelineState([job('1', 'failed'), job('2', 'completed')], [{ dependsOnId: '1', policy: 'run' }])).toBe('completed');
    expect(derivePipelineState([job('1', 'failed'), job('2', 'skipped'), job('3', 'failed')], [
      { dependsOnId: '1', policy: 'skip' },
      { dependsOnId: '1', policy: 'fail' },
    ])).toBe('failed');
  });
});
