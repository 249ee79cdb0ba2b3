import type { CanActivate, ModuleMetadata, Type } from '@nestjs/common';
import { JobsConfigurationError } from '../errors/configuration.error.js';
import { assertKnownFields, describe } from '../validation/options.validator.js';

/** Options of `JobsAdminModule.forRoot()`. */
export interface JobsAdminOptions {
  /**
   * Where the console is mounted: the dashboard at `/<path>/`, the JSON API under `/<path>/api/`.
   * @default 'jobs-admin'
   */
  path?: string;
  /**
   * Your application's own Nest guard, run before every route of the console (API and dashboard
   * data). Required, unless `allowUnauthenticated` is set.
   */
  guard?: Type<CanActivate>;
  /** A second guard for actions (every POST), after `guard`: e.g. only admins may retry. */
  actionGuard?: Type<CanActivate>;
  /** Refuse every action with 403: a console for viewers. @default false */
  readOnly?: boolean;
  /** Open the console to anyone who can reach it: for local use only. @default false */
  allowUnauthenticated?: boolean;
  /** Modules your guards' dependencies come from (and `JobsModule`, if it is not global). */
  imports?: ModuleMetadata['imports'];
}

export type ResolvedJobsAdminOptions = Required<Pick<JobsAdminOptions, 'path' | 'readOnly' | 'allowUnauthenticated'>> &
  Pick<JobsAdminOptions, 'guard' | 'actionGuard' | 'imports'>;

const FIELDS = ['path', 'guard', 'actionGuard', 'readOnly', 'allowUnauthenticated', 'imports'];

/** A path of URL segments: letters, digits, `-`, `_`, `.`, `~`, separated by single slashes. */
const PATH = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

const fail = (message: string) => new JobsConfigurationError(`JobsAdminModule.forRoot(): ${message}`);

/**
 * Checks the options at boot. The console is closed by default: without `guard` and without
 * `allowUnauthenticated: true` it refuses to start, so forgetting the guard never exposes jobs' inputs,
 * errors and actions to whoever can reach the server.
 */
export function resolveAdminOptions(options: JobsAdminOptions): ResolvedJobsAdminOptions {
  if (options === null || typeof options !== 'object') throw fail(`takes an options object; got ${describe(options)}.`);
  assertKnownFields(options, FIELDS, 'JobsAdminModule.forRoot()', JobsConfigurationError);
  const given: unknown = options.path ?? 'jobs-admin';
  const path = typeof given === 'string' ? given.replace(/^\/+|\/+$/g, '') : '';
  if (!PATH.test(path)) {
    throw fail(`option 'path' must be a URL path such as 'jobs-admin' or 'ops/jobs'; got ${describe(options.path)}.`);
  }
  for (const key of ['guard', 'actionGuard'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw fail(
        `option '${key}' must be a guard class (a class implementing CanActivate); got ${describe(options[key])}.`,
      );
    }
  }
  for (const key of ['readOnly', 'allowUnauthenticated'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') {
      throw fail(`option '${key}' must be true or false; got ${describe(options[key])}.`);
    }
  }
  if (!options.guard && options.allowUnauthenticated !== true) {
    throw fail(
      "the operations console needs option 'guard' (a Nest guard of your app that authorises each request), " +
        "or 'allowUnauthenticated: true' to open it to anyone who can reach the server (local use only).",
    );
  }
  return {
    path,
    guard: options.guard,
    actionGuard: options.actionGuard,
    readOnly: options.readOnly ?? false,
    allowUnauthenticated: options.allowUnauthenticated ?? false,
    imports: options.imports,
  };
}
