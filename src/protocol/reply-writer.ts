/**
 * Encodes replies into one growable buffer per connection, so a pipelined batch of
 * replies leaves in a single socket write. RESP2 and RESP3 differ only in how a few
 * kinds are spelled; the choice is made per call from the connection's protocol.
 */
import { Kind, reply, type Reply } from './reply.js';
import { formatDouble } from './number-format.js';

/** Redis's PROTO_REPLY_CHUNK_BYTES: a client's reply buffer at first, and the most it grows to */
const INITIAL = 16 * 1024;
/** Redis's PROTO_REPLY_MIN_BYTES: the least it shrinks to */
const MIN_SIZE = 1024;

/** Node's Buffer#latin1Write (what write(s, off, 'latin1') calls after checks); not in @types/node. */
interface Latin1Writer {
  latin1Write?: (s: string, offset: number, length: number) => number;
}
const hasLatin1Write = typeof (Buffer.prototype as Latin1Writer).latin1Write === 'function';

export class ReplyWriter {
  buf: Buffer = Buffer.allocUnsafe(INITIAL);
  len = 0;
  /**
   * The buffer kept between writes (Redis's buf_usable_size, CLIENT LIST `rbs`). A batch
   * larger than it grows `buf` for the moment (where Redis would chain reply blocks);
   * `cronResize` puts `buf` back to this size once drained, and resizes it as Redis's
   * clientsCronResizeOutputBuffer does from `peak`.
   */
  keptSize = INITIAL;
  /** the most of `keptSize` a batch filled since the last reset (Redis's buf_peak, `rbp`) */
  peak = INITIAL;
  private peakResetAt = 0;

  /** Bytes waiting to be flushed. */
  get size(): number {
    return this.len;
  }

  /** Hands the encoded bytes over (a copy, so the working buffer can be reused). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.notePeak();
    this.len = 0;
    if (this.buf.length > 1024 * 1024) this.buf = Buffer.allocUnsafe(this.keptSize);
    return out;
  }

  /**
   * The encoded bytes without a copy, for a socket write that may finish at once. The
   * caller then says what became of them: `written()` (the stream is done with them: encode
   * over them) or `handedOff()` (something still holds them: continue in a fresh buffer).
   * Until then nothing may be written here.
   */
  view(): Buffer {
    this.notePeak();
    // The last view is handed out again when it covers the same bytes of the same buffer
    // (an unpipelined client gets the same-sized reply over and over: +OK, :1, a 3-byte
    // bulk): a subarray is a ~100 B object per write otherwise, and at 10M keys every
    // 16 MiB allocated costs a scavenge whose fixed part grows with the heap (issue 17
    // goal 2). Safe: a view is only given out again after `written()` (its write is over);
    // `handedOff()` replaces the buffer, so a view still held by a stream is never reused.
    const last = this.lastView;
    if (last !== null && this.lastViewOf === this.buf && last.length === this.len) return last;
    this.lastViewOf = this.buf;
    return (this.lastView = this.buf.subarray(0, this.len));
  }

  /** the last `view()` and the buffer it is a window of */
  private lastView: Buffer | null = null;
  private lastViewOf: Buffer | null = null;

  /** The bytes of `view()` were consumed: the working buffer is reused. */
  written(): void {
    this.len = 0;
    if (this.buf.length > 1024 * 1024) this.buf = Buffer.allocUnsafe(this.keptSize);
  }

  /** The bytes of `view()` are still held by their reader: they are left to it. */
  handedOff(): void {
    this.len = 0;
    this.buf = Buffer.allocUnsafe(this.keptSize);
  }

  /** a batch leaves: the part of the kept buffer it filled counts toward the peak (`rbp`) */
  private notePeak(): void {
    const used = this.len < this.keptSize ? this.len : this.keptSize;
    if (used > this.peak) this.peak = used;
  }

  /**
   * The client cron's resize (Redis's clientsCronResizeOutputBuffer): shrink to the peak
   * (not under 1 KiB) when it is under half the size; double (up to 16 KiB) when a batch
   * filled it; the peak restarts every `peakResetMs` (-1: never). A drained buffer that
   * grew for a big batch goes back to the kept size. Returns what was done.
   */
  cronResize(now: number, peakResetMs: number): 'shrink' | 'expand' | null {
    let next = 0;
    let done: 'shrink' | 'expand' | null = null;
    const half = Math.floor(this.keptSize / 2);
    if (half >= MIN_SIZE && this.peak < half) {
      next = Math.max(MIN_SIZE, this.peak + 1);
      done = 'shrink';
    } else if (this.keptSize * 2 < INITIAL * 2 && this.peak === this.keptSize) {
      next = Math.min(INITIAL, this.keptSize * 2);
      done = 'expand';
    }
    if (peakResetMs >= 0 && now - this.peakResetAt >= peakResetMs) {
      this.peak = Math.min(this.len, this.keptSize);
      this.peakResetAt = now;
    }
    if (next !== 0) this.keptSize = next;
    if (this.len === 0 && this.buf.length !== this.keptSize) this.buf = Buffer.allocUnsafe(this.keptSize);
    return done;
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /**
   * Copies a binary string (one byte per char) at `len`; room must be ensured. Short
   * strings are copied in JS: cheaper than a call into C++ for a few bytes.
   */
  private put(s: string): void {
    const n = s.length;
    const buf = this.buf;
    if (n <= 16) {
      let o = this.len;
      for (let i = 0; i < n; i++) buf[o++] = s.charCodeAt(i);
      this.len = o;
    } else if (hasLatin1Write) {
      this.len += (buf as Latin1Writer).latin1Write!.call(buf, s, this.len, n);
    } else {
      this.len += buf.write(s, this.len, 'latin1');
    }
  }

  /** Writes a binary string (one byte per char). */
  private str(s: string): void {
    this.ensure(s.length);
    this.put(s);
  }

  private line(prefix: string, body: string): void {
    this.ensure(body.length + 3);
    this.buf[this.len++] = prefix.charCodeAt(0);
    this.put(body);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  private bulk(s: string): void {
    const n = s.length;
    this.ensure(n + 32);
    this.buf[this.len++] = 36; // $
    this.digits(n);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
    if (n > 0) this.put(s);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  /**
   * `prefix`, the decimal digits of `v` (an integer, |v| < 2^31), CRLF: written straight
   * into the buffer, where String(v) made a string per reply (an INCR, LPUSH or HSET
   * count, a bulk's length) only to copy it.
   */
  private intLine(prefix: number, v: number): void {
    this.ensure(14);
    this.buf[this.len++] = prefix;
    this.digits(v);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  /** The decimal digits of an integer with |v| < 2^31 at `len`; room (11 bytes) must be ensured. */
  private digits(v: number): void {
    const buf = this.buf;
    let o = this.len;
    if (v < 0) {
      buf[o++] = 45; // -
      v = -v;
    }
    if (v < 10) {
      buf[o] = 48 + v;
      this.len = o + 1;
      return;
    }
    let width = 2;
    for (let t = 100; t <= v && width < 10; t *= 10) width++;
    let i = o + width;
    this.len = i;
    while (v >= 10) {
      const q = (v / 10) | 0;
      buf[--i] = 48 + v - q * 10;
      v = q;
    }
    buf[--i] = 48 + v;
  }

  raw(bytes: Buffer): void {
    this.ensure(bytes.length);
    bytes.copy(this.buf, this.len);
    this.len += bytes.length;
  }

  write(r: Reply, resp: 2 | 3): void {
    switch (r.k) {
      case Kind.Bulk:
        this.bulk(r.s);
        return;
      case Kind.Simple:
        if (r === OK) {
          // the commonest reply of all, without the CR/LF check of its text
          this.ensure(5);
          const buf = this.buf;
          const o = this.len;
          buf[o] = 43; // +
          buf[o + 1] = 79; // O
          buf[o + 2] = 75; // K
          buf[o + 3] = 13;
          buf[o + 4] = 10;
          this.len = o + 5;
          return;
        }
        this.line('+', stripNewlines(r.s));
        return;
      case Kind.Error:
        this.line('-', stripNewlines(r.s));
        return;
      case Kind.Int: {
        const n = r.n;
        if (typeof n === 'number' && n === (n | 0)) this.intLine(58 /* : */, n);
        else this.line(':', String(n));
        return;
      }
      case Kind.Null:
        this.str(resp === 3 ? '_\r\n' : '$-1\r\n');
        return;
      case Kind.NullArray:
        this.str(resp === 3 ? '_\r\n' : '*-1\r\n');
        return;
      case Kind.Array:
        this.line('*', String(r.items.length));
        for (const item of r.items) this.write(item, resp);
        return;
      case Kind.Push:
        this.line(resp === 3 ? '>' : '*', String(r.items.length));
        for (const item of r.items) this.write(item, resp);
        return;
      case Kind.Set:
        this.line(resp === 3 ? '~' : '*', String(r.items.length));
        for (const item of r.items) this.write(item, resp);
        return;
      case Kind.Map:
        if (resp === 3) this.line('%', String(r.items.length / 2));
        else this.line('*', String(r.items.length));
        for (const item of r.items) this.write(item, resp);
        return;
      case Kind.Long:
        if (resp === 3 && r.of === Kind.Map) this.line('%', String(r.length / 2));
        else this.line(resp === 3 && r.of === Kind.Set ? '~' : '*', String(r.length));
        for (const part of r.parts) for (const item of part) this.write(item, resp);
        return;
      case Kind.Double:
        if (resp === 3) this.line(',', formatDouble(r.d));
        else this.bulk(formatDouble(r.d));
        return;
      case Kind.Bool:
        if (resp === 3) this.str(r.b ? '#t\r\n' : '#f\r\n');
        else this.str(r.b ? ':1\r\n' : ':0\r\n');
        return;
      case Kind.Verbatim:
        if (resp === 3) {
          const body = `${r.format}:${r.s}`;
          this.line('=', String(body.length));
          this.str(body);
          this.str('\r\n');
        } else {
          this.bulk(r.s);
        }
        return;
      case Kind.BigNumber:
        if (resp === 3) this.line('(', r.s);
        else this.bulk(r.s);
        return;
      case Kind.Raw:
        this.raw(r.bytes);
        return;
    }
  }
}

const OK = reply.ok;

/** Simple strings and errors cannot carry CR/LF; Redis replaces them with spaces. */
function stripNewlines(s: string): string {
  if (s.indexOf('\r') === -1 && s.indexOf('\n') === -1) return s;
  return s.replace(/[\r\n]/g, ' ');
}

/** Encode one reply on its own (tests, pre-encoded constants). */
export function encodeReply(r: Reply, resp: 2 | 3 = 2): Buffer {
  const w = new ReplyWriter();
  w.write(r, resp);
  return w.take();
}
