import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';

/**
 * Creates missing tables (the queue's and the app's) when the app starts, so a fresh SQLite file or
 * an empty PostgreSQL database just works. `safe` never drops a table or column. A production app
 * would run migrations instead (README, "The schema").
 */
@Injectable()
export class SchemaInitializer implements OnModuleInit {
  private readonly logger = new Logger(SchemaInitializer.name);

  constructor(private readonly orm: MikroORM) {}

  async onModuleInit(): Promise<void> {
    if (!(await this.pending())) return;
    try {
      await this.orm.schema.update({ safe: true });
      this.logger.log('created the missing tables');
    } catch (err) {
      // Two processes started at once on a fresh database (the HTTP app and a consumer, say): the
      // other one may have created the tables first. Only then is the error harmless.
      if (await this.pending()) throw err;
    }
  }

  private async pending(): Promise<boolean> {
    return (await this.orm.schema.getUpdateSchemaSQL({ safe: true, wrap: false })).trim() !== '';
  }
}
