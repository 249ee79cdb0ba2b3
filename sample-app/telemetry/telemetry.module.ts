import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';

/** Serves `GET /metrics` (see prometheus.setup.ts, which `main.ts` calls before creating the app). */
@Module({ controllers: [MetricsController] })
export class TelemetryModule {}
