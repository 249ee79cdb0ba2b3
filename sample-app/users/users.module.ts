import { Module } from '@nestjs/common';
import { SignupController } from './signup.controller.js';
import { UsersService } from './users.service.js';

@Module({ controllers: [SignupController], providers: [UsersService], exports: [UsersService] })
export class UsersModule {}
