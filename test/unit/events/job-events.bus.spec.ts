import { jest } from '@jest/globals';
import type { ModuleRef } from '@nestjs/core';
import { JobEventsBus, LISTEN_RETRY_MS } from '../../../lib/events/job-events.bus.js';
import type { JobStore } from '../../../lib/persistence/job.store.js';

/** JobEventsBus when the LISTEN connection for other processes' finishes cannot be opened. */
describe('JobEventsBus, LISTEN refused', () => {
  afterEach(() => jest.restoreAllMocks());

  function busWith(listenFinished: () => Promise<{ close(): Promise<void> }>) {
    const monitor = { hearsOtherProcesses: true, listenFinished: jest.fn(listenFinished) };
    const bus = new JobEventsBus({} as ModuleRef, { monitor } as unknown as JobStore);
    return { bus, monitor };
  }

  it('says it does not hear other processes, tries again after LISTEN_RETRY_MS, and hears them once it opens', async () => {
    let refuse = true;
    const { bus, monitor } = busWith(() =>
      refuse ? Promise.reject(new Error('connection refused')) : Promise.resolve({ close: async () => undefined }),
    );
    const t0 = Date.now();
    const now = jest.spyOn(Date, 'now').mockReturnValue(t0);
    // Before the first try it says what the database can carry.
    expect(bus.hearsOtherProcesses).toBe(true);
    bus.subscribe(() => undefined);
    await bus.listened();
    expect(monitor.listenFinished).toHaveBeenCalledTimes(1);
    expect(bus.hearsOtherProcesses).toBe(false);
    // Not again before LISTEN_RETRY_MS ...
    now.mockReturnValue(t0 + LISTEN_RETRY_MS - 1);
    bus.waiter('job:1').close();
    await bus.listened();
    expect(monitor.listenFinished).toHaveBeenCalledTimes(1);
    // ... then again, and this time it opens.
    refuse = false;
    now.mockReturnValue(t0 + LISTEN_RETRY_MS);
    bus.waiter('job:1').close();
    await bus.listened();
    expect(monitor.listenFinished).toHaveBeenCalledTimes(2);
    expect(bus.hearsOtherProcesses).toBe(true);
    await bus.onApplicationShutdown();
  });
});
