import { Module } from '@nestjs/common';
import { JobsAdminModule, JobsModule } from '../lib/index.js';
import { AdminTokenGuard } from './admin/admin-token.guard.js';
import { CrmModule } from './crm/crm.module.js';
import { DatabaseModule } from './database/database.module.js';
import { MailModule } from './mail/mail.module.js';
import { MediaModule } from './media/media.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { StatusModule } from './status/status.module.js';
import { HealthModule } from './health/health.module.js';
import { TelemetryModule } from './telemetry/telemetry.module.js';
import { UsersModule } from './users/users.module.js';

/**
 * The whole app. `main.ts` serves it over HTTP (producer), `consumer.ts` runs its jobs in an
 * application context (no HTTP server): one codebase, as many processes as you like.
 */
@Module({
  imports: [
    DatabaseModule, // SQLite file by default, PostgreSQL (or MariaDB, mariadb://...) when DATABASE_URL is set
    JobsModule.forRoot(),
    // The operations console at /jobs-admin/ (API under /jobs-admin/api/), for holders of JOBS_ADMIN_TOKEN.
    JobsAdminModule.forRoot({ path: 'jobs-admin', guard: AdminTokenGuard }),
    UsersModule,
    MailModule,
    ReportsModule,
    MediaModule,
    CrmModule,
    StatusModule,
    HealthModule,
    TelemetryModule, // GET /metrics
  ],
})
export class AppModule {}
