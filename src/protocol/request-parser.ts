/**
 * Resumable RESP request parser (multibulk and inline), kept on the connection.
 *
 * Every argument comes out as a *binary string*: a JS string whose char codes are
 * the raw bytes (latin1). That mapping is 1:1 for bytes 0..255, so user data is never
 * decoded as UTF-8 and survives the round trip unchanged. See src/protocol/binary.ts.
 *
 * The parser never throws for normal input: `next()` returns a command, `NEED_MORE`,
 * or sets `error` (a protocol error text; the connection must reply and close).
 *
 * It follows Redis's processInlineBuffer / processMultibulkBuffer decision by decision,
 * so the same bytes give the same command, the same error text, and the same moment
 * of waiting for more input:
 *  - a count line (`*N` or `$N`) is complete once a CR and one more byte arrived; the
 *    byte after CR is not checked, nor are the two bytes that end a bulk;
 *  - `expected '$'` is only reported once the whole count line is there;
 *  - "too big … count string" / "too big inline request" only when no terminator at
 *    all was found in more than the inline limit;
 *  - counts are parsed like string2ll (no '+', no leading zeros, no "-0", 64-bit range);
 *  - `*0` and any negative count are skipped (no command, no reply);
 *  - one deliberate difference: the unauthenticated argument cap (10) applies to inline
 *    requests too. Redis checks only multibulk requests; a client that has not logged in
 *    needs at most AUTH/HELLO's handful of arguments either way.
 *
 * Input is kept in one growable buffer (like Redis's querybuf) and line searches resume
 * where the previous search stopped, so a request trickling in byte by byte costs linear
 * time, not quadratic.
 *
 * CLIENT LIST's `qbuf-free` is emulated: Redis reads into one query buffer per client whose
 * capacity follows its own rules (16 KiB room made before each read, a big argument's exact
 * size, trimmed by the client cron when idle or past its recent peak), while this parser
 * parses straight from the socket's chunks. `capacity` keeps the figure Redis's buffer would
 * have for the same traffic (a few comparisons per read) and `cronResize` applies Redis's
 * clientsCronResizeQueryBuffer to it; on an idle connection it also really drops what the
 * parser holds beyond its unparsed bytes (an emptied buffer, a big bulk's unused room).
 *
 * Input that is buffered but not parsed (the connection holds its replies: AUTH throttle
 * delay, CLIENT PAUSE, a blocked command) is checked by `checkAhead()`: the same limits,
 * walked over the framing only, without building arguments. See checkAhead.
 */
import { splitArgs } from '../config/split-args.js';
import { RecentStrings } from './recent-strings.js';

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
/** Bulks at least this large are assembled in their own buffer instead of the shared one. */
const BIG_BULK = 32 * 1024;
/**
 * A big bulk's buffer starts at most this large and doubles as data arrives, so a peer
 * announcing `$500000000` and sending nothing does not make us allocate 500 MB.
 */
const BIG_BULK_FIRST_ALLOC = 1024 * 1024;
/** Redis's PROTO_IOBUF_LEN: the room its query buffer makes before a read */
const IOBUF_LEN = 16 * 1024;
/** Redis's PROTO_RESIZE_THRESHOLD: a buffer past it is trimmed to its recent peak */
const RESIZE_THRESHOLD = 32 * 1024;

export const NEED_MORE = null;

/** AUTH, HELLO and RESET may change who the client is logged in as; "hello" is the longest name. */
const LONGEST_LOGIN_COMMAND = 5;

const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);

/**
 * Node's Buffer has a latin1Slice(start, end) method (what toString('latin1', …) calls
 * after argument checks); calling it directly saves ~25% per argument on the hot path.
 * It is not in @types/node, hence this view; a fallback keeps working if it disappears.
 */
interface Latin1Slicer {
  latin1Slice?: (start: number, end: number) => string;
}
const hasLatin1Slice = typeof (Buffer.prototype as Latin1Slicer).latin1Slice === 'function';

/**
 * bytes [start, end) as a binary string. Arguments up to 16 bytes (command names, most
 * keys and small values) are made by one String.fromCharCode call with the bytes as
 * arguments: one allocation, no call into C++, about a third of latin1Slice's cost for a
 * 16-byte key. (A loop of `+=` made one string per byte.) Strings under 13 chars come out
 * flat either way, and so do these: Map lookups need no flattening.
 */
export function latin1(b: Buffer, s: number, end: number): string {
  const f = String.fromCharCode;
  switch (end - s) {
    case 1: return f(b[s]!);
    case 2: return f(b[s]!, b[s + 1]!);
    case 3: return f(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    case 8: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
    case 9: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!);
    case 10: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!);
    case 11: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!);
    case 12: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!);
    case 13: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!);
    case 14: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!);
    case 15: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!, b[s + 14]!);
    case 16: return f(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!, b[s + 14]!, b[s + 15]!);
  }
  if (end <= s) return '';
  return hasLatin1Slice ? (b as Latin1Slicer).latin1Slice!.call(b, s, end) : b.toString('latin1', s, end);
}

/**
 * The most arguments readWhole takes in one pass (more go through the general path):
 * bounds the array a request's count makes it allocate before its bytes are checked.
 */
const WHOLE_MAX_ARGS = 1024;

/**
 * Command names clients send again and again come back as the same string
 * (recent-strings.ts): no allocation, and no new hash for the command table's lookup. Only
 * the first argument of a request goes there, so the table holds the few names a server is
 * sent.
 */
const names = new RecentStrings(256, 24);

function commandName(buf: Buffer, start: number, end: number): string {
  return end - start > names.maxLength ? latin1(buf, start, end) : names.get(buf, start, end, latin1);
}

/**
 * Short arguments after the name (keys, fields, small values) the same way (issue 17): a
 * hot key or a repeated value comes back as the string already made, whose hash V8 has
 * already computed, so the keyspace's Map lookup skips hashing it, nothing is allocated,
 * and a value stored from it (a list element, a hash value) adds no young string for the
 * collector to trace from an old collection. A miss costs a slot check and a store.
 */
const shortArgs = new RecentStrings(1024, 32);

function argument(buf: Buffer, start: number, end: number): string {
  return end - start > shortArgs.maxLength ? latin1(buf, start, end) : shortArgs.get(buf, start, end, latin1);
}

export class RequestParser {
  /** input; the unconsumed bytes are buf[pos, end) */
  private buf: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  /** true when `buf` is our own allocation that may be appended to; false for a borrowed chunk */
  private owned = false;
  /** bytes from `pos` already searched for the current line's terminator without success */
  private scanned = 0;
  /** remaining elements in the multibulk being read; 0 = between commands */
  private multibulkLeft = 0;
  private args: string[] = [];
  /** total length of `args` (the command being assembled) */
  private argsBytes = 0;
  /** length of the bulk being read, -1 = need a `$len` line first */
  private bulkLen = -1;
  /** big bulks are copied into a dedicated buffer as chunks arrive (bulkLen + 2 bytes in the end) */
  private bigBulk: Buffer | null = null;
  private bigFilled = 0;
  /** where in buf the input of the last feed() began: what was unconsumed then */
  private fedFrom = 0;
  /** set when the stream is broken: the text after "-ERR " */
  error: string | null = null;
  /** true when the last command came from an inline request (Redis logs/behaves slightly differently) */
  lastWasInline = false;
  /** next() returned NEED_MORE and nothing was fed since: every buffered byte has been checked */
  private drained = true;
  /** the capacity Redis's query buffer would have (emulated; see the header) and its recent peak */
  private qbAlloc = 0;
  private qbPeak = 0;

  /*
   * Look-ahead state (checkAhead): the framing of the input beyond what next() parsed.
   * Invariant while `aheadValid`: buf[pos, pos + aheadOff) has been checked, and the other
   * fields describe the stream at pos + aheadOff. Any consumption that reaches that point
   * (or bytes that bypass buf into a big bulk) clears `aheadValid`; it restarts from the
   * parser's own state.
   */
  private aheadValid = false;
  private aheadOff = 0;
  /** bytes after the look-ahead point already searched for a terminator */
  private aheadScanned = 0;
  /** elements left in the multibulk at the look-ahead point; 0 = between commands */
  private aheadMulti = 0;
  /** bytes left of the bulk being skipped (its CRLF included); -1 = a `$len` line is next */
  private aheadBulk = -1;
  /** the next bulk is the command name */
  private aheadFirst = false;
  /** the command at the look-ahead point is AUTH, HELLO or RESET */
  private aheadInLogin = false;
  /**
   * Relative to pos, the end of the last AUTH/HELLO/RESET checked ahead (0: none left).
   * Until next() has parsed past it, that command may log the client in, so the
   * unauthenticated caps are not certain for what follows it.
   */
  private aheadLoginEnd = 0;

  constructor(
    public limits: ParserLimits,
    private readonly auth: AuthLimits,
  ) {}

  /**
   * Bytes held for requests not yet executed: unparsed input plus the arguments of a
   * multibulk still being assembled (what client-query-buffer-limit bounds in Redis).
   */
  get pendingBytes(): number {
    return this.end - this.pos + this.bigFilled + this.argsBytes;
  }

  /** Only the raw unparsed input (CLIENT LIST `qbuf`). */
  get bufferedBytes(): number {
    return this.end - this.pos + this.bigFilled;
  }

  /**
   * The input of the last read still held, executed or not (the caller's own CLIENT LIST
   * `qbuf`: Redis trims its query buffer only after the read's commands ran, so a client
   * sees its own command there).
   */
  get readBytes(): number {
    return this.end - this.fedFrom + this.bigFilled;
  }

  /** Arguments already parsed for an incomplete command (CLIENT LIST `argv-mem`). */
  get argvBytes(): number {
    return this.argsBytes;
  }

  /** Number of arguments parsed for an incomplete command. */
  get argvCount(): number {
    return this.args.length;
  }

  /**
   * Memory the input buffers hold (client eviction's measure, Redis's sdsZmallocSize of
   * the query buffer): an owned buffer's whole capacity, a borrowed socket chunk while
   * bytes of it are unconsumed, and a big bulk's dedicated buffer. O(1).
   */
  get allocatedBytes(): number {
    const held = this.owned || this.end > this.pos ? this.buf.length : 0;
    return held + (this.bigBulk === null ? 0 : this.bigBulk.length);
  }

  /** The emulated query buffer capacity (CLIENT LIST `qbuf` + `qbuf-free`; see the header). */
  get capacity(): number {
    return Math.max(this.qbAlloc, this.bufferedBytes);
  }

  /**
   * Redis's clientsCronResizeQueryBuffer on the emulated capacity: idle past 2 s, it shrinks
   * to the unparsed bytes (and the parser really drops what it holds beyond them); past the
   * resize threshold and twice the recent peak, to that peak. The peak then restarts.
   */
  cronResize(idleSeconds: number): void {
    const len = this.bufferedBytes;
    if (this.qbAlloc - len > 4096) {
      if (idleSeconds > 2) {
        this.qbAlloc = len;
        this.releaseSpare();
      } else if (this.qbAlloc > RESIZE_THRESHOLD && this.qbAlloc / 2 > this.qbPeak) {
        let size = Math.max(len, this.qbPeak);
        if (this.bulkLen !== -1 && size < this.bulkLen + 2) size = this.bulkLen + 2;
        this.qbAlloc = size;
      }
    }
    this.qbPeak = this.bulkLen !== -1 ? Math.max(len, this.bulkLen + 2) : len;
  }

  /** An idle connection's spare room: an emptied input buffer, a big bulk's unfilled part. */
  private releaseSpare(): void {
    if (this.end === this.pos && this.buf !== EMPTY) {
      this.buf = EMPTY;
      this.pos = this.end = this.fedFrom = this.scanned = 0;
      this.owned = false;
      this.aheadValid = false;
    }
    const big = this.bigBulk;
    if (big !== null && this.bigFilled < big.length) {
      const kept = Buffer.allocUnsafe(this.bigFilled);
      big.copy(kept, 0, 0, this.bigFilled);
      this.bigBulk = kept;
    }
  }

  feed(chunk: Buffer): void {
    if (this.error !== null) return;
    this.drained = false;
    // the emulated capacity (header): the room Redis makes before this read, then the read
    const qblen = this.bufferedBytes;
    if (this.bigBulk !== null) {
      if (this.qbAlloc < this.bulkLen + 2) this.qbAlloc = this.bulkLen + 2;
    } else if (this.qbAlloc < IOBUF_LEN) {
      if (this.qbAlloc < qblen + IOBUF_LEN) this.qbAlloc = qblen + IOBUF_LEN;
      if (this.qbPeak < qblen + IOBUF_LEN) this.qbPeak = qblen + IOBUF_LEN;
    } else if (this.qbAlloc - qblen < IOBUF_LEN) {
      this.qbAlloc = 2 * (qblen + IOBUF_LEN);
    }
    const filled = qblen + chunk.length;
    if (this.qbAlloc < filled) this.qbAlloc = 2 * filled;
    if (this.qbPeak < filled) this.qbPeak = filled;
    if (this.bigBulk !== null) {
      // these bytes never enter buf: a look-ahead position in buf would no longer match the stream
      this.aheadValid = false;
      chunk = this.fillBigBulk(chunk);
      if (chunk.length === 0) return;
    }
    const rest = this.end - this.pos;
    if (rest === 0) {
      // Common case: nothing left over, parse straight from the socket's chunk.
      this.buf = chunk;
      this.pos = 0;
      this.end = chunk.length;
      this.owned = false;
      this.fedFrom = 0;
      this.scanned = 0;
      return;
    }
    if (this.owned && this.buf.length - this.end >= chunk.length) {
      this.fedFrom = this.pos;
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    const need = rest + chunk.length;
    if (this.owned && need <= this.buf.length && this.pos >= rest) {
      // Compact only when it moves no more than it frees, so copying stays linear overall.
      this.buf.copyWithin(0, this.pos, this.end);
    } else {
      const next = Buffer.allocUnsafe(Math.max(need * 2, 4096));
      this.buf.copy(next, 0, this.pos, this.end);
      this.buf = next;
      this.owned = true;
    }
    this.pos = 0;
    this.fedFrom = 0;
    this.end = rest;
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  /** Copies as much of `chunk` as the big bulk still needs; returns the remainder. */
  private fillBigBulk(chunk: Buffer): Buffer {
    const big = this.bigBulk!;
    const total = this.bulkLen + 2;
    const take = Math.min(total - this.bigFilled, chunk.length);
    if (this.bigFilled + take > big.length) {
      const grown = Buffer.allocUnsafe(Math.min(total, Math.max(big.length * 2, this.bigFilled + take)));
      big.copy(grown, 0, 0, this.bigFilled);
      this.bigBulk = grown;
    }
    chunk.copy(this.bigBulk!, this.bigFilled, 0, take);
    this.bigFilled += take;
    return take === chunk.length ? EMPTY : chunk.subarray(take);
  }

  /** The next complete command, or NEED_MORE. An empty inline line or `*0` is skipped. */
  next(): string[] | null {
    const cmd = this.parseNext();
    this.drained = cmd === NEED_MORE;
    return cmd;
  }

  private parseNext(): string[] | null {
    for (;;) {
      if (this.error !== null) return NEED_MORE;
      if (this.multibulkLeft === 0) {
        if (this.pos >= this.end) return NEED_MORE;
        if (this.buf[this.pos] === 0x2a /* '*' */) {
          if (!this.auth.unauthenticated) {
            const whole = this.readWhole();
            if (whole !== null) {
              this.lastWasInline = false;
              return whole;
            }
          }
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
          const cr = this.findLine(CR, 1);
          if (cr === -1) {
            if (this.end - this.pos > this.limits.maxInlineLen) this.fail('Protocol error: too big bulk count string');
            return NEED_MORE;
          }
          if (cr === -2) return NEED_MORE;
          const c = this.buf[this.pos]!;
          if (c !== 0x24 /* '$' */) {
            this.fail(`Protocol error: expected '$', got '${String.fromCharCode(c)}'`);
            return NEED_MORE;
          }
          const n = parseDecimal(this.buf, this.pos + 1, cr);
          if (n === null || n < 0 || n > this.limits.maxBulkLen) {
            this.fail('Protocol error: invalid bulk length');
            return NEED_MORE;
          }
          if (n > UNAUTH_MAX_BULK && this.auth.unauthenticated) {
            this.fail('Protocol error: unauthenticated bulk length');
            return NEED_MORE;
          }
          this.consumeTo(cr + 2);
          this.bulkLen = n;
          if (n >= BIG_BULK) {
            // Redis sizes its buffer for exactly this argument
            if (this.qbAlloc < n + 2) this.qbAlloc = n + 2;
            if (this.qbPeak < n + 2) this.qbPeak = n + 2;
            const avail = this.end - this.pos;
            this.bigBulk = Buffer.allocUnsafe(Math.min(n + 2, Math.max(avail, BIG_BULK_FIRST_ALLOC)));
            this.bigFilled = 0;
            const rest = this.fillBigBulk(this.buf.subarray(this.pos, this.end));
            this.consumeTo(this.end - rest.length);
          }
        }
        let arg: string;
        if (this.bigBulk !== null) {
          if (this.bigFilled < this.bulkLen + 2) return NEED_MORE;
          arg = latin1(this.bigBulk, 0, this.bulkLen);
          this.bigBulk = null;
          this.bigFilled = 0;
        } else {
          if (this.end - this.pos < this.bulkLen + 2) return NEED_MORE;
          arg = latin1(this.buf, this.pos, this.pos + this.bulkLen);
          this.consumeTo(this.pos + this.bulkLen + 2);
        }
        this.args.push(arg);
        this.argsBytes += this.bulkLen;
        this.bulkLen = -1;
        this.multibulkLeft--;
      }
      const out = this.args;
      this.args = [];
      this.argsBytes = 0;
      this.lastWasInline = false;
      return out;
    }
  }

  /**
   * The common case in one pass: a whole multibulk request already in the buffer, in its
   * plainest form (counts of plain digits, bulks shorter than BIG_BULK, within the limits),
   * read without the per-line searches and state of the general path, into an array of
   * its known length. Anything else (a request not all there yet, a count to reject, a
   * big bulk, a client not logged in, whose caps are checked by the general path) returns
   * null having changed nothing, and the general path reads it exactly as before: this is
   * a shortcut to the same result, never a second grammar. A request split across reads
   * is walked here once, then finished by the general path.
   */
  private readWhole(): string[] | null {
    const buf = this.buf;
    const end = this.end;
    // `*N`: N plain digits, then CR and one more byte (the byte after CR is not checked)
    let p = this.pos + 1;
    if (p >= end) return null;
    let c = buf[p]!;
    if (c < 0x31 || c > 0x39) return null;
    let n = c - 0x30;
    while (++p < end && (c = buf[p]!) !== CR) {
      const d = c - 0x30;
      if (d < 0 || d > 9 || n >= WHOLE_MAX_ARGS) return null;
      n = n * 10 + d;
    }
    if (p + 1 >= end || n > WHOLE_MAX_ARGS || n > this.limits.maxMultibulkLen) return null;
    p += 2;
    const maxLen = this.limits.maxBulkLen;
    const argv = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      // `$L`: L plain digits ("0" alone for an empty bulk), CR, one byte, L bytes, two bytes
      if (p >= end || buf[p] !== 0x24 /* '$' */) return null;
      if (++p >= end) return null;
      c = buf[p]!;
      let len = c - 0x30;
      if (len === 0) {
        if (++p >= end || buf[p] !== CR) return null;
      } else {
        if (len < 0 || len > 9) return null;
        while (++p < end && (c = buf[p]!) !== CR) {
          const d = c - 0x30;
          if (d < 0 || d > 9 || len >= BIG_BULK) return null;
          len = len * 10 + d;
        }
        if (len >= BIG_BULK || len > maxLen) return null;
      }
      const start = p + 2;
      p = start + len + 2;
      if (p > end) return null;
      argv[i] = i === 0 ? commandName(buf, start, start + len) : argument(buf, start, start + len);
    }
    this.consumeTo(p);
    return argv;
  }

  /**
   * Index of the next `byte` at or after pos within [pos, end) with at least `after`
   * bytes following it; -1 when there is no such byte yet, -2 when it was found but the
   * bytes after it have not arrived. Resumes from where the last failed search ended.
   */
  private findLine(byte: number, after: number): number {
    const from = this.pos + this.scanned;
    const buf = this.buf;
    const end = this.end;
    let at = -1;
    // Count lines are a few bytes long: a short JS scan beats a call into indexOf.
    const shortEnd = Math.min(end, from + 24);
    for (let i = from; i < shortEnd; i++) {
      if (buf[i] === byte) {
        at = i;
        break;
      }
    }
    if (at === -1 && shortEnd < end) {
      at = end === buf.length ? buf.indexOf(byte, shortEnd) : buf.subarray(0, end).indexOf(byte, shortEnd);
    }
    if (at === -1) {
      this.scanned = this.end - this.pos;
      return -1;
    }
    if (at + after >= this.end) {
      this.scanned = at - this.pos;
      return -2;
    }
    return at;
  }

  private consumeTo(p: number): void {
    if (this.aheadValid) {
      this.aheadOff -= p - this.pos;
      this.aheadLoginEnd = Math.max(0, this.aheadLoginEnd - (p - this.pos));
      if (this.aheadOff <= 0) this.aheadValid = false;
    }
    this.pos = p;
    this.scanned = 0;
    if (p >= this.end && this.owned && this.buf.length > 64 * 1024) {
      // Drop a grown buffer once it is drained, so an idle connection holds nothing big.
      this.buf = EMPTY;
      this.pos = 0;
      this.fedFrom = 0;
      this.end = 0;
      this.owned = false;
    }
  }

  private readMultibulkHeader(): 'more' | 'empty' | 'ok' {
    const cr = this.findLine(CR, 1);
    if (cr === -1) {
      if (this.end - this.pos > this.limits.maxInlineLen) this.fail('Protocol error: too big mbulk count string');
      return 'more';
    }
    if (cr === -2) return 'more';
    const n = parseDecimal(this.buf, this.pos + 1, cr);
    if (n === null || n > this.limits.maxMultibulkLen) {
      this.fail('Protocol error: invalid multibulk length');
      return 'more';
    }
    if (n > UNAUTH_MAX_MULTIBULK && this.auth.unauthenticated) {
      this.fail('Protocol error: unauthenticated multibulk length');
      return 'more';
    }
    this.consumeTo(cr + 2);
    if (n <= 0) return 'empty';
    this.multibulkLeft = n;
    this.args = [];
    this.argsBytes = 0;
    return 'ok';
  }

  private readInline(): string[] | 'more' | 'empty' {
    const lf = this.findLine(LF, 0);
    if (lf === -1) {
      if (this.end - this.pos > this.limits.maxInlineLen) this.fail('Protocol error: too big inline request');
      return 'more';
    }
    let lineEnd = lf;
    if (lineEnd > this.pos && this.buf[lineEnd - 1] === CR) lineEnd--;
    const line = latin1(this.buf, this.pos, lineEnd);
    this.consumeTo(lf + 1);
    const argv = splitArgs(line);
    if (argv === null) {
      this.fail('Protocol error: unbalanced quotes in request');
      return 'more';
    }
    if (argv.length === 0) return 'empty';
    if (argv.length > UNAUTH_MAX_MULTIBULK && this.auth.unauthenticated) {
      this.fail('Protocol error: unauthenticated multibulk length');
      return 'more';
    }
    return argv;
  }

  /**
   * Checks the input buffered beyond what next() has parsed against every limit next()
   * applies, so input that waits while the connection holds its replies (AUTH throttle
   * delay, CLIENT PAUSE, a blocked command) is bounded exactly as input parsed at once:
   * a broken request sets `error` as soon as its bytes arrive, whatever the state.
   *
   * Only the framing is walked (count lines, bulk lengths, inline lines); no argument is
   * built, so the cost is one pass over the bytes and O(1) memory besides one inline line
   * (at most maxInlineLen) split at a time. The walk resumes where it stopped.
   *
   * It never rejects what next() would accept: an unauthenticated cap broken after a
   * command that may log the client in (AUTH, HELLO, RESET, `heldLogin` for one the
   * connection holds) is not an error yet; the walk stops there and answers 'wait': the
   * connection reads nothing more until next() gets there and decides.
   */
  checkAhead(heldLogin = false): 'ok' | 'wait' {
    if (this.error !== null || this.drained) return 'ok';
    if (!this.aheadValid) this.startAhead();
    const buf = this.buf;
    for (;;) {
      const at = this.pos + this.aheadOff;
      const avail = this.end - at;
      const unauth = this.auth.unauthenticated;
      const loginBefore = heldLogin || this.aheadLoginEnd > 0;
      if (this.aheadBulk >= 0) {
        if (this.aheadFirst) {
          // the command name: wait for it whole when it is short enough to matter
          const n = this.aheadBulk - 2;
          if (n <= LONGEST_LOGIN_COMMAND) {
            if (avail < n) return 'ok';
            this.aheadInLogin = isLoginCommand(buf, at, at + n);
          }
          this.aheadFirst = false;
        }
        if (avail < this.aheadBulk) {
          this.aheadOff += avail;
          this.aheadBulk -= avail;
          return 'ok';
        }
        this.aheadOff += this.aheadBulk;
        this.aheadBulk = -1;
        if (--this.aheadMulti === 0) this.endAheadCommand();
        continue;
      }
      if (this.aheadMulti > 0) {
        const cr = this.aheadLine(CR, 1);
        if (cr === -1) {
          if (avail > this.limits.maxInlineLen) this.fail('Protocol error: too big bulk count string');
          return 'ok';
        }
        if (cr === -2) return 'ok';
        const c = buf[at]!;
        if (c !== 0x24 /* '$' */) {
          this.fail(`Protocol error: expected '$', got '${String.fromCharCode(c)}'`);
          return 'ok';
        }
        const n = parseDecimal(buf, at + 1, cr);
        if (n === null || n < 0 || n > this.limits.maxBulkLen) {
          this.fail('Protocol error: invalid bulk length');
          return 'ok';
        }
        if (n > UNAUTH_MAX_BULK && unauth) {
          if (loginBefore) return 'wait';
          this.fail('Protocol error: unauthenticated bulk length');
          return 'ok';
        }
        this.aheadOff = cr + 2 - this.pos;
        this.aheadScanned = 0;
        this.aheadBulk = n + 2;
        continue;
      }
      if (avail <= 0) return 'ok';
      if (buf[at] === 0x2a /* '*' */) {
        const cr = this.aheadLine(CR, 1);
        if (cr === -1) {
          if (avail > this.limits.maxInlineLen) this.fail('Protocol error: too big mbulk count string');
          return 'ok';
        }
        if (cr === -2) return 'ok';
        const n = parseDecimal(buf, at + 1, cr);
        if (n === null || n > this.limits.maxMultibulkLen) {
          this.fail('Protocol error: invalid multibulk length');
          return 'ok';
        }
        if (n > UNAUTH_MAX_MULTIBULK && unauth) {
          if (loginBefore) return 'wait';
          this.fail('Protocol error: unauthenticated multibulk length');
          return 'ok';
        }
        this.aheadOff = cr + 2 - this.pos;
        this.aheadScanned = 0;
        if (n > 0) {
          this.aheadMulti = n;
          this.aheadFirst = true;
          this.aheadInLogin = false;
        }
        continue;
      }
      const lf = this.aheadLine(LF, 0);
      if (lf === -1) {
        if (avail > this.limits.maxInlineLen) this.fail('Protocol error: too big inline request');
        return 'ok';
      }
      let lineEnd = lf;
      if (lineEnd > at && buf[lineEnd - 1] === CR) lineEnd--;
      const argv = splitArgs(latin1(buf, at, lineEnd));
      if (argv === null) {
        this.fail('Protocol error: unbalanced quotes in request');
        return 'ok';
      }
      if (argv.length > UNAUTH_MAX_MULTIBULK && unauth) {
        if (loginBefore) return 'wait';
        this.fail('Protocol error: unauthenticated multibulk length');
        return 'ok';
      }
      this.aheadOff = lf + 1 - this.pos;
      this.aheadScanned = 0;
      if (argv.length > 0) {
        this.aheadInLogin = isLoginName(argv[0]!);
        this.endAheadCommand();
      }
    }
  }

  /** A command checked ahead is complete at the look-ahead point. */
  private endAheadCommand(): void {
    if (this.aheadInLogin) this.aheadLoginEnd = this.aheadOff;
    this.aheadInLogin = false;
  }

  /** Starts the look-ahead at the point next() has reached, in next()'s state. */
  private startAhead(): void {
    this.aheadValid = true;
    this.aheadOff = 0;
    this.aheadScanned = 0;
    this.aheadFirst = false;
    this.aheadBulk = -1;
    this.aheadMulti = this.multibulkLeft;
    if (this.bigBulk !== null) {
      // bytes reach buf only once the big bulk is complete: buf starts after it
      this.aheadMulti--;
    } else if (this.bulkLen >= 0) {
      this.aheadBulk = this.bulkLen + 2;
    } else {
      this.aheadFirst = this.multibulkLeft > 0 && this.args.length === 0;
    }
    this.aheadLoginEnd = 0;
    // a command half parsed may itself be a login: when its name is not known yet, assume so
    const name = this.args[0];
    this.aheadInLogin =
      name !== undefined
        ? isLoginName(name)
        : this.multibulkLeft > 0 && !this.aheadFirst;
    if (this.aheadMulti === 0) this.endAheadCommand();
  }

  /**
   * findLine for the look-ahead: index of `byte` at or after the look-ahead point within
   * [.., end) with `after` bytes following it; -1 none yet, -2 found but incomplete.
   */
  private aheadLine(byte: number, after: number): number {
    const at = this.pos + this.aheadOff;
    const from = at + this.aheadScanned;
    // bounded by `end`: bytes past it in an owned buffer are stale
    const i = this.end === this.buf.length ? this.buf.indexOf(byte, from) : this.buf.subarray(0, this.end).indexOf(byte, from);
    if (i === -1) {
      this.aheadScanned = this.end - at;
      return -1;
    }
    if (i + after >= this.end) {
      this.aheadScanned = i - at;
      return -2;
    }
    return i;
  }

  private fail(message: string): void {
    this.error = message;
    this.buf = EMPTY;
    this.pos = 0;
    this.fedFrom = 0;
    this.end = 0;
    this.owned = false;
    this.scanned = 0;
    this.bigBulk = null;
    this.bigFilled = 0;
    this.args = [];
    this.argsBytes = 0;
    this.aheadValid = false;
  }
}

/**
 * Strict signed decimal between [start, end): what Redis's string2ll accepts (no '+',
 * no leading zeros except "0", no "-0", no spaces, within the signed 64-bit range).
 * Returns null when invalid. Values beyond ±2^53 come back rounded, which is harmless:
 * every limit they are compared with is far smaller, and only their sign matters then.
 */
export function parseDecimal(buf: Buffer, start: number, end: number): number | null {
  const len = end - start;
  if (len <= 0 || len > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  const first = buf[i]!;
  if (first === 0x30) return len === 1 ? 0 : null;
  if (first < 0x31 || first > 0x39) return null;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  if (n <= Number.MAX_SAFE_INTEGER) return neg ? -n : n;
  // Beyond 2^53 the digit loop has rounded: decide the 64-bit range exactly.
  const text = buf.toString('latin1', start, end);
  const big = BigInt(text);
  if (big > 9223372036854775807n || big < -9223372036854775808n) return null;
  return Number(text);
}

/** True when bytes [start, end) spell auth, hello or reset, in any case. */
function isLoginCommand(buf: Buffer, start: number, end: number): boolean {
  const n = end - start;
  if (n !== 4 && n !== 5) return false;
  return isLoginName(buf.toString('latin1', start, end));
}

/** AUTH, HELLO and RESET (any case): the commands that may change who the client is logged in as. */
export function isLoginName(name: string): boolean {
  if (name.length !== 4 && name.length !== 5) return false;
  const lower = name.toLowerCase();
  return lower === 'auth' || lower === 'hello' || lower === 'reset';
}
