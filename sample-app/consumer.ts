/**
 * The consumer side of the sample app: an application context (no HTTP server) that runs jobs.
 *
 *   npx nest start --entryFile consumer -- --exclude media.gpu --concurrency 20
 *   node dist/sample-app/consumer.js --include media.gpu      # the GPU machine
 *   node dist/sample-app/consumer.js --until-empty            # run what is due, then exit
 *
 * Flags: README, "Consumers". SIGINT/SIGTERM stop it gracefully (exit code 0).
 */
import 'reflect-metadata';
import { runConsumerCli } from '../lib/index.js';
import { AppModule } from './app.module.js';

await runConsumerCli(AppModule, { concurrency: 20 });
