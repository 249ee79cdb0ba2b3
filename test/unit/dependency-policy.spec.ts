import {
  derivePipelineState,
  judgeDependants,
  planRetry,
  type EndedEdge,
} from '../../lib/pipeline/dependency.policy.js';
import type { JobRecord } from '../../lib/index.js';

const edge = (
  jobId: string,
  dependsOnId: string,
  policy: string,
  depState: string,
  depStep: string | null = null,
): EndedEdge => ({
  jobId,
  dependsOnId,
  policy,
  depState,
  depStep,
});

describe('dependency policy', () => {
  it('releases dependants of completed dependencies, counting each edge', () => {
    expect(
      judgeDependants([
        edge('10', '1', 'fail', 'completed'),
        edge('10', '2', 'fail', 'completed'),
        edge('11', '1', 'skip', 'completed'),
      ]),
    ).toEqual([
      { id: '10', release: 2 },
      { id: '11', release: 1 },
    ]);
  });

  it("policy 'run' releases whatever the dependency ended as", () => {
    expect(judgeDependants([edge('10', '1', 'run', 'failed'), edge('10', '2', 'run', 'cancelled')])).toEqual([
      { id: '10', release: 2 },
    ]);
  });

  it("policy 'skip' skips, 'fail' takes the dependency's ending, and the worst ending wins", () => {
    const [skipped] = judgeDependants([edge('10', '1', 'skip', 'failed', 'a')]);
    expect(skipped).toMatchObject({ id: '10', end: 'skipped' });
    expect(JSON.parse((skipped as { error: string }).error)).toEqual({
      name: 'DependencyFailedError',
      message: "dependency 'a' (job 1) ended failed; policy 'skip' makes this step skipped",
    });
    expect(judgeDependants([edge('10', '1', 'fail', 'cancelled')])).toMatchObject([{ id: '10', end: 'cancelled' }]);
    expect(
      judgeDependants([
        edge('10', '1', 'skip', 'failed'),
        edge('10', '2', 'fail', 'cancelled'),
        edge('10', '3', 'fail', 'failed'),
      ]),
    ).toMatchObject([{ id: '10', end: 'failed' }]);
    // A dependency without a step key is named by its id.
    expect(
      JSON.parse((judgeDependants([edge('10', '7', 'fail', 'failed')])[0] as { error: string }).error).message,
    ).toMatch(/^dependency '7' \(job 7\)/);
  });

  const job = (id: string, state: string) => ({ id, state }) as JobRecord;

  it('derives the pipeline state from its steps and edges', () => {
    expect(derivePipelineState([job('1', 'pending'), job('2', 'blocked')], [])).toBe('pending');
    expect(derivePipelineState([job('1', 'running'), job('2', 'blocked')], [])).toBe('running');
    expect(derivePipelineState([job('1', 'completed'), job('2', 'skipped')], [])).toBe('completed');
    expect(derivePipelineState([job('1', 'cancelled'), job('2', 'completed')], [])).toBe('cancelled');
    // A failure nothing tolerates fails the pipeline; one every dependant tolerates does not.
    expect(derivePipelineState([job('1', 'failed')], [])).toBe('failed');
    expect(
      derivePipelineState([job('1', 'failed'), job('2', 'completed')], [{ dependsOnId: '1', policy: 'run' }]),
    ).toBe('completed');
    expect(
      derivePipelineState(
        [job('1', 'failed'), job('2', 'skipped'), job('3', 'failed')],
        [
          { dependsOnId: '1', policy: 'skip' },
          { dependsOnId: '1', policy: 'fail' },
        ],
      ),
    ).toBe('failed');
  });
});

describe('retry plan', () => {
  const step = (id: string, state: string, attempts = 0, errorName: string | null = null) => ({
    id,
    state,
    attempts,
    errorName,
  });
  const byDep = (id: string, state = 'failed') => step(id, state, 0, 'DependencyFailedError');
  const e = (jobId: string, dependsOnId: string, policy = 'fail') => ({ jobId, dependsOnId, policy });

  it('re-opens a diamond below the retried step once, each dependant blocked on its re-opened dependencies', () => {
    const steps = [step('1', 'failed', 3, 'Error'), byDep('2'), byDep('3', 'skipped'), byDep('4')];
    const plan = planRetry('1', steps, [e('2', '1'), e('3', '1', 'skip'), e('4', '2'), e('4', '3')]);
    expect(plan).toEqual({
      reopen: [
        { id: '1', from: 'failed', state: 'pending', blocking: 0 },
        { id: '2', from: 'failed', state: 'blocked', blocking: 1 },
        { id: '3', from: 'skipped', state: 'blocked', blocking: 1 },
        { id: '4', from: 'failed', state: 'blocked', blocking: 2 },
      ],
      addBlocking: [],
    });
  });

  it('leaves a dependant another failed dependency would end again, and counts unfinished dependencies', () => {
    const steps = [step('1', 'failed', 1), step('2', 'failed', 1), byDep('3'), step('5', 'running', 1), byDep('6')];
    const plan = planRetry('1', steps, [e('3', '1'), e('3', '2'), e('6', '1'), e('6', '5')]);
    expect(plan).toEqual({
      reopen: [
        { id: '1', from: 'failed', state: 'pending', blocking: 0 },
        { id: '6', from: 'failed', state: 'blocked', blocking: 2 },
      ],
      addBlocking: [],
    });
  });

  it("a blocked dependant with policy 'run' waits for the retried step again", () => {
    const plan = planRetry(
      '1',
      [step('1', 'cancelled', 1), step('2', 'blocked'), step('3', 'running', 1)],
      [e('2', '1', 'run'), e('2', '3')],
    );
    expect(plan).toEqual({
      reopen: [{ id: '1', from: 'cancelled', state: 'pending', blocking: 0 }],
      addBlocking: [{ id: '2', n: 1 }],
    });
  });

  it('refuses a step that did not run because of a dependency, and one a failed dependency would end again', () => {
    expect(planRetry('2', [step('1', 'failed', 2), byDep('2')], [e('2', '1')])).toEqual({
      refused: expect.stringContaining('job 1, failed'),
    });
    expect(planRetry('2', [step('1', 'failed', 2), step('2', 'cancelled')], [e('2', '1')])).toEqual({
      refused: expect.stringContaining('job 1 ended failed'),
    });
    // A cancelled step whose dependency still runs re-opens blocked on it.
    expect(planRetry('2', [step('1', 'running', 1), step('2', 'cancelled')], [e('2', '1')])).toEqual({
      reopen: [{ id: '2', from: 'cancelled', state: 'blocked', blocking: 1 }],
      addBlocking: [],
    });
  });
});
