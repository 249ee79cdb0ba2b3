import { Module } from '@nestjs/common';
import { SignupController } from './signup.controller.js';

@Module({ controllers: [SignupController] })
export class UsersModule {}
