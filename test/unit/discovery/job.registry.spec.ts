/** JobRegistry: handlers by name; a name used twice or a name never registered is a typed error that says what to do. */
import { DuplicateJobError } from '../../../lib/errors/duplicate-job.error.js';
import { UnknownJobError } from '../../../lib/errors/unknown-job.error.js';
import { JobRegistry, type RegisteredJob } from '../../../lib/discovery/job.registry.js';

function job(name: string, source = `Jobs.${name}`): RegisteredJob {
  return { name, source, options: {}, handler: () => undefined };
}

describe('JobRegistry', () => {
  it('finds a registered job by name and lists the names', () => {
    const registry = new JobRegistry();
    const echo = job('echo');
    registry.register(echo);
    registry.register(job('greet'));
    expect(registry.get('echo')).toBe(echo);
    expect(registry.has('greet')).toBe(true);
    expect(registry.has('nope')).toBe(false);
    expect(registry.names()).toEqual(['echo', 'greet']);
  });

  it('refuses a second handler for a name, naming both declarations', () => {
    const registry = new JobRegistry();
    registry.register(job('echo', 'A.run'));
    expect(() => registry.register(job('echo', 'B.run'))).toThrow(
      new DuplicateJobError(
        "Job name 'echo' is used by both A.run and B.run. Job names must be unique: rename one of them.",
      ),
    );
    expect(registry.get('echo').source).toBe('A.run');
  });

  it('answers an unknown name with UnknownJobError listing the known jobs, sorted, or none', () => {
    const registry = new JobRegistry();
    expect(() => registry.get('x')).toThrow(/Known jobs: none\./);
    registry.register(job('zeta'));
    registry.register(job('alpha'));
    expect(() => registry.get('x')).toThrow(UnknownJobError);
    expect(() => registry.get('x')).toThrow(
      /^No @Job\(\) handler is registered as 'x'\. Known jobs: alpha, zeta\. Check the name/,
    );
  });
});
