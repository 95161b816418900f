/**
 * Input for the RDB reader and RESTORE: a whole Buffer, or a file read through a sliding
 * window (so a huge dump is never held in memory at once), with the RDB primitives on top
 * (length prefixes, encoded strings, times) and a running CRC-64 over consumed bytes.
 * Every failure is an RdbFormatError carrying the absolute offset.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Crc64 } from './crc64.js';
import { lzfDecompress, LzfError } from './lzf.js';
import { RdbFormatError } from './rdb-error.js';
import { RDB_14BITLEN, RDB_32BITLEN, RDB_64BITLEN, RDB_6BITLEN, RDB_ENC_INT16, RDB_ENC_INT32, RDB_ENC_INT8, RDB_ENC_LZF, RDB_ENCVAL } from './rdb-constants.js';

const WINDOW = 1 << 20;
/** LZF never expands more than this much per compressed byte (a 2-byte reference → 9 bytes, a 3-byte one → 264). */
const LZF_MAX_RATIO = 132;

/** A length prefix: a plain length, or the marker of a specially encoded string. */
export interface LenPrefix {
  len: number | bigint;
  encoded: boolean;
}

export class ByteSource {
  private buf: Buffer;
  /** read position inside buf */
  private pos = 0;
  /** bytes of buf holding data */
  private end: number;
  /** absolute offset of buf[0] */
  private base = 0;
  /** absolute offset up to which the CRC has been computed */
  private crcPos = 0;
  private readonly crc: Crc64 | null;

  private constructor(
    buf: Buffer,
    end: number,
    readonly size: number,
    private fd: number | null,
    checksum: boolean,
  ) {
    this.buf = buf;
    this.end = end;
    this.crc = checksum ? new Crc64() : null;
  }

  static fromBuffer(buf: Buffer, checksum = true): ByteSource {
    return new ByteSource(buf, buf.length, buf.length, null, checksum);
  }

  static openFile(path: string, checksum = true): ByteSource {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const src = new ByteSource(Buffer.allocUnsafe(Math.min(WINDOW, Math.max(size, 16))), 0, size, fd, checksum);
      return src;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Absolute offset of the next byte to read. */
  get offset(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.size - this.offset;
  }

  fail(reason: string, offset = this.offset): never {
    throw new RdbFormatError(reason, offset);
  }

  /** Makes `n` bytes available at the read position (or fails: the data is truncated). */
  ensure(n: number): void {
    if (this.end - this.pos >= n) return;
    if (this.fd === null || this.offset + n > this.size) {
      this.fail(`unexpected end of file: ${n} byte${n === 1 ? '' : 's'} needed, ${this.size - this.offset} left`);
    }
    // the CRC must see the bytes that are about to leave the window
    this.crcUpTo(this.offset);
    const keep = this.end - this.pos;
    if (n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(next, 0, this.pos, this.end);
      this.buf = next;
    } else {
      this.buf.copy(this.buf, 0, this.pos, this.end);
    }
    this.base += this.pos;
    this.pos = 0;
    this.end = keep;
    while (this.end < n) {
      const want = Math.min(this.buf.length - this.end, this.size - (this.base + this.end));
      const got = readSync(this.fd, this.buf, this.end, want, this.base + this.end);
      if (got <= 0) this.fail('unexpected end of file while reading');
      this.end += got;
    }
  }

  /** Feeds consumed bytes up to absolute offset `abs` to the CRC. */
  crcUpTo(abs: number): void {
    if (this.crc === null || abs <= this.crcPos) return;
    this.crc.update(this.buf, this.crcPos - this.base, abs - this.base);
    this.crcPos = abs;
  }

  /** The CRC of everything before the read position. */
  crcSoFar(): Crc64 | null {
    this.crcUpTo(this.offset);
    return this.crc;
  }

  u8(): number {
    this.ensure(1);
    return this.buf[this.pos++]!;
  }

  /** `n` bytes as a view, valid until the next read. */
  take(n: number): Buffer {
    this.ensure(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** `n` bytes as a binary string. */
  takeString(n: number): string {
    if (n > this.remaining) this.fail(`unexpected end of file: a ${n}-byte string with ${this.remaining} bytes left (truncated file or bad length)`);
    this.ensure(n);
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** rdbLoadLen, keeping the special-encoding marker. */
  lenPrefix(): LenPrefix {
    const at = this.offset;
    const b = this.u8();
    const kind = b >>> 6;
    if (kind === RDB_ENCVAL) return { len: b & 0x3f, encoded: true };
    if (kind === RDB_6BITLEN) return { len: b & 0x3f, encoded: false };
    if (kind === RDB_14BITLEN) return { len: ((b & 0x3f) << 8) | this.u8(), encoded: false };
    if (b === RDB_32BITLEN) {
      const v = this.take(4).readUInt32BE(0);
      return { len: v, encoded: false };
    }
    if (b === RDB_64BITLEN) {
      const v = this.take(8).readBigUInt64BE(0);
      return { len: v <= 9007199254740991n ? Number(v) : v, encoded: false };
    }
    this.fail(`unknown length encoding 0x${b.toString(16)}`, at);
  }

  /** A length that must be a plain number (counts, sizes). */
  len(what: string): number {
    const at = this.offset;
    const p = this.lenPrefix();
    if (p.encoded) this.fail(`${what}: expected a length, found a string encoding`, at);
    if (typeof p.len !== 'number') this.fail(`${what}: length ${p.len} is too large`, at);
    return p.len;
  }

  /** A length read as an unsigned 64-bit value (stream IDs, counters). */
  u64len(what: string): number | bigint {
    const at = this.offset;
    const p = this.lenPrefix();
    if (p.encoded) this.fail(`${what}: expected a length, found a string encoding`, at);
    return p.len;
  }

  /** A count of things that each take at least one byte: bounded by what is left. */
  count(what: string): number {
    const at = this.offset;
    const n = this.len(what);
    if (n > this.remaining) this.fail(`${what}: count ${n} exceeds the ${this.remaining} bytes left (truncated file or bad length)`, at);
    return n;
  }

  /** rdbGenericLoadStringObject as a binary string. */
  string(what = 'string'): string {
    const at = this.offset;
    const p = this.lenPrefix();
    if (!p.encoded) {
      if (typeof p.len !== 'number') this.fail(`${what}: length ${p.len} is too large`, at);
      return this.takeString(p.len);
    }
    switch (p.len) {
      case RDB_ENC_INT8:
        return String(this.take(1).readInt8(0));
      case RDB_ENC_INT16:
        return String(this.take(2).readInt16LE(0));
      case RDB_ENC_INT32:
        return String(this.take(4).readInt32LE(0));
      case RDB_ENC_LZF:
        return this.lzf(what, at).toString('latin1');
      default:
        this.fail(`${what}: unknown string encoding ${p.len}`, at);
    }
  }

  /** A string as bytes (listpacks, intsets…): a view valid until the next read, or a fresh buffer. */
  blob(what: string): Buffer {
    const at = this.offset;
    const p = this.lenPrefix();
    if (!p.encoded) {
      if (typeof p.len !== 'number' || p.len > this.remaining) this.fail(`${what}: length ${p.len} exceeds the ${this.remaining} bytes left (truncated file or bad length)`, at);
      return this.take(p.len);
    }
    if (p.len === RDB_ENC_LZF) return this.lzf(what, at);
    // an integer-encoded string where a blob belongs
    this.fail(`${what}: integer-encoded where a binary blob is expected`, at);
  }

  private lzf(what: string, at: number): Buffer {
    const clen = this.len(`${what} (compressed length)`);
    const len = this.len(`${what} (uncompressed length)`);
    if (clen > this.remaining) this.fail(`${what}: compressed length ${clen} exceeds the ${this.remaining} bytes left (truncated file or bad length)`, at);
    if (len === 0 || len > clen * LZF_MAX_RATIO + 32) this.fail(`${what}: LZF lengths ${clen} → ${len} are impossible`, at);
    const data = this.take(clen);
    try {
      return lzfDecompress(data, len);
    } catch (e) {
      if (e instanceof LzfError) this.fail(`${what}: invalid LZF data (${e.message})`, at);
      throw e;
    }
  }

  /** rdbLoadMillisecondTime: 8 bytes little-endian, signed. */
  millis(): number | bigint {
    const v = this.take(8).readBigInt64LE(0);
    return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  }

  /** rdbLoadBinaryDoubleValue */
  double(): number {
    return this.take(8).readDoubleLE(0);
  }

  /** rdbLoadDoubleValue (RDB_TYPE_ZSET): a length byte (253 nan, 254 +inf, 255 -inf) and ASCII. */
  asciiDouble(): number {
    const at = this.offset;
    const n = this.u8();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    const text = this.takeString(n);
    const v = Number(text);
    if (Number.isNaN(v) && !/^\s*nan\s*$/i.test(text)) this.fail(`invalid double value ${JSON.stringify(text)}`, at);
    return v;
  }
}
