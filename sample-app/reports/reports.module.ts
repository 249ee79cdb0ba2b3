import { Module } from '@nestjs/common';
import { OrdersSource } from './orders.source.js';
import { ReportsController } from './reports.controller.js';
import { ReportsJobs } from './reports.jobs.js';

@Module({ controllers: [ReportsController], providers: [OrdersSource, ReportsJobs] })
export class ReportsModule {}
