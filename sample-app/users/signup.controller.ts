import { Body, Controller, Post } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/core';
import { IsEmail } from 'class-validator';
import { JobQueue } from '../../lib/index.js';
import { UserSchema } from './user.entity.js';

class SignupBody {
  @IsEmail()
  email!: string;
}

@Controller('signups')
export class SignupController {
  constructor(
    private readonly jobs: JobQueue,
    private readonly em: EntityManager,
  ) {}

  /** `POST /signups {"email":"a@b.c"}`: the user and its welcome mail commit together, or neither. */
  @Post()
  async signup(@Body() body: SignupBody) {
    return this.em.fork().transactional(async (em) => {
      const user = em.create(UserSchema, { email: body.email, createdAt: new Date() });
      await em.flush();
      const job = await this.jobs.enqueue('mail.welcome', { userId: user.id, email: user.email }, { em });
      return { userId: user.id, jobId: job.id };
    });
  }
}
