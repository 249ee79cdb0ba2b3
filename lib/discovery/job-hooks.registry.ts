import { Injectable } from '@nestjs/common';
import type { JobHookKind } from '../decorators/job-hooks.decorator.js';

export interface RegisteredHook {
  kind: JobHookKind;
  names: string[];
  source: string;
  fn: (...args: any[]) => unknown;
}

/** Lifecycle hooks by kind; filled by the explorer at module init. */
@Injectable()
export class JobHooksRegistry {
  private readonly hooks: RegisteredHook[] = [];
  /** Looked up for every job a consumer runs: kept per kind and name. */
  private readonly cache = new Map<JobHookKind, Map<string, RegisteredHook[]>>();

  add(hook: RegisteredHook): void {
    this.hooks.push(hook);
    this.cache.clear();
  }

  /** The hooks of `kind` that apply to job `name`, in discovery order. Do not modify the array. */
  for(kind: JobHookKind, name: string): readonly RegisteredHook[] {
    let byName = this.cache.get(kind);
    if (!byName) this.cache.set(kind, (byName = new Map()));
    let found = byName.get(name);
    if (!found) {
      found = this.hooks.filter((h) => h.kind === kind && (h.names.length === 0 || h.names.includes(name)));
      byName.set(name, found);
    }
    return found;
  }
}
