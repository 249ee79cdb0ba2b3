import type { LoggerService } from '@nestjs/common';

/**
 * The Nest logger of `runJobsCli`: warnings and errors on stderr, everything else dropped, so stdout
 * holds only the command's output (one JSON document with `--json`).
 */
export class CliLogger implements LoggerService {
  log(): void {}

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  private write(level: string, message: unknown, rest: unknown[]): void {
    const context = typeof rest[rest.length - 1] === 'string' ? `[${String(rest[rest.length - 1])}] ` : '';
    const text = message instanceof Error ? (message.stack ?? message.message) : String(message);
    process.stderr.write(`${level}: ${context}${text}\n`);
  }
}
