import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { JobMetadataAccessor } from './job-metadata.accessor.js';
import { JobRegistry } from './job.registry.js';
import { JobHooksRegistry } from './job-hooks.registry.js';
import { assertJobName } from '../queue/options.validator.js';
import { assertCron } from '../consumer/recurring.scheduler.js';

/** Walks every provider once at init and registers its `@Job()` methods and lifecycle hooks. */
@Injectable()
export class JobsExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: JobMetadataAccessor,
    private readonly registry: JobRegistry,
    private readonly hooks: JobHooksRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance } = wrapper;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const source = `${instance.constructor.name}.${method}`;
        const hook = this.accessor.getJobHook(prototype[method]);
        if (hook) this.hooks.add({ ...hook, source, fn: (...args: unknown[]) => (instance as any)[method](...args) });
        const meta = this.accessor.getJobHandler(prototype[method]);
        if (!meta) continue;
        assertJobName(meta.name, `@Job() on ${source}`);
        if (meta.options.cron !== undefined) {
          await assertCron({ name: meta.name, cron: meta.options.cron, timeZone: meta.options.cronTimeZone }, source);
        }
        this.registry.register({
          name: meta.name,
          options: meta.options,
          source,
          handler: (input, ctx) => (instance as any)[method](input, ctx),
        });
      }
    }
  }
}
