import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Matches } from 'class-validator';
import { JobQueue } from '../../lib/index.js';
import { monthlyReport } from './report.pipeline.js';

class ReportRequestBody {
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month must look like 2026-11' })
  month!: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  regions?: string[];
}

@Controller('reports')
export class ReportsController {
  constructor(private readonly jobs: JobQueue) {}

  /** `POST /reports {"month":"2026-11"}`: enqueues the pipeline; follow it at `GET /pipelines/:id` (admin token). */
  @Post()
  @HttpCode(202)
  async create(@Body() body: ReportRequestBody) {
    const p = await this.jobs.enqueuePipeline(monthlyReport(body.month, body.regions, 'http'));
    return { pipelineId: p.id, state: p.state, progress: p.progress };
  }
}
