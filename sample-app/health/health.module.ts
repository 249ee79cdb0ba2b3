import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';

/** Health checks for probes (`GET /health`); `JobsHealthIndicator` comes from the global JobsModule. */
@Module({ imports: [TerminusModule.forRoot()], controllers: [HealthController] })
export class HealthModule {}
