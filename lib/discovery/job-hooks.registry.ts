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

  add(hook: RegisteredHook): void {
    this.hooks.push(hook);
  }

  /** The hooks of `kind` that apply to job `name`, in discovery order. */
  for(kind: JobHookKind, name: string): RegisteredHook[] {
    return this.hooks.filter((h) => h.kind === kind && (h.names.length === 0 || h.names.includes(name)));
  }
}
