import { Injectable } from '@nestjs/common';

/**
 * A stand-in for the app's orders table: deterministic figures per month and region, so a
 * report's totals are the same on every run.
 */
@Injectable()
export class OrdersSource {
  async count(month: string, region: string): Promise<number> {
    await new Promise((r) => setTimeout(r, 3));
    return 50 + (hash(`${month}/${region}`) % 150);
  }

  async revenueCents(month: string, region: string): Promise<number> {
    const orders = await this.count(month, region);
    return orders * (1_000 + (hash(region) % 9_000));
  }
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}
