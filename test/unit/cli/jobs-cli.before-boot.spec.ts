/**
 * `runJobsCli` checks every value before it creates the app: a bad cursor, job name or queue name
 * exits 2 and the app module is never instantiated (so no database is opened). The module here
 * records its construction; the commands' happy paths are test/e2e/jobs-cli.spec.ts's.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { jest } from '@jest/globals';
import { JobsCliExit, runJobsCli } from '../../../lib/index.js';
import { capturedStderr } from './captured-output.js';

let booted = 0;

@Module({ providers: [{ provide: 'BOOT', useFactory: () => ++booted }] })
class RecordingModule {}

describe('runJobsCli refuses bad values before it creates the app', () => {
  const output = capturedStderr();
  beforeEach(() => {
    booted = 0;
    output.capture();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  const tooLong = 'q'.repeat(65);
  it.each([
    [['list', '--after', 'abc'], "Option 'after' of listJobs() must be the 'next' cursor"],
    [['list', '--name', ''], "Option 'name' of listJobs(): a job name must be a non-empty string"],
    [['list', '--queue', tooLong], "Option 'queue' must be a non-empty string of at most 64 characters"],
    [['pause', tooLong], "Option 'pauseQueue(queue)' must be a non-empty string"],
    [['resume', tooLong], "Option 'resumeQueue(queue)' must be a non-empty string"],
    [['pause', ''], "Option 'pauseQueue(queue)' must be a non-empty string"],
    [['retry', '--name', ''], "Option 'name' of retry() must be a non-empty string"],
  ])('%j: exit 2, the app never created', async (args, message) => {
    const code = await runJobsCli(RecordingModule, ['node', 'jobs-cli', ...args]);
    const stderr = output.text;
    expect({ code, booted, stderr: stderr.includes(message) ? message : stderr }).toEqual({
      code: JobsCliExit.BadArguments,
      booted: 0,
      stderr: message,
    });
  });
});
