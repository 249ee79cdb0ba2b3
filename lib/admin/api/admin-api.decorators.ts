import { applyDecorators, UseGuards, UseInterceptors, UsePipes, ValidationPipe } from '@nestjs/common';
import { AdminAccessGuard } from './admin-access.guard.js';
import { AdminErrorsInterceptor } from './admin-errors.interceptor.js';

/**
 * What every controller of the console carries: the access guard, the typed errors as HTTP answers,
 * and validation of queries and bodies against their DTOs (unknown fields refused, so a misspelt
 * filter is a 400 rather than silently ignored). Scoped to these controllers: the app's own routes
 * keep whatever pipes it has.
 */
export const AdminApi = () =>
  applyDecorators(
    UseGuards(AdminAccessGuard),
    UseInterceptors(AdminErrorsInterceptor),
    UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true })),
  );
