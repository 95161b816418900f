/**
 * The security event stream: one JSON object per line, appended to `security-log-file`
 * (owner-only file; "" turns the stream off). Events describe who did what from where —
 * never a password or other secret value (callers pass names, addresses and redacted
 * values only).
 *
 * Bounded, so an attacker cannot fill the disk or slow the server through it: a token
 * bucket admits a burst of events and a steady rate after that; what does not fit is
 * counted, and one "events-suppressed" event with the count is written once tokens are
 * available again (checked by the server cron). Writes go through an append stream, so
 * the command path never waits for the disk.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

export type SecurityEventType =
  | 'auth-success'
  | 'auth-failure'
  | 'acl-denied'
  | 'admission-refused'
  | 'config-changed'
  | 'acl-changed'
  | 'dangerous-command'
  | 'auth-spike-start'
  | 'auth-spike-end'
  | 'auth-throttled'
  | 'events-suppressed';

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

  constructor(private readonly clock: () => number) {}

  /** Opens (or closes, for "") the log file; returns an error text or null. */
  setFile(path: string): string | null {
    if (path === this.path) return null;
    this.stream?.end();
    this.stream = null;
    this.path = path;
    if (path === '') return null;
    try {
      const s = createWriteStream(path, { flags: 'a', mode: 0o600 });
      // a failing disk must not take the server down; the error is reported once
      s.on('error', () => {
        if (this.stream === s) this.stream = null;
      });
      this.stream = s;
    } catch (e) {
      return (e as Error).message;
    }
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
    const line = JSON.stringify({ ts: new Date(this.clock()).toISOString(), type, ...fields }) + '\n';
    this.stream?.write(line);
    this.listener?.(line);
  }
}

/**
 * Text of a binary-safe value (user name, key, address) for a JSON event: bytes are kept
 * one-to-one as code points, so nothing is lost and JSON escaping keeps control bytes
 * harmless; long values are cut.
 */
export function eventText(s: string, max = 128): string {
  return s.length > max ? s.slice(0, max) + '…' : s;
}
