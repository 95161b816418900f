/**
 * The security event stream: one JSON object per line, appended to `security-log-file`
 * (owner-only file; "" turns the file off) and, with `syslog-enabled yes`, also sent to
 * syslog (`forward`, server/syslog-output.ts) at a severity chosen by the event type. Events describe who did what from where —
 * never a password or other secret value (callers pass names, addresses and redacted
 * values only).
 *
 * Bounded, so an attacker cannot fill the disk or slow the server through it: a token
 * bucket admits a burst of events and a steady rate after that; what does not fit is
 * counted, and one "events-suppressed" event with the count is written once tokens are
 * available again (checked by the server cron). Writes go through an append stream, so
 * the command path never waits for the disk.
 *
 * The path is an operator's choice, so it is opened defensively (the same rules at start-up
 * and for CONFIG SET, where the directive is also a protected config): never through a
 * symbolic link (O_NOFOLLOW), only a regular file, and an existing file only when it is a
 * security log already — empty, or its first line one of our JSON events (see
 * `isSecurityLog`) — so the server cannot be made to append to any other file it can write.
 */
import { closeSync, constants, createWriteStream, fstatSync, openSync, readSync, type WriteStream } from 'node:fs';
import { strerror } from '../config/config-values.js';

const EVENT_TYPES = [
  'auth-success',
  'auth-failure',
  'acl-denied',
  'admission-refused',
  'tls-refused',
  'config-changed',
  'acl-changed',
  'dangerous-command',
  'auth-spike-start',
  'auth-spike-end',
  'auth-throttled',
  'events-suppressed',
  'replica-attached',
  'replica-detached',
  'replica-full-sync',
  'replication-link',
  'replication-auth-failure',
] as const;

export type SecurityEventType = (typeof EVENT_TYPES)[number];

/**
 * Events that report a refusal, a failure or lost events: sent to syslog at warning
 * severity; every other event at notice.
 */
const WARNING_EVENTS: ReadonlySet<SecurityEventType> = new Set<SecurityEventType>([
  'auth-failure',
  'acl-denied',
  'admission-refused',
  'tls-refused',
  'auth-spike-start',
  'auth-throttled',
  'events-suppressed',
  'replication-auth-failure',
]);

/** The syslog severity of an event type (syslog-enabled). */
export function eventSeverity(type: SecurityEventType): 'warning' | 'notice' {
  return WARNING_EVENTS.has(type) ? 'warning' : 'notice';
}

export type EventFields = Record<string, string | number | boolean | null>;

/** events admitted in a burst, and refilled per second */
const BURST = 200;
const RATE_PER_SEC = 100;

export class SecurityEvents {
  private stream: WriteStream | null = null;
  private path = '';
  private tokens = BURST;
  private lastRefill = 0;
  private suppressed = 0;
  /** every event emitted, also when no file is configured (INFO, metrics) */
  total = 0;
  /** called for each event written (tests, metrics); never given secrets either */
  listener: ((line: string) => void) | null = null;
  /** syslog-enabled: each written event's JSON (no line end) with its severity */
  forward: ((severity: 'warning' | 'notice', json: string) => void) | null = null;
  /**
   * Events lost because the log file could not be written (a failing disk, a full file
   * system): each line whose write failed, then every event until `security-log-file` is set again
   * (INFO security_log_write_errors, metric redoubt_security_log_write_errors_total).
   */
  writeErrors = 0;
  /** the file failed: events are counted as lost until the directive is set again */
  private failed = false;
  /** told once per failing file (the server logs it at warning level) */
  onWriteError: ((message: string) => void) | null = null;

  constructor(private readonly clock: () => number) {}

  /** the write callback (one function for every line: no closure per event) */
  private readonly written = (err: Error | null | undefined): void => {
    if (err !== null && err !== undefined) this.writeErrors++;
  };

  /**
   * Opens (or closes, for "") the log file; returns an error text or null. A refused path
   * leaves the current log as it was.
   */
  setFile(path: string): string | null {
    if (path === this.path) return null;
    let fd: number | null = null;
    if (path !== '') {
      const opened = openSecurityLog(path);
      if (typeof opened === 'string') return opened;
      fd = opened;
    }
    this.stream?.end();
    this.stream = null;
    this.path = path;
    this.failed = false;
    if (fd === null) return null;
    // the descriptor is O_APPEND: every write lands at the end, whatever the stream's position
    const s = createWriteStream('', { fd });
    // a failing disk must not take the server down, nor lose events silently: the failure
    // is reported once (warning) and every event lost from then on is counted
    s.on('error', (e) => {
      if (this.stream !== s) return;
      this.stream = null;
      this.failed = true;
      this.onWriteError?.(
        `Failed writing to the security log '${path}': ${strerror(e)}. Security events are not recorded there ` +
          '(counted in INFO security_log_write_errors) until security-log-file is set again.',
      );
    });
    this.stream = s;
    return null;
  }

  emit(type: SecurityEventType, fields: EventFields): void {
    this.total++;
    this.refill();
    if (this.tokens < 1) {
      this.suppressed++;
      return;
    }
    this.tokens--;
    this.write(type, fields);
  }

  /** Cron: reports suppressed events once the rate allows again. */
  tick(): void {
    this.refill();
    if (this.suppressed > 0 && this.tokens >= 1) {
      const n = this.suppressed;
      this.suppressed = 0;
      this.tokens--;
      this.write('events-suppressed', { count: n });
    }
  }

  get suppressedCount(): number {
    return this.suppressed;
  }

  close(): void {
    this.stream?.end();
    this.stream = null;
    this.path = '';
  }

  private refill(): void {
    const now = this.clock();
    if (this.lastRefill === 0) this.lastRefill = now;
    const elapsed = now - this.lastRefill;
    if (elapsed <= 0) return;
    this.tokens = Math.min(BURST, this.tokens + (elapsed * RATE_PER_SEC) / 1000);
    this.lastRefill = now;
  }

  private write(type: SecurityEventType, fields: EventFields): void {
    const json = JSON.stringify({ ts: new Date(this.clock()).toISOString(), type, ...fields });
    const line = json + '\n';
    // each line a failing stream could not write (the failed one and those queued behind
    // it) reports its error through the callback; once failed, nothing is queued any more
    if (this.stream !== null) this.stream.write(line, this.written);
    else if (this.failed) this.writeErrors++;
    this.forward?.(eventSeverity(type), json);
    this.listener?.(line);
  }
}

/** How much of an existing file is read to recognise a security log: its first line must fit. */
const FIRST_LINE_MAX = 64 * 1024;

/**
 * Opens `path` for appending security events, owner-only when created. Refused: a symbolic
 * link as the last component (O_NOFOLLOW: ELOOP), anything but a regular file (O_NONBLOCK
 * so a FIFO cannot block the server), and an existing file that is not a security log.
 * Nothing is written to a refused file. Returns the descriptor or the reason.
 */
function openSecurityLog(path: string): number | string {
  const flags = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return `security log '${path}' is a symbolic link`;
    return `can't open the security log '${path}': ${strerror(e)}`;
  }
  let reason: string | null = null;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) reason = `security log '${path}' is not a regular file`;
    else if (st.size > 0 && !isSecurityLog(fd)) reason = `'${path}' exists and is not a Redoubt security log`;
  } catch (e) {
    reason = `can't read the security log '${path}': ${(e as Error).message}`;
  }
  if (reason !== null) {
    closeSync(fd);
    return reason;
  }
  return fd;
}

/**
 * Whether `path` can be used as the security log (the start-up check, as redis-server checks
 * `logfile` while reading the config): opened with the same rules, then closed. Returns the
 * reason it cannot, or null. Like the logfile check, it creates the file when missing.
 */
export function checkSecurityLogPath(path: string): string | null {
  const opened = openSecurityLog(path);
  if (typeof opened === 'string') return opened;
  closeSync(opened);
  return null;
}

/**
 * A non-empty file is taken for a security log when its first line (within the first
 * FIRST_LINE_MAX bytes) is a JSON object whose `ts` is an ISO time and whose `type` is one
 * of the event types: exactly what `write` produces. Anything else is somebody else's file.
 */
function isSecurityLog(fd: number): boolean {
  const buf = Buffer.allocUnsafe(FIRST_LINE_MAX);
  const n = readSync(fd, buf, 0, FIRST_LINE_MAX, 0);
  const end = buf.subarray(0, n).indexOf(10);
  if (end === -1) return false;
  let first: unknown;
  try {
    first = JSON.parse(buf.toString('latin1', 0, end));
  } catch {
    return false;
  }
  if (typeof first !== 'object' || first === null || Array.isArray(first)) return false;
  const { ts, type } = first as { ts?: unknown; type?: unknown };
  return typeof ts === 'string' && !Number.isNaN(Date.parse(ts)) && typeof type === 'string' && (EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * Text of a binary-safe value (user name, key, address) for a JSON event: bytes are kept
 * one-to-one as code points, so nothing is lost and JSON escaping keeps control bytes
 * harmless; long values are cut.
 */
export function eventText(s: string, max = 128): string {
  return s.length > max ? s.slice(0, max) + '…' : s;
}
