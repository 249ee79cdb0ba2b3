import type { LoopLogger } from '../../../lib/consumer/consumer.types.js';

/** Keeps what was logged, for assertions, and prints nothing. */
export class FakeLogger implements LoopLogger {
  readonly lines: { level: 'log' | 'warn' | 'error'; message: string }[] = [];
  log(message: string): void {
    this.lines.push({ level: 'log', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
  has(level: 'log' | 'warn' | 'error', text: string): boolean {
    return this.lines.some((l) => l.level === level && l.message.includes(text));
  }
}
