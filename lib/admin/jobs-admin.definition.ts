import type { DynamicModule, Type } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { JOBS_ADMIN_CONTROLLERS } from './admin.controllers.js';
import { AdminAccessGuard } from './api/admin-access.guard.js';
import { JOBS_ADMIN_OPTIONS } from './jobs-admin.constants.js';
import type { ResolvedJobsAdminOptions } from './jobs-admin-options.js';

/**
 * The module `JobsAdminModule.forRoot()` resolves to: its controllers mounted under `options.path`
 * (RouterModule prefixes every controller of the module with it), the app's guards as providers
 * of the module (so their dependencies resolve from `options.imports` or global modules), and the
 * guard that runs them on every route.
 */
export function adminModule(module: Type, options: ResolvedJobsAdminOptions): DynamicModule {
  const guards = [options.guard, options.actionGuard].filter((g): g is NonNullable<typeof g> => g !== undefined);
  return {
    module,
    imports: [...(options.imports ?? []), RouterModule.register([{ path: options.path, module }])],
    controllers: JOBS_ADMIN_CONTROLLERS,
    providers: [{ provide: JOBS_ADMIN_OPTIONS, useValue: options }, AdminAccessGuard, ...guards],
  };
}
