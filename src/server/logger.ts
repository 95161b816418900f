/**
 * Logs in redis-server's format — `pid:M dd Mon yyyy hh:mm:ss.mmm * message` — to stdout
 * or the `logfile`, filtered by `loglevel`. Secrets never reach this module: callers log
 * names and outcomes, not values of sensitive settings.
 */
import { appendFileSync } from 'node:fs';
import type { ConfigStore } from '../config/config-store.js';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';

const ORDER: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MARK: Record<Exclude<LogLevel, 'nothing'>, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface LogSink {
  write(line: string): void;
}

export const stdoutSink: LogSink = { write: (line) => void process.stdout.write(line) };
export const silentSink: LogSink = { write: () => {} };

export function fileSink(path: string): LogSink {
  // Synchronous append: log lines must survive a crash right after they are written,
  // and Redis logs synchronously too. Logging is off the hot path.
  return { write: (line) => appendFileSync(path, line) };
}

export class Logger {
  level: LogLevel = 'notice';
  /** 'M' master, 'S' replica (set by replication/replica-side.ts), as Redis's log lines */
  role = 'M';
  /**
   * Also given every message that passes the level filter (syslog-enabled: syslog-output.ts),
   * without the pid/time prefix, as Redis's syslog lines.
   */
  tap: ((level: Exclude<LogLevel, 'nothing'>, message: string) => void) | null = null;

  constructor(public sink: LogSink = stdoutSink) {}

  /** loglevel is the logger's: a CONFIG SET changes the filter at once. */
  registerConfig(config: ConfigStore): void {
    config.onChange('loglevel', (v) => {
      this.level = v as LogLevel;
      return null;
    });
  }

  enabled(level: Exclude<LogLevel, 'nothing'>): boolean {
    return ORDER[level] >= ORDER[this.level];
  }

  log(level: Exclude<LogLevel, 'nothing'>, message: string): void {
    if (!this.enabled(level)) return;
    this.sink.write(`${process.pid}:${this.role} ${timestamp(new Date())} ${MARK[level]} ${message}\n`);
    this.tap?.(level, message);
  }

  /** Writes lines as they are (the ASCII logo), still subject to the level filter. */
  raw(level: Exclude<LogLevel, 'nothing'>, text: string): void {
    if (this.enabled(level)) this.sink.write(text);
  }

  debug(m: string): void {
    this.log('debug', m);
  }
  verbose(m: string): void {
    this.log('verbose', m);
  }
  notice(m: string): void {
    this.log('notice', m);
  }
  warning(m: string): void {
    this.log('warning', m);
  }
}

function timestamp(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(
    d.getSeconds(),
  )}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
