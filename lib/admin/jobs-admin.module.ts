import { Module, type DynamicModule } from '@nestjs/common';
import { JobsConfigurationError } from '../errors/configuration.error.js';
import { resolveAdminOptions, type JobsAdminOptions } from './jobs-admin-options.js';

/**
 * The operations console: a JSON API under `/<path>/api/` (and the dashboard at `/<path>/`) over
 * `JobsInspector` and `JobQueue`. Closed by default (see `JobsAdminOptions.guard`).
 *
 * `forRoot` checks the options at once (a bad or missing setting fails at boot) and loads the
 * controllers only then: an app that does not import this module loads none of them, nor
 * class-validator, which the console's request DTOs need.
 */
@Module({})
export class JobsAdminModule {
  static forRoot(options: JobsAdminOptions): Promise<DynamicModule> {
    const resolved = resolveAdminOptions(options);
    return Promise.all([import('class-validator'), import('class-transformer')]).then(
      async () => (await import('./jobs-admin.definition.js')).adminModule(JobsAdminModule, resolved),
      (cause: unknown) => {
        throw new JobsConfigurationError(
          'JobsAdminModule validates requests with class-validator and class-transformer: npm install class-validator class-transformer',
          { cause },
        );
      },
    );
  }
}
