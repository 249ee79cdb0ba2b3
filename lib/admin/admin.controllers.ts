import type { Type } from '@nestjs/common';
import { AdminActionsController } from './api/admin-actions.controller.js';
import { AdminEventsController } from './api/admin-events.controller.js';
import { AdminReadController } from './api/admin-read.controller.js';
import { DashboardController } from './dashboard/dashboard.controller.js';

/**
 * The controllers `JobsAdminModule` mounts under its `path` (each `@Controller()` path is relative
 * to it): the JSON API under `api/`, with its event stream (`api/events`). The dashboard's controller, serving its assets at `/<path>/`,
 * goes in this list too.
 */
export const JOBS_ADMIN_CONTROLLERS: Type[] = [
  AdminReadController,
  AdminActionsController,
  AdminEventsController,
  DashboardController,
];
