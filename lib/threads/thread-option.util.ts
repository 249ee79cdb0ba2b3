import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { JobsConfigurationError } from '../errors/configuration.error.js';
import type { ThreadJobOptions } from './thread-job.types.js';

/** A thread job's module as the pool uses it: a `file:` URL string and an export name. */
export interface ResolvedThread {
  url: string;
  exportName: string;
}

/** Checks `@Job({ thread })` at boot: a `file:` URL or an absolute path, and an export name. */
export function resolveThreadOption(thread: ThreadJobOptions, source: string): ResolvedThread {
  const Err = JobsConfigurationError;
  const where = `@Job() on ${source}: option 'thread'`;
  if (thread === null || typeof thread !== 'object' || thread instanceof URL) {
    throw new Err(
      `${where} must be an object { file, export? }, e.g. { file: new URL('./resize.thread.js', import.meta.url) }.`,
    );
  }
  const { file, export: exportName = 'default' } = thread;
  let url: string;
  if (file instanceof URL && file.protocol === 'file:') url = file.href;
  else if (typeof file === 'string' && isAbsolute(file)) url = pathToFileURL(file).href;
  else {
    throw new Err(
      `${where}.file must be a file: URL or an absolute path; got ${String(file)}. Use new URL('./x.thread.js', import.meta.url).`,
    );
  }
  if (typeof exportName !== 'string' || exportName === '') {
    throw new Err(
      `${where}.export must be the non-empty name of a function the module exports; got ${String(exportName)}.`,
    );
  }
  return { url, exportName };
}

/**
 * Checked when a consumer that claims the job starts, not at boot: an application that only
 * enqueues (another machine, or TypeScript run from source) need not have the compiled module.
 */
export function assertThreadFile(name: string, thread: ResolvedThread): void {
  const path = fileURLToPath(thread.url);
  if (!existsSync(path)) {
    throw new JobsConfigurationError(
      `Thread job '${name}': its module ${path} does not exist. A worker thread runs JavaScript: point 'thread.file' at the compiled file (new URL('./x.thread.js', import.meta.url) from the compiled decorator's file), or exclude '${name}' from this consumer.`,
    );
  }
}
