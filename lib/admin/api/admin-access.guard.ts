import {
  ForbiddenException,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { ADMIN_ACTION_HEADER, JOBS_ADMIN_OPTIONS } from '../jobs-admin.constants.js';
import type { ResolvedJobsAdminOptions } from '../jobs-admin-options.js';

/** What the guard reads of a request (Express and Fastify alike). */
interface AdminRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * On every route of the console: the app's `guard` first (its own 401 or 403 stands), so a request it
 * rejects reaches no handler and sees no job; then, for actions (POST): `readOnly`, the
 * `X-Jobs-Admin: 1` header and `Sec-Fetch-Site` (cross-site requests refused), and `actionGuard`.
 */
@Injectable()
export class AdminAccessGuard implements CanActivate {
  constructor(
    @Inject(JOBS_ADMIN_OPTIONS) private readonly options: ResolvedJobsAdminOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { guard, actionGuard, readOnly } = this.options;
    if (guard && !(await this.run(guard, context))) throw new ForbiddenException();
    const request = context.switchToHttp().getRequest<AdminRequest>();
    if (request.method.toUpperCase() !== 'POST') return true;
    if (readOnly) throw new ForbiddenException('This operations console is read-only (JobsAdminModule readOnly).');
    if (header(request, ADMIN_ACTION_HEADER) !== '1') {
      throw new ForbiddenException('Actions need the header X-Jobs-Admin: 1.');
    }
    if (header(request, 'sec-fetch-site') === 'cross-site') {
      throw new ForbiddenException('Actions are refused from another site (Sec-Fetch-Site: cross-site).');
    }
    if (actionGuard && !(await this.run(actionGuard, context))) throw new ForbiddenException();
    return true;
  }

  /** One of the app's guards, as Nest would run it (boolean, promise or observable). */
  private async run(type: Type<CanActivate>, context: ExecutionContext): Promise<boolean> {
    const result = this.moduleRef.get(type, { strict: true }).canActivate(context);
    return isObservable(result) ? lastValueFrom(result) : result;
  }
}

function header(request: AdminRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
