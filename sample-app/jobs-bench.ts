/**
 * `npm run jobs-bench -- --jobs 10000 --duration-ms 0 --concurrency 20 --consumers 2`: the library's
 * benchmark command on this app's database (SQLite file, or DATABASE_URL). Child consumers re-run
 * this file.
 */
import 'reflect-metadata';
import { runJobsBenchmark } from '../lib/index.js';
import { AppModule } from './app.module.js';

await runJobsBenchmark(AppModule, { jobs: 10_000 });
