import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/core';
import { JobQueue } from '../../lib/index.js';
import { UserSchema } from './user.entity.js';

@Injectable()
export class UsersService {
  constructor(
    private readonly jobs: JobQueue,
    private readonly em: EntityManager,
  ) {}

  /** Writes the user and enqueues its welcome mail in one transaction: both commit, or neither. */
  async signUp(email: string): Promise<{ userId: number; jobId: string }> {
    return this.em.fork().transactional(async (em) => {
      const user = em.create(UserSchema, { email, createdAt: new Date() });
      await em.flush();
      const job = await this.jobs.enqueue('mail.welcome', { userId: user.id, email: user.email }, { em });
      return { userId: user.id, jobId: job.id };
    });
  }
}
