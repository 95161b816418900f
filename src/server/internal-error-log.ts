/**
 * Rate-limited logging of unexpected exceptions (a handler that threw something other than
 * a CommandError). Each one used to be logged with its full stack trace: a defect hit by
 * every write of a bulk load (the 2^24 ceiling of issue 17) wrote 3.3 million traces,
 * 2.9 GB of log in six minutes, through a synchronous file append.
 *
 * Now, per logger: the first `fullPerWindow` of each window are logged in full; the rest
 * are counted, and one summary line with the count (and the last message) is written when
 * the window ends. The window restarts with the next error after a summary.
 */
import type { Logger } from './logger.js';

export interface InternalErrorLogOptions {
  /** length of a window, ms */
  windowMs: number;
  /** errors logged with their stack trace per window */
  fullPerWindow: number;
  /** current time, ms */
  now: () => number;
}

const DEFAULTS: InternalErrorLogOptions = { windowMs: 60_000, fullPerWindow: 5, now: Date.now };

export class InternalErrorLog {
  private readonly opts: InternalErrorLogOptions;
  private windowStart = -Infinity;
  private inWindow = 0;
  private suppressed = 0;
  private lastSuppressed = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Pick<Logger, 'warning'>,
    opts: Partial<InternalErrorLogOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Logs (or counts) one unexpected exception; `context` says where it happened. */
  report(context: string, e: unknown): void {
    const now = this.opts.now();
    if (now - this.windowStart >= this.opts.windowMs && this.suppressed === 0) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow < this.opts.fullPerWindow) {
      this.inWindow++;
      const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
      this.logger.warning(`Internal error ${context}: ${detail}`);
      if (this.inWindow === this.opts.fullPerWindow) {
        this.logger.warning(`Internal errors: ${this.opts.fullPerWindow} logged in full; further ones in the next ${this.opts.windowMs / 1000} s are counted only`);
      }
      return;
    }
    this.suppressed++;
    this.lastSuppressed = `${context}: ${e instanceof Error ? e.message : String(e)}`;
    if (this.timer === null) {
      const wait = Math.max(0, this.windowStart + this.opts.windowMs - now);
      this.timer = setTimeout(() => this.flush(), wait);
      // the summary must not keep a shutting-down process alive
      this.timer.unref();
    }
  }

  /** Writes the summary line of the current window, if anything was counted. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.suppressed === 0) return;
    const secs = Math.max(0, (this.opts.now() - this.windowStart) / 1000).toFixed(1);
    this.logger.warning(`Internal errors: ${this.suppressed} more in the last ${secs} s, not logged in full (last: ${this.lastSuppressed})`);
    this.suppressed = 0;
    this.lastSuppressed = '';
    // the next error opens a new window
    this.windowStart = -Infinity;
  }
}

const perLogger = new WeakMap<object, InternalErrorLog>();

/** The shared rate-limited log of `logger` (one per logger, hence per server). */
export function internalErrorLog(logger: Pick<Logger, 'warning'>): InternalErrorLog {
  let l = perLogger.get(logger);
  if (l === undefined) perLogger.set(logger, (l = new InternalErrorLog(logger)));
  return l;
}
