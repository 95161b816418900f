/**
 * A growable output buffer with the RDB format's primitive writers: length prefixes,
 * strings (integer-encoded or LZF-compressed the way rdbSaveRawString chooses), times.
 */
import { lzfCompress } from './lzf.js';
import {
  RDB_14BITLEN,
  RDB_32BITLEN,
  RDB_64BITLEN,
  RDB_ENC_INT16,
  RDB_ENC_INT32,
  RDB_ENC_INT8,
  RDB_ENC_LZF,
  RDB_ENCVAL,
} from './rdb-constants.js';

/** Output up to this size is copied out of the working buffer; larger output is handed over. */
const TAKE_COPY_LIMIT = 1 << 16;

/**
 * A working buffer with room for `n` more bytes after the `used` ones: the capacity
 * doubles until they fit, and the used bytes are copied over (every growable writer of
 * the RDB codec grows the same way).
 */
export function grown(buf: Buffer, used: number, n: number): Buffer {
  let cap = buf.length * 2;
  while (cap < used + n) cap *= 2;
  const next = Buffer.allocUnsafe(cap);
  buf.copy(next, 0, 0, used);
  return next;
}

export class ByteSink {
  buf: Buffer;
  pos = 0;

  constructor(
    /** rdbcompression: try LZF on strings longer than 20 bytes */
    readonly compression: boolean,
    capacity = 256,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /**
   * Where output goes once it passes `spillAt` bytes in the middle of a write (`spillTo`);
   * null: everything stays in the buffer until `take()`.
   */
  private spill: ((chunk: Buffer) => void) | null = null;
  private spillAt = Infinity;

  /**
   * Streams: from now on, whenever the buffer holds `spillAt` bytes and needs room for more,
   * its content is handed to `out` (in order, each piece once) and the buffer starts over,
   * so one value of any size is encoded in bounded memory (a collection's elements are
   * written one by one; only a single element larger than `spillAt` grows the buffer).
   * `take()` returns what was written since the last piece. Null stops streaming.
   */
  spillTo(out: ((chunk: Buffer) => void) | null, spillAt = 1 << 20): void {
    this.spill = out;
    this.spillAt = out === null ? Infinity : Math.max(1, spillAt);
    // pieces are never larger than the working buffer: keep it within the spill size
    if (out !== null && this.pos === 0 && this.buf.length > this.spillAt) this.buf = Buffer.allocUnsafe(this.spillAt);
  }

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.spill !== null && this.pos > 0 && this.pos + n > this.spillAt) {
      const out = this.buf.subarray(0, this.pos);
      this.buf = Buffer.allocUnsafe(Math.max(n, Math.min(this.buf.length, this.spillAt)));
      this.pos = 0;
      this.spill(out);
      return;
    }
    this.buf = grown(this.buf, this.pos, n);
  }

  /**
   * Takes everything written so far and starts over. Small output is copied out so the
   * working buffer is reused (a keyspace of small keys allocates no 64 KiB buffer per
   * key); large output is handed over as is and a fresh working buffer started.
   */
  take(): Buffer {
    let out: Buffer;
    if (this.pos <= TAKE_COPY_LIMIT) {
      out = Buffer.from(this.buf.subarray(0, this.pos));
    } else {
      out = this.buf.subarray(0, this.pos);
      this.buf = Buffer.allocUnsafe(TAKE_COPY_LIMIT);
    }
    this.pos = 0;
    return out;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** rdbSaveLen: 6, 14, 32 or 64-bit length. Values beyond 2^53 come as bigint. */
  len(v: number | bigint): void {
    this.room(9);
    const b = this.buf;
    if (typeof v === 'bigint') {
      if (v >= 0n && v <= 0xffffffffn) return this.len(Number(v));
      b[this.pos++] = RDB_64BITLEN;
      b.writeBigUInt64BE(BigInt.asUintN(64, v), this.pos);
      this.pos += 8;
    } else if (v < 64) {
      b[this.pos++] = v;
    } else if (v < 16384) {
      b[this.pos++] = (RDB_14BITLEN << 6) | (v >>> 8);
      b[this.pos++] = v & 0xff;
    } else if (v <= 0xffffffff) {
      b[this.pos++] = RDB_32BITLEN;
      b.writeUInt32BE(v, this.pos);
      this.pos += 4;
    } else {
      b[this.pos++] = RDB_64BITLEN;
      b.writeBigUInt64BE(BigInt(v), this.pos);
      this.pos += 8;
    }
  }

  /**
   * rdbSaveRawString: a short canonical integer that fits 32 bits is stored as an
   * integer; a string longer than 20 bytes is LZF-compressed when compression is on and
   * it saves at least 4 bytes; anything else is stored as length + bytes.
   */
  string(s: string): void {
    const n = s.length;
    if (n <= 11 && n > 0 && this.tryIntString(s)) return;
    if (this.compression && n > 20) {
      // long enough to try LZF: the same path as raw bytes
      this.blob(Buffer.from(s, 'latin1'));
      return;
    }
    this.len(n);
    this.room(n);
    this.buf.write(s, this.pos, n, 'latin1');
    this.pos += n;
  }

  /** Raw bytes as an RDB string (listpacks, intsets): compressed like any string. */
  blob(b: Uint8Array): void {
    const n = b.length;
    if (this.compression && n > 20) {
      const c = lzfCompress(b, n - 4);
      if (c !== null) {
        this.u8((RDB_ENCVAL << 6) | RDB_ENC_LZF);
        this.len(c.length);
        this.len(n);
        this.bytes(c);
        return;
      }
    }
    this.len(n);
    this.bytes(b);
  }

  /** rdbTryIntegerEncoding: canonical decimal in the int32 range. */
  private tryIntString(s: string): boolean {
    let i = 0;
    const n = s.length;
    if (s.charCodeAt(0) === 45) {
      if (n === 1) return false;
      i = 1;
    }
    const first = s.charCodeAt(i);
    if (first === 48) {
      if (n !== 1) return false;
    } else if (first < 49 || first > 57) return false;
    for (let j = i + 1; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c < 48 || c > 57) return false;
    }
    const v = Number(s);
    this.room(5);
    const b = this.buf;
    if (v >= -128 && v <= 127) {
      b[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
      b.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      b[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
      b.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      b[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
      b.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else {
      return false;
    }
    return true;
  }

  /** rdbSaveMillisecondTime: 8 bytes little-endian. */
  millis(v: number | bigint): void {
    this.room(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)), this.pos);
    this.pos += 8;
  }

  /** rdbSaveBinaryDoubleValue: IEEE 754, little-endian. */
  double(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }
}
