import { timingSafeEqual } from 'node:crypto';
import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';

/**
 * The sample app's guard for the operations console: `Authorization: Bearer <token>`, where the
 * token is the JOBS_ADMIN_TOKEN environment variable (read at each request). With the variable unset
 * or empty, every request is refused: the console stays closed until you choose a token. The
 * dashboard's login form asks for the token and sends this header with each call.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const expected = process.env.JOBS_ADMIN_TOKEN;
    const header = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers.authorization;
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (!expected || given === undefined || !sameSecret(given, expected)) {
      throw new UnauthorizedException('A valid admin token is required (Authorization: Bearer <JOBS_ADMIN_TOKEN>).');
    }
    return true;
  }
}

/** Compares in constant time, so the answer's timing does not tell how much of a guess was right. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
