import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { JobsHealthIndicator } from '../../lib/index.js';

/**
 * GET /health: 200 `{ status: 'ok', ... }` when the queue's database answers, this process's
 * consumers (if it runs any) are alive, and no due job has waited more than five minutes; 503 with
 * the failing check under `error` otherwise. Point readiness and liveness probes here.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly jobs: JobsHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.jobs.pingCheck('jobs_database', { timeoutMs: 3_000 }),
      () => this.jobs.consumerCheck('jobs_consumer'),
      () => this.jobs.oldestDueJobCheck('jobs_backlog', { maxAgeMs: 5 * 60_000 }),
    ]);
  }
}
