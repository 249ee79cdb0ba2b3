/**
 * MonitorStore's background statements at shutdown: `settle` waits for the notices under way (the
 * pool would otherwise close under them, or wait for them without a bound) and sends no more.
 */
import { MonitorStore } from '../../../lib/persistence/monitor.store.js';
import type { JobsDialect } from '../../../lib/persistence/jobs-dialect.js';
import type { FinishBatch } from '../../../lib/persistence/store.types.js';

function store(notify: () => Promise<void>) {
  const sent: string[][] = [];
  const warnings: string[] = [];
  const dialect = {
    notifyFinished: (_db: unknown, payloads: string[]) => (sent.push(payloads), notify()),
    finishedHeard: async () => true,
  } as unknown as JobsDialect;
  const monitor = new MonitorStore(dialect, {} as never, {} as never, true, (m) => warnings.push(m));
  return { monitor, sent, warnings };
}

const batch = (id: string): FinishBatch =>
  ({ completed: [{ id, attempt: 1 }], failed: [], snoozed: [], released: [] }) as unknown as FinishBatch;
const announce = (monitor: MonitorStore, id: string) =>
  monitor.announce(batch(id), new Map([[id, 'completed']]), [{ id, pipeline_id: null, state: 'completed' }]);

describe('MonitorStore.settle', () => {
  it('waits for a notice under way, then sends none', async () => {
    let done!: () => void;
    const { monitor, sent } = store(() => new Promise<void>((r) => (done = r)));
    announce(monitor, '1');
    expect(sent).toHaveLength(1);
    let settled = false;
    const settling = monitor.settle(10_000).then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    done();
    await settling;
    announce(monitor, '2');
    expect(sent).toHaveLength(1);
  });

  it('gives up after its time with a warning when a notice never ends', async () => {
    const { monitor, warnings } = store(() => new Promise<void>(() => undefined));
    announce(monitor, '1');
    await monitor.settle(30);
    expect(warnings).toEqual([
      '1 background statements (finished-job notices, listener checks) still under way at shutdown',
    ]);
  });
});
