/**
 * The command line of the sample app: looks at and acts on its job queue (same database as the app:
 * a SQLite file, or DATABASE_URL).
 *
 *   node dist/sample-app/jobs-cli.js depths            # unfinished jobs per queue
 *   node dist/sample-app/jobs-cli.js depths --json     # the same, as JSON for scripts
 *   node dist/sample-app/jobs-cli.js --help            # every command
 *
 * Commands: README, "Operations console", "Command line". Exit code 0 ok, 1 failed, 2 bad arguments.
 */
import 'reflect-metadata';
import { runJobsCli } from '../lib/index.js';
import { AppModule } from './app.module.js';

await runJobsCli(AppModule);
