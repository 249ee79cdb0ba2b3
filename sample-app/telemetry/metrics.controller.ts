import { Controller, Get, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { prometheus } from './prometheus.setup.js';

/** `GET /metrics`: the job counters, histograms and queue gauges, for Prometheus to scrape. */
@Controller()
export class MetricsController {
  @Get('metrics')
  metrics(@Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    // Express's request and response are Node's, which the exporter writes to directly.
    prometheus.getMetricsRequestHandler(req, res);
  }
}
