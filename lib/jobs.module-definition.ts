import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { JobsModuleOptions } from './interfaces/jobs-module-options.js';

export const {
  ConfigurableModuleClass: JobsConfigurableModule,
  MODULE_OPTIONS_TOKEN: JOBS_RAW_OPTIONS,
} = new ConfigurableModuleBuilder<JobsModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
