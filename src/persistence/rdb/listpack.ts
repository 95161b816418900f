/**
 * Redis's listpack (listpack.c): the compact encoding of small hashes, sorted sets, sets
 * (7.2), list nodes and stream nodes inside RDB files.
 *
 * Layout: total bytes (u32 LE), element count (u16 LE, 65535 = "count it"), entries, 0xFF.
 * An entry is an encoding byte (+ data) followed by its "back-length" (the size of
 * encoding + data, in 1..5 bytes, 7 bits per byte), which lets Redis walk backwards:
 *   0ppppppp            7-bit unsigned integer
 *   10pppppp            string, 6-bit length
 *   110ppppp qqqqqqqq   13-bit signed integer
 *   1110pppp qqqqqqqq   string, 12-bit length
 *   11110000 + u32 LE   string, 32-bit length
 *   11110001..11110100  16, 24, 32, 64-bit signed integer (LE)
 * A string that reads as a canonical 64-bit integer is stored as an integer, as Redis's
 * lpAppend does; elements decode to binary strings (integers as their decimal text).
 */
import { parseInteger } from '../../protocol/number-format.js';
import { BlobFormatError } from './rdb-error.js';
import { grown } from './byte-sink.js';

export const LP_HEADER_SIZE = 6;
const LP_EOF = 0xff;

/** An element to encode: a binary string, or an integer stored as such. */
export type LpElement = string | number | bigint;

/** Builds a listpack by appending elements. */
export class ListpackBuilder {
  private buf: Buffer;
  private pos = LP_HEADER_SIZE;
  private count = 0;

  constructor(sizeHint = 64) {
    this.buf = Buffer.allocUnsafe(Math.max(16, sizeHint));
  }

  private room(n: number): void {
    if (this.pos + n > this.buf.length) this.buf = grown(this.buf, this.pos, n);
  }

  get length(): number {
    return this.count;
  }

  /** Appends a string, as an integer when it is a canonical one (lpAppend). */
  append(s: string): this {
    if (s.length > 0 && s.length <= 20) {
      const v = parseInteger(s);
      if (v !== null) return this.appendInteger(v);
    }
    return this.appendString(s);
  }

  /** Appends a string with a string encoding, whatever it holds. */
  appendString(s: string): this {
    const n = s.length;
    let encLen: number;
    this.room(n + 10);
    const b = this.buf;
    let p = this.pos;
    if (n < 64) {
      b[p++] = 0x80 | n;
      encLen = 1 + n;
    } else if (n < 4096) {
      b[p++] = 0xe0 | (n >>> 8);
      b[p++] = n & 0xff;
      encLen = 2 + n;
    } else {
      b[p++] = 0xf0;
      b.writeUInt32LE(n, p);
      p += 4;
      encLen = 5 + n;
    }
    b.write(s, p, n, 'latin1');
    p += n;
    this.pos = writeBacklen(b, p, encLen);
    this.count++;
    return this;
  }

  /** Appends a signed 64-bit integer in the smallest integer encoding. */
  appendInteger(v: number | bigint): this {
    this.room(10);
    const b = this.buf;
    let p = this.pos;
    let encLen: number;
    if (typeof v === 'bigint') {
      if (v >= -2147483648n && v <= 2147483647n) return this.appendInteger(Number(v));
      b[p++] = 0xf4;
      b.writeBigInt64LE(BigInt.asIntN(64, v), p);
      p += 8;
      encLen = 9;
    } else if (v >= 0 && v <= 127) {
      b[p++] = v;
      encLen = 1;
    } else if (v >= -4096 && v <= 4095) {
      const u = v < 0 ? v + 8192 : v;
      b[p++] = 0xc0 | (u >>> 8);
      b[p++] = u & 0xff;
      encLen = 2;
    } else if (v >= -32768 && v <= 32767) {
      b[p++] = 0xf1;
      b.writeInt16LE(v, p);
      p += 2;
      encLen = 3;
    } else if (v >= -8388608 && v <= 8388607) {
      b[p++] = 0xf2;
      b.writeIntLE(v, p, 3);
      p += 3;
      encLen = 4;
    } else if (v >= -2147483648 && v <= 2147483647) {
      b[p++] = 0xf3;
      b.writeInt32LE(v, p);
      p += 4;
      encLen = 5;
    } else {
      b[p++] = 0xf4;
      b.writeBigInt64LE(BigInt(v), p);
      p += 8;
      encLen = 9;
    }
    this.pos = writeBacklen(b, p, encLen);
    this.count++;
    return this;
  }

  /** The finished listpack (a copy-free view of the internal buffer). */
  finish(): Buffer {
    this.room(1);
    this.buf[this.pos++] = LP_EOF;
    this.buf.writeUInt32LE(this.pos, 0);
    this.buf.writeUInt16LE(this.count < 65535 ? this.count : 65535, 4);
    return this.buf.subarray(0, this.pos);
  }
}

/** Bytes the back-length of an entry of `l` bytes takes. */
export function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

function writeBacklen(b: Buffer, p: number, l: number): number {
  // most significant 7-bit group first; every byte but the first has bit 7 set
  const size = backlenSize(l);
  for (let i = size - 1; i >= 0; i--) {
    const group = Math.floor(l / 2 ** (7 * i)) & 127;
    b[p++] = i === size - 1 ? group : group | 128;
  }
  return p;
}

/** Encodes elements into a listpack. */
export function encodeListpack(elements: Iterable<LpElement>): Buffer {
  const lp = new ListpackBuilder();
  for (const e of elements) {
    if (typeof e === 'string') lp.append(e);
    else lp.appendInteger(e);
  }
  return lp.finish();
}

/** A decoded element: strings as binary strings, integers as numbers (bigint beyond 2^53). */
export type LpValue = string | number | bigint;

/**
 * Decodes a listpack, checking its structure (header size, every entry within bounds, its
 * back-length, the terminator, the count when the header knows it). Integer elements come
 * back as numbers (or bigints) when `keepIntegers`, else as their decimal text.
 */
export function decodeListpack(lp: Uint8Array, keepIntegers = false): LpValue[] {
  const total = lp.length;
  if (total < LP_HEADER_SIZE + 1) throw new BlobFormatError('listpack shorter than its header', 0);
  const declared = (lp[0]! | (lp[1]! << 8) | (lp[2]! << 16) | (lp[3]! << 24)) >>> 0;
  if (declared !== total) throw new BlobFormatError(`listpack header says ${declared} bytes, blob has ${total}`, 0);
  const declaredCount = lp[4]! | (lp[5]! << 8);
  const out: LpValue[] = [];
  let p = LP_HEADER_SIZE;
  const buf = Buffer.from(lp.buffer, lp.byteOffset, lp.byteLength);
  for (;;) {
    if (p >= total) throw new BlobFormatError('listpack without terminator', p);
    const b = lp[p]!;
    if (b === LP_EOF) {
      if (p !== total - 1) throw new BlobFormatError('listpack terminator before its end', p);
      break;
    }
    const start = p;
    let v: LpValue;
    let dataEnd: number;
    if ((b & 0x80) === 0) {
      v = b;
      dataEnd = p + 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      dataEnd = p + 1 + len;
      if (dataEnd > total) throw new BlobFormatError('listpack string beyond its end', p);
      v = buf.toString('latin1', p + 1, dataEnd);
    } else if ((b & 0xe0) === 0xc0) {
      if (p + 2 > total) throw new BlobFormatError('listpack entry beyond its end', p);
      const u = ((b & 0x1f) << 8) | lp[p + 1]!;
      v = u >= 4096 ? u - 8192 : u;
      dataEnd = p + 2;
    } else if ((b & 0xf0) === 0xe0) {
      if (p + 2 > total) throw new BlobFormatError('listpack entry beyond its end', p);
      const len = ((b & 0x0f) << 8) | lp[p + 1]!;
      dataEnd = p + 2 + len;
      if (dataEnd > total) throw new BlobFormatError('listpack string beyond its end', p);
      v = buf.toString('latin1', p + 2, dataEnd);
    } else {
      switch (b) {
        case 0xf0: {
          if (p + 5 > total) throw new BlobFormatError('listpack entry beyond its end', p);
          const len = buf.readUInt32LE(p + 1);
          dataEnd = p + 5 + len;
          if (dataEnd > total) throw new BlobFormatError('listpack string beyond its end', p);
          v = buf.toString('latin1', p + 5, dataEnd);
          break;
        }
        case 0xf1:
          dataEnd = p + 3;
          if (dataEnd > total) throw new BlobFormatError('listpack entry beyond its end', p);
          v = buf.readInt16LE(p + 1);
          break;
        case 0xf2:
          dataEnd = p + 4;
          if (dataEnd > total) throw new BlobFormatError('listpack entry beyond its end', p);
          v = buf.readIntLE(p + 1, 3);
          break;
        case 0xf3:
          dataEnd = p + 5;
          if (dataEnd > total) throw new BlobFormatError('listpack entry beyond its end', p);
          v = buf.readInt32LE(p + 1);
          break;
        case 0xf4: {
          dataEnd = p + 9;
          if (dataEnd > total) throw new BlobFormatError('listpack entry beyond its end', p);
          const big = buf.readBigInt64LE(p + 1);
          v = big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
          break;
        }
        default:
          throw new BlobFormatError(`listpack entry with invalid encoding byte 0x${b.toString(16)}`, p);
      }
    }
    const encLen = dataEnd - start;
    const bl = backlenSize(encLen);
    if (dataEnd + bl > total) throw new BlobFormatError('listpack back-length beyond its end', dataEnd);
    if (readBacklen(lp, dataEnd, bl) !== encLen) throw new BlobFormatError('listpack entry with a wrong back-length', dataEnd);
    p = dataEnd + bl;
    out.push(keepIntegers || typeof v === 'string' ? v : String(v));
  }
  if (declaredCount !== 65535 && declaredCount !== out.length) {
    throw new BlobFormatError(`listpack header counts ${declaredCount} elements, blob holds ${out.length}`, 4);
  }
  return out;
}

function readBacklen(lp: Uint8Array, at: number, size: number): number {
  let v = 0;
  for (let i = 0; i < size; i++) v = v * 128 + (lp[at + i]! & 127);
  return v;
}
