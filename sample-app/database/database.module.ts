import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ormConfig } from './orm.config.js';
import { SchemaInitializer } from './schema.initializer.js';

/** The app's one database (see `ormConfig`), with its tables created on start. */
@Module({
  imports: [MikroOrmModule.forRootAsync({ useFactory: () => ormConfig() })],
  providers: [SchemaInitializer],
})
export class DatabaseModule {}
