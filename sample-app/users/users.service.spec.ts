/**
 * How an app tests code that enqueues jobs (README, "Testing your jobs"): the real module, the real
 * database (a SQLite file here), no consumer running. `JobsTesting` asserts on what was enqueued,
 * and `drain()` runs the jobs inline with their real handlers when the test says so.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { Test, type TestingModule } from '@nestjs/testing';
import { JOB_ENTITIES, JobsModule, JobsTesting, JobState } from '../../lib/index.js';
import { MailModule } from '../mail/mail.module.js';
import { MailTransport, type OutgoingMail } from '../mail/mail.transport.js';
import { UserSchema } from './user.entity.js';
import { UsersModule } from './users.module.js';
import { UsersService } from './users.service.js';

describe('UsersService.signUp', () => {
  let moduleRef: TestingModule;
  let users: UsersService;
  let jobs: JobsTesting;
  let file: string;
  const sent: OutgoingMail[] = [];

  beforeEach(async () => {
    file = join(tmpdir(), `users-spec-${randomBytes(4).toString('hex')}.sqlite`);
    sent.length = 0;
    moduleRef = await Test.createTestingModule({
      imports: [
        MikroOrmModule.forRoot({ driver: SqliteDriver, dbName: file, entities: [...JOB_ENTITIES, UserSchema] }),
        JobsModule.forRoot(),
        UsersModule,
        MailModule,
      ],
    })
      // The handler runs for real; only the outside world (SMTP) is replaced.
      .overrideProvider(MailTransport)
      .useValue({ send: async (mail: OutgoingMail) => (sent.push(mail), { messageId: `<${sent.length}@test>` }) })
      .compile();
    await moduleRef.init();
    await moduleRef.get(MikroORM).schema.create();
    users = moduleRef.get(UsersService);
    jobs = moduleRef.get(JobsTesting);
  });

  afterEach(async () => {
    await moduleRef.close();
    await rm(file, { force: true });
  });

  it('enqueues the welcome mail with the new user', async () => {
    const { userId } = await users.signUp('ada@example.com');

    // A partial object, a jest asymmetric matcher or a predicate: each matches the input.
    await jobs.expectEnqueued('mail.welcome', { userId });
    await jobs.expectEnqueued('mail.welcome', expect.objectContaining({ email: 'ada@example.com' }));
    await jobs.expectEnqueued('mail.welcome', (input: { email: string }) => input.email.endsWith('@example.com'));
    await jobs.expectNotEnqueued('mail.welcome', { email: 'bob@example.com' });
  });

  it('enqueues nothing when the signup rolls back', async () => {
    await users.signUp('ada@example.com');
    // The same email again: the unique constraint fails the transaction, and its job with it.
    await expect(users.signUp('ada@example.com')).rejects.toThrow();

    expect(await jobs.enqueued('mail.welcome')).toHaveLength(1);
  });

  it('sends the mail when the jobs run', async () => {
    await users.signUp('ada@example.com');

    const summary = await jobs.drain();

    expect(summary.completed).toBe(1);
    expect(sent).toEqual([expect.objectContaining({ to: 'ada@example.com', subject: 'Welcome!' })]);
    await jobs.expectNotEnqueued('mail.welcome');
    const [done] = await jobs.expectEnqueued('mail.welcome', {}, { states: [JobState.Completed] });
    expect(done!.output).toEqual({ messageId: '<1@test>' });
  });
});
