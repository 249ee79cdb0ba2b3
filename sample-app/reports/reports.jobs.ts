import { Injectable } from '@nestjs/common';
import { Job, type JobContext } from '../../lib/index.js';
import { OrdersSource } from './orders.source.js';
import type {
  FetchedOrders,
  RegionPart,
  RegionSummary,
  RenderedReport,
  ReportRequest,
  SplitResult,
} from './reports.types.js';

/** The steps of the monthly report pipeline (see report.pipeline.ts). */
@Injectable()
export class ReportsJobs {
  constructor(private readonly orders: OrdersSource) {}

  @Job('reports.fetch')
  async fetch(input: ReportRequest, ctx: JobContext): Promise<FetchedOrders> {
    let orders = 0;
    for (const region of input.regions) orders += await this.orders.count(input.month, region);
    ctx.workspace.fetchedAt = new Date().toISOString(); // merged into the pipeline's workspace
    return { ...input, orders };
  }

  /** Dynamic fan-out: one `reports.summarise` step per region, known only now. */
  @Job('reports.split')
  split(input: FetchedOrders, ctx: JobContext): SplitResult {
    ctx.spawn(
      input.regions.map((region) => ({
        name: 'reports.summarise',
        step: `summarise:${region}`,
        input: { month: input.month, region },
      })),
    );
    return { month: input.month, parts: input.regions.length };
  }

  @Job('reports.summarise', { maxAttempts: 3 })
  async summarise(input: RegionPart): Promise<RegionSummary> {
    return {
      region: input.region,
      orders: await this.orders.count(input.month, input.region),
      revenueCents: await this.orders.revenueCents(input.month, input.region),
    };
  }

  /** Fan-in: waits for `split` and every part it spawned, then renders them. */
  @Job('reports.render')
  render(input: SplitResult, ctx: JobContext): RenderedReport {
    const parts = ctx.childOutputs('split') as RegionSummary[];
    const totalRevenueCents = parts.reduce((sum, p) => sum + p.revenueCents, 0);
    const lines = parts.map(
      (p) =>
        `${p.region.padEnd(6)} ${String(p.orders).padStart(5)} orders ${(p.revenueCents / 100).toFixed(2).padStart(12)} EUR`,
    );
    ctx.workspace.renderedFor = ctx.workspace.requestedBy ?? null;
    ctx.workspace.totalRevenueCents = totalRevenueCents;
    if (parts.length !== input.parts) throw new Error(`expected ${input.parts} parts, got ${parts.length}`);
    return { month: input.month, lines, totalRevenueCents };
  }
}
