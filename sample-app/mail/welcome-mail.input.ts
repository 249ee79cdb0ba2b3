import { IsEmail, IsInt, Min } from 'class-validator';

/** Input of `mail.welcome` and `mail.reminder`: validated at enqueue and again before the run. */
export class WelcomeMailInput {
  @IsInt()
  @Min(1)
  userId!: number;

  @IsEmail()
  email!: string;
}
