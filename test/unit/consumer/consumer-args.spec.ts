/** parseConsumerArgs (runConsumerCli's flags, on commander): every flag, both spellings, and each refusal. */
import { InvalidJobOptionsError } from '../../../lib/errors/invalid-options.error.js';
import { parseConsumerArgs } from '../../../lib/consumer/consumer.cli.js';

describe('parseConsumerArgs', () => {
  it('reads every flag', () => {
    expect(
      parseConsumerArgs([
        '--concurrency',
        '20',
        '--poll-interval-ms',
        '500',
        '--max-jobs',
        '100',
        '--timeout-ms',
        '60000',
        '--shutdown-grace-ms',
        '30000',
        '--include',
        'a,b',
        '--exclude',
        'gpu.render, video.encode',
        '--queues',
        'default,,mail',
        '--until-empty',
      ]),
    ).toEqual({
      concurrency: 20,
      pollIntervalMs: 500,
      maxJobs: 100,
      timeoutMs: 60_000,
      shutdownGraceMs: 30_000,
      include: ['a', 'b'],
      exclude: ['gpu.render', 'video.encode'],
      queues: ['default', 'mail'],
      untilEmpty: true,
    });
  });

  it('gives nothing for no flags', () => {
    expect(parseConsumerArgs([])).toEqual({});
  });

  it('takes --flag=value, skips `--` wherever it stands, and lets a repeated flag win last', () => {
    expect(parseConsumerArgs(['--', '--include=media.gpu', '--concurrency=2', '--', '--concurrency', '3'])).toEqual({
      include: ['media.gpu'],
      concurrency: 3,
    });
  });

  it('takes arguments JSON-quoted as `nest start --no-shell` passes them', () => {
    expect(parseConsumerArgs(['"--include"', '"media.gpu"', '"--until-empty"'])).toEqual({
      include: ['media.gpu'],
      untilEmpty: true,
    });
  });

  it.each([
    [['--include'], 'Flag --include needs a value.'],
    [['--include', '--until-empty'], 'Flag --include needs a value.'],
    [['--concurrency', 'x'], "Flag --concurrency needs a whole number; got 'x'."],
    [['--max-jobs', '1.5'], "Flag --max-jobs needs a whole number; got '1.5'."],
    [['--bogus'], "Unknown flag '--bogus'. Flags: --concurrency, --poll-interval-ms, --max-jobs"],
    [['--bogus=1'], "Unknown flag '--bogus'."],
    [['--concurrency', '2', 'extra'], "Unknown flag 'extra'."],
    [['-c', '2'], "Unknown flag '-c'."],
    [['--help'], "Unknown flag '--help'."],
    [['--until-empty=yes'], "Flag --until-empty takes no value; got '--until-empty=yes'."],
  ])('refuses %p: %s', (argv, message) => {
    expect(() => parseConsumerArgs(argv)).toThrow(InvalidJobOptionsError);
    expect(() => parseConsumerArgs(argv)).toThrow(message);
  });
});
