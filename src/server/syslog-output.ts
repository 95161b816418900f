/**
 * Syslog output (`syslog-enabled yes`): the server log and the security events go to the
 * local syslog socket as well as to their own destinations.
 *
 * Node has no AF_UNIX datagram client and no native dependency is wanted, so one long-lived
 * util-linux `logger` child does the socket work: it reads one message per line on its stdin,
 * each line starting with `<PRI>` (`--prio-prefix`), and sends it to `syslog-socket` tagged
 * with `syslog-ident`. Invariants:
 * - one message is exactly one line: CR and LF are replaced before writing, whatever the text;
 * - the event loop never waits: lines are written to the child's stdin without a callback
 *   being awaited, and once more than MAX_BUFFERED bytes are queued (the child is stuck or
 *   gone) further lines are dropped and counted in `lost`;
 * - a child that dies is reported once (warning), lines meanwhile are counted in `lost`, and
 *   it is restarted at most once per RESTART_INTERVAL_MS (on the next line after that).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { ConfigStore } from '../config/config-store.js';
import { programOnPath } from '../config/program-on-path.js';
import type { Logger } from './logger.js';

/** syslog(3) facility codes for the values `syslog-facility` accepts (as Redis accepts them). */
export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = {
  user: 1,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

/** syslog(3) severities used here. */
export type SyslogSeverity = 'warning' | 'notice' | 'info' | 'debug';
const SEVERITY: Record<SyslogSeverity, number> = { warning: 4, notice: 5, info: 6, debug: 7 };

/** Redis's mapping of its log levels to syslog severities (debug/verbose/notice/warning). */
export const LOG_LEVEL_SEVERITY: Readonly<Record<'debug' | 'verbose' | 'notice' | 'warning', SyslogSeverity>> = {
  debug: 'debug',
  verbose: 'info',
  notice: 'notice',
  warning: 'warning',
};

/** The PRI value of a message: facility * 8 + severity (RFC 3164/5424). */
export function syslogPri(facility: string, severity: SyslogSeverity): number {
  const code = SYSLOG_FACILITIES[facility];
  if (code === undefined) throw new RangeError(`unknown syslog facility '${facility}'`);
  return code * 8 + SEVERITY[severity];
}

/** One message as one line: every CR and LF becomes a space (no message can forge another). */
export function syslogLine(pri: number, text: string): string {
  return `<${pri}>${text.replace(/[\r\n]/g, ' ')}\n`;
}

/** The util-linux program used; looked up on PATH. */
const LOGGER = 'logger';

/** Whether `logger` is an executable on PATH (`command -v logger`), read at call time. */
export function loggerOnPath(path: string = process.env.PATH ?? ''): boolean {
  return programOnPath(LOGGER, path);
}

/** Queued bytes beyond which lines are dropped (and counted) instead of buffered. */
const MAX_BUFFERED = 1024 * 1024;
/** A dead child is restarted at most this often. */
const RESTART_INTERVAL_MS = 10_000;
/** logger's own message size limit (its default, 1 KiB, would cut long events). */
const MAX_MESSAGE = 8192;

export interface SyslogOptions {
  ident: string;
  facility: string;
  socket: string;
  /** monotonic-enough milliseconds (the restart interval) */
  clock: () => number;
  /** the one warning when the child stops (the server logs it, not to syslog again) */
  onStopped: (message: string) => void;
}

export class SyslogOutput {
  private child: ChildProcessByStdio<Writable, null, null> | null = null;
  private lastStart = 0;
  private closed = false;
  /** set once the stop was reported; a restart that works clears it */
  private reported = false;
  /** lines that could not be handed to the logger (dead child, full buffer) */
  lost = 0;

  constructor(private readonly opts: SyslogOptions) {
    this.start();
  }

  /** Sends one message (text without its line end); never blocks, never throws. */
  send(severity: SyslogSeverity, text: string): void {
    if (this.closed) return;
    if (this.child === null && this.opts.clock() - this.lastStart >= RESTART_INTERVAL_MS) this.start();
    const child = this.child;
    if (child === null || child.stdin.writableLength > MAX_BUFFERED) {
      this.lost++;
      return;
    }
    child.stdin.write(syslogLine(syslogPri(this.opts.facility, severity), text));
  }

  /** the running logger child's process id (null while it is stopped): tests, diagnostics */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Ends the child's input: it sends what it has read, then exits. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const child = this.child;
    this.child = null;
    child?.stdin.end();
  }

  private start(): void {
    this.lastStart = this.opts.clock();
    const args = ['--prio-prefix', '-t', this.opts.ident, '--socket-errors=off', '--size', String(MAX_MESSAGE), '-u', this.opts.socket];
    let child: ChildProcessByStdio<Writable, null, null>;
    try {
      child = spawn(LOGGER, args, { stdio: ['pipe', 'ignore', 'ignore'] });
    } catch (e) {
      this.stopped(`could not start ${LOGGER}: ${(e as Error).message}`);
      return;
    }
    // the child must not keep the process alive: close() or the process exit ends it
    child.unref();
    const stdin = child.stdin as Writable & { unref?: () => void };
    // a pipe whose reader died (EPIPE): the exit handler reports it, nothing to do here
    child.stdin.on('error', () => {});
    child.on('error', (e) => {
      if (this.child !== child) return;
      this.child = null;
      this.stopped(`could not run ${LOGGER}: ${e.message}`);
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.stopped(`${LOGGER} exited (${signal ?? `code ${code ?? '?'}`})`);
    });
    stdin.unref?.();
    this.child = child;
    this.reported = false;
  }

  private stopped(reason: string): void {
    if (this.reported) return;
    this.reported = true;
    this.opts.onStopped(
      `Syslog output stopped: ${reason}. Log lines and security events meant for syslog are lost ` +
        `(counted in INFO syslog_lost_lines) until it restarts (at most every ${RESTART_INTERVAL_MS / 1000} s).`,
    );
  }
}

/** The output's settings from the config (syslog-ident, syslog-facility, syslog-socket). */
export function syslogOptions(config: { get(name: string): string }, clock: () => number, onStopped: (message: string) => void): SyslogOptions {
  return { ident: config.get('syslog-ident'), facility: config.get('syslog-facility'), socket: config.get('syslog-socket'), clock, onStopped };
}

/**
 * syslog-enabled yes: the output (the one main.ts already started for its first log lines,
 * or a new one) connected to the log and the security events, announced in the log.
 * Null when syslog is off.
 */
export function startSyslog(
  config: ConfigStore,
  logger: Logger,
  events: { forward: ((severity: 'warning' | 'notice', json: string) => void) | null },
  given: SyslogOutput | undefined,
  clock: () => number,
): SyslogOutput | null {
  if (!config.bool('syslog-enabled')) return null;
  const out = given ?? new SyslogOutput(syslogOptions(config, clock, (m) => logger.warning(m)));
  connectSyslog(out, logger, events);
  logger.notice(
    `Syslog output: the log and the security events also go to '${config.get('syslog-socket')}' ` +
      `(ident ${config.get('syslog-ident')}, facility ${config.get('syslog-facility')})`,
  );
  return out;
}

/** Sends the server log (Redis's level mapping) and the security events to `out`. */
export function connectSyslog(
  out: SyslogOutput,
  logger: { tap: ((level: keyof typeof LOG_LEVEL_SEVERITY, message: string) => void) | null },
  events: { forward: ((severity: 'warning' | 'notice', json: string) => void) | null },
): void {
  logger.tap = (level, message) => out.send(LOG_LEVEL_SEVERITY[level], message);
  events.forward = (severity, json) => out.send(severity, json);
}
