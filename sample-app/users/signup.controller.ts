import { Body, Controller, Post } from '@nestjs/common';
import { IsEmail } from 'class-validator';
import { UsersService } from './users.service.js';

class SignupBody {
  @IsEmail()
  email!: string;
}

@Controller('signups')
export class SignupController {
  constructor(private readonly users: UsersService) {}

  /** `POST /signups {"email":"a@b.c"}`: the user and its welcome mail commit together, or neither. */
  @Post()
  signup(@Body() body: SignupBody) {
    return this.users.signUp(body.email);
  }
}
