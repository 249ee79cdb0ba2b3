import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { apiGet } from './api.client.js';
import type { ThroughputBucket } from './api.types.js';
import { usePoll } from './poll.hook.js';

const HEIGHT_PX = 220;

function seriesOf(buckets: ThroughputBucket[]): uPlot.AlignedData {
  return [
    buckets.map((b) => new Date(b.minute).getTime() / 1_000),
    buckets.map((b) => b.completed),
    buckets.map((b) => b.failed),
  ];
}

function options(width: number): uPlot.Options {
  return {
    width,
    height: HEIGHT_PX,
    cursor: { drag: { x: false, y: false } },
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
    axes: [{}, { label: 'jobs per minute', size: 60 }],
    series: [
      {},
      { label: 'completed', stroke: '#2f7d32', fill: 'rgba(47, 125, 50, 0.12)', width: 2 },
      { label: 'failed', stroke: '#c62828', fill: 'rgba(198, 40, 40, 0.12)', width: 2 },
    ],
  };
}

/** Jobs completed and failed per minute over the last hour, from `GET api/throughput?minutes=60`. */
export function ThroughputChart() {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { data, error } = usePoll(
    () => apiGet<{ buckets: ThroughputBucket[] }>('throughput', { minutes: 60 }).then((r) => r.buckets),
    [],
  );

  useEffect(() => {
    if (!box.current || !data) return;
    if (plot.current) plot.current.setData(seriesOf(data));
    else plot.current = new uPlot(options(box.current.clientWidth || 600), seriesOf(data), box.current);
  }, [data]);

  useEffect(() => {
    const resize = () => {
      if (plot.current && box.current) plot.current.setSize({ width: box.current.clientWidth, height: HEIGHT_PX });
    };
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  const total = data?.reduce((sum, b) => ({ completed: sum.completed + b.completed, failed: sum.failed + b.failed }), {
    completed: 0,
    failed: 0,
  });
  return html`<section class="panel">
    <h2>Throughput, last hour</h2>
    ${error && html`<p class="error">${error}</p>`}
    ${
      total &&
      html`<p class="muted" data-testid="throughput-total">${total.completed} completed, ${total.failed} failed</p>`
    }
    <div class="chart" ref=${box}></div>
  </section>`;
}
