/** What the report pipeline's steps take and return (declared in ../job-types.ts). */
export interface ReportRequest {
  /** 'YYYY-MM'. */
  month: string;
  regions: string[];
}

/** `reports.fetch` -> `reports.split`. */
export interface FetchedOrders extends ReportRequest {
  orders: number;
}

/** `reports.split` -> `reports.render`: how many parts were spawned. */
export interface SplitResult {
  month: string;
  parts: number;
}

/** One spawned part: `reports.summarise`. */
export interface RegionPart {
  month: string;
  region: string;
}

export interface RegionSummary {
  region: string;
  orders: number;
  revenueCents: number;
}

export interface RenderedReport {
  month: string;
  lines: string[];
  totalRevenueCents: number;
}
