import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { InvalidJobInputError } from '../../errors/invalid-input.error.js';
import { InvalidJobOptionsError } from '../../errors/invalid-options.error.js';
import { InvalidJobStateError } from '../../errors/invalid-job-state.error.js';
import { JobNotFoundError } from '../../errors/job-not-found.error.js';
import { QueueUnavailableError } from '../../errors/queue-unavailable.error.js';

/** The library's typed errors as HTTP answers; anything else stays a 500 (Nest logs it, the client sees no detail). */
export function toHttpError(err: unknown): unknown {
  if (err instanceof JobNotFoundError) return new NotFoundException(err.message);
  if (err instanceof InvalidJobStateError) return new ConflictException(err.message);
  if (err instanceof InvalidJobOptionsError || err instanceof InvalidJobInputError) {
    return new BadRequestException(err.message);
  }
  if (err instanceof QueueUnavailableError) return new ServiceUnavailableException(err.message);
  return err;
}

/** Maps the errors of the console's handlers (rather than a filter: Nest then writes the answer, whatever the HTTP platform). */
@Injectable()
export class AdminErrorsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((err: unknown) => throwError(() => toHttpError(err))));
  }
}
