/**
 * Resumable RESP request parser (multibulk and inline), kept on the connection.
 *
 * Every argument comes out as a *binary string*: a JS string whose char codes are
 * the raw bytes (latin1). That mapping is 1:1 for bytes 0..255, so user data is never
 * decoded as UTF-8 and survives the round trip unchanged. See src/protocol/binary.ts.
 *
 * The parser never throws for normal input: `next()` returns a command, `NEED_MORE`,
 * or sets `error` (a protocol error text; the connection must reply and close).
 */
import { splitArgs } from '../config/split-args.js';

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** largest multibulk count accepted */
  maxMultibulkLen: number;
  /** largest inline request / count line */
  maxInlineLen: number;
}

export interface AuthLimits {
  /** true while the client still has to authenticate: stricter limits apply */
  unauthenticated: boolean;
}

/** Before authentication Redis caps requests so an anonymous peer cannot make us buffer much. */
export const UNAUTH_MAX_MULTIBULK = 10;
export const UNAUTH_MAX_BULK = 16 * 1024;
/** Bulks at least this large are assembled in their own buffer instead of re-concatenating chunks. */
const BIG_BULK = 32 * 1024;

export const NEED_MORE = null;

const CR = 13;
const LF = 10;

export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** remaining elements in the multibulk being read; 0 = between commands */
  private multibulkLeft = 0;
  private args: string[] = [];
  /** length of the bulk being read, -1 = need a `$len` line first */
  private bulkLen = -1;
  /** big bulks are copied into a dedicated buffer as chunks arrive */
  private bigBulk: Buffer | null = null;
  private bigFilled = 0;
  /** set when the stream is broken: the text after "-ERR " */
  error: string | null = null;
  /** true when the last command came from an inline request (Redis logs/behaves slightly differently) */
  lastWasInline = false;

  constructor(
    public limits: ParserLimits,
    private readonly auth: AuthLimits,
  ) {}

  /** Bytes buffered but not yet consumed (for client-query-buffer-limit and CLIENT LIST qbuf). */
  get pendingBytes(): number {
    return this.buf.length - this.pos + this.bigFilled;
  }

  feed(chunk: Buffer): void {
    if (this.bigBulk !== null) {
      const need = this.bigBulk.length - this.bigFilled;
      const take = Math.min(need, chunk.length);
      chunk.copy(this.bigBulk, this.bigFilled, 0, take);
      this.bigFilled += take;
      chunk = chunk.subarray(take);
      if (chunk.length === 0) return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      const rest = this.buf.subarray(this.pos);
      this.buf = Buffer.concat([rest, chunk], rest.length + chunk.length);
      this.pos = 0;
    }
  }

  /** The next complete command, or NEED_MORE. An empty inline line or `*0` is skipped. */
  next(): string[] | null {
    for (;;) {
      if (this.error !== null) return NEED_MORE;
      if (this.multibulkLeft === 0) {
        if (this.bigBulk === null && this.pos >= this.buf.length) return NEED_MORE;
        if (this.buf[this.pos] === 0x2a /* '*' */) {
          const r = this.readMultibulkHeader();
          if (r === 'more') return NEED_MORE;
          if (r === 'empty') continue;
        } else {
          const cmd = this.readInline();
          if (cmd === 'more') return NEED_MORE;
          if (cmd === 'empty') continue;
          this.lastWasInline = true;
          return cmd;
        }
      }
      // reading bulk elements
      while (this.multibulkLeft > 0) {
        if (this.bulkLen === -1) {
          if (this.pos >= this.buf.length) return NEED_MORE;
          const c = this.buf[this.pos]!;
          if (c !== 0x24 /* '$' */) {
            this.fail(`Protocol error: expected '$', got '${String.fromCharCode(c)}'`);
            return NEED_MORE;
          }
          const cr = this.buf.indexOf(CR, this.pos);
          if (cr === -1 || cr + 1 >= this.buf.length) {
            if (this.buf.length - this.pos > this.limits.maxInlineLen) {
              this.fail('Protocol error: too big bulk count string');
            }
            return NEED_MORE;
          }
          const n = parseDecimal(this.buf, this.pos + 1, cr);
          if (n === null || n < 0 || n > this.limits.maxBulkLen) {
            this.fail('Protocol error: invalid bulk length');
            return NEED_MORE;
          }
          if (this.auth.unauthenticated && n > UNAUTH_MAX_BULK) {
            this.fail('Protocol error: unauthenticated bulk length');
            return NEED_MORE;
          }
          this.pos = cr + 2;
          this.bulkLen = n;
          if (n >= BIG_BULK) {
            // Assemble large payloads in one allocation of their exact size (+CRLF).
            this.bigBulk = Buffer.allocUnsafe(n + 2);
            const avail = Math.min(this.buf.length - this.pos, n + 2);
            this.buf.copy(this.bigBulk, 0, this.pos, this.pos + avail);
            this.bigFilled = avail;
            this.pos += avail;
          }
        }
        if (this.bigBulk !== null) {
          if (this.bigFilled < this.bigBulk.length) return NEED_MORE;
          this.args.push(this.bigBulk.toString('latin1', 0, this.bulkLen));
          this.bigBulk = null;
          this.bigFilled = 0;
        } else {
          if (this.buf.length - this.pos < this.bulkLen + 2) return NEED_MORE;
          this.args.push(this.buf.toString('latin1', this.pos, this.pos + this.bulkLen));
          this.pos += this.bulkLen + 2;
        }
        this.bulkLen = -1;
        this.multibulkLeft--;
      }
      const out = this.args;
      this.args = [];
      this.lastWasInline = false;
      return out;
    }
  }

  private readMultibulkHeader(): 'more' | 'empty' | 'ok' {
    const cr = this.buf.indexOf(CR, this.pos);
    if (cr === -1 || cr + 1 >= this.buf.length) {
      if (this.buf.length - this.pos > this.limits.maxInlineLen) this.fail('Protocol error: too big mbulk count string');
      return 'more';
    }
    const n = parseDecimal(this.buf, this.pos + 1, cr);
    if (n === null || n > this.limits.maxMultibulkLen) {
      this.fail('Protocol error: invalid multibulk length');
      return 'more';
    }
    if (n > UNAUTH_MAX_MULTIBULK && this.auth.unauthenticated) {
      this.fail('Protocol error: unauthenticated multibulk length');
      return 'more';
    }
    this.pos = cr + 2;
    if (n <= 0) return 'empty';
    this.multibulkLeft = n;
    this.args = [];
    return 'ok';
  }

  private readInline(): string[] | 'more' | 'empty' {
    const lf = this.buf.indexOf(LF, this.pos);
    if (lf === -1) {
      if (this.buf.length - this.pos > this.limits.maxInlineLen) this.fail('Protocol error: too big inline request');
      return 'more';
    }
    let end = lf;
    if (end > this.pos && this.buf[end - 1] === CR) end--;
    const line = this.buf.toString('latin1', this.pos, end);
    this.pos = lf + 1;
    const argv = splitArgs(line);
    if (argv === null) {
      this.fail('Protocol error: unbalanced quotes in request');
      return 'more';
    }
    if (argv.length === 0) return 'empty';
    if (this.auth.unauthenticated && argv.length > UNAUTH_MAX_MULTIBULK) {
      this.fail('Protocol error: unauthenticated multibulk length');
      return 'more';
    }
    return argv;
  }

  private fail(message: string): void {
    this.error = message;
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    this.bigBulk = null;
    this.bigFilled = 0;
  }
}

/**
 * Strict signed decimal between [start, end): what Redis's string2ll accepts
 * (no '+', no leading zeros except "0", no spaces). Returns null when invalid.
 */
export function parseDecimal(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === 0x30 && end - i > 1) return null;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  if (n > Number.MAX_SAFE_INTEGER) return null;
  return neg ? -n : n;
}
