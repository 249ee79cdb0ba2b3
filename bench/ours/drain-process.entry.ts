/**
 * One consumer process of the `noop-drain-processes` workload: boots the bench app on
 * BENCH_DATABASE_URL (tables already there), prints READY, and on SIGUSR2 runs a consumer with its
 * defaults until nothing is left, prints SUMMARY, and on a second SIGUSR2 closes the app and exits. Boot time stays out of the figure:
 * the parent starts the clock when it sends SIGUSR2 to every process. Its SUMMARY line has the
 * CPU time the consumer used (`cpuMs`), to tell what limits the curve, and when its consumer
 * stopped (`endedAt`, epoch ms).
 */
import { createOursApp } from './bench.app.js';

const o = await createOursApp({ postgresUrl: process.env.BENCH_DATABASE_URL! }, false);
// Nothing else keeps the process alive while it waits (idle pool connections do not).
const keepAlive = setInterval(() => undefined, 60_000);
const signalled = () => new Promise((resolve) => process.once('SIGUSR2', resolve));
let go = signalled();
process.stdout.write('READY\n');
await go;
const cpu0 = process.cpuUsage();
const summary = await o.consumer.run({ untilEmpty: true, schedule: false });
const cpu = process.cpuUsage(cpu0);
const endedAt = Date.now();
// Connections stay open until the parent has read the server's CPU (an exited backend's is gone).
go = signalled();
process.stdout.write(`SUMMARY ${JSON.stringify({ ...summary, cpuMs: (cpu.user + cpu.system) / 1000, endedAt })}\n`);
await go;
clearInterval(keepAlive);
await o.close();
