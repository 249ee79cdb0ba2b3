import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { JobMetadataAccessor } from './job-metadata.accessor.js';
import { JobRegistry } from './job.registry.js';
import { JobHooksRegistry } from './job-hooks.registry.js';
import { assertJobName } from '../validation/options.validator.js';
import { assertCron } from '../consumer/recurring.scheduler.js';
import { jobLimits } from '../validation/job-limits.validator.js';
import { JobsConfigurationError } from '../errors/configuration.error.js';
import { JobThreadPool } from '../threads/job-thread.pool.js';
import { resolveThreadOption } from '../threads/thread-option.util.js';

/** Walks every provider once at init and registers its `@Job()` methods and lifecycle hooks. */
@Injectable()
export class JobsExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: JobMetadataAccessor,
    private readonly registry: JobRegistry,
    private readonly hooks: JobHooksRegistry,
    private readonly threads: JobThreadPool,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance } = wrapper;
      if (!wrapper.isDependencyTreeStatic()) {
        this.refuseScoped(wrapper.metatype);
        continue;
      }
      if (!instance || typeof instance !== 'object') continue;
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
        const thread = meta.options.thread === undefined ? undefined : resolveThreadOption(meta.options.thread, source);
        this.registry.register({
          name: meta.name,
          options: meta.options,
          source,
          // A thread job's method is only where Nest finds it: its module runs in the pool instead.
          handler: thread
            ? (input, ctx) => this.threads.run(thread, input, ctx)
            : (input, ctx) => (instance as any)[method](input, ctx),
          thread,
          limits: jobLimits(meta.name, meta.options, source),
        });
      }
    }
  }

  /**
   * A request-scoped provider (or one depending on one) has no instance outside a request, and a
   * consumer has no request: its handlers could never run. Say so at boot instead of skipping them,
   * which would surface later as UnknownJobError.
   */
  private refuseScoped(metatype: unknown): void {
    const prototype = typeof metatype === 'function' ? (metatype as { prototype?: object }).prototype : undefined;
    if (!prototype) return;
    for (const method of this.scanner.getAllMethodNames(prototype)) {
      const meta = this.accessor.getJobHandler((prototype as any)[method]);
      if (!meta) continue;
      const source = `${(metatype as Function).name}.${method}`;
      throw new JobsConfigurationError(
        `@Job('${meta.name}') on ${source}: ${(metatype as Function).name} is request-scoped (or depends on a request-scoped provider), and a consumer has no request to create it in. Make the provider a singleton (the default scope), and use ctx.em or a forked EntityManager for per-job state.`,
      );
    }
  }
}
