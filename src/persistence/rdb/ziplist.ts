/**
 * Redis's ziplist (ziplist.c), replaced by listpack in Redis 7 but still found in dumps
 * written by older versions (RDB types 10, 12, 13, and the nodes of type 14). Decode only.
 *
 * Layout: total bytes (u32 LE), offset of the last entry (u32 LE), count (u16 LE,
 * 65535 = "count it"), entries, 0xFF. An entry: previous entry length (1 byte, or 0xFE +
 * u32 LE), encoding, data:
 *   00pppppp             string, 6-bit length
 *   01pppppp qqqqqqqq    string, 14-bit length (big-endian)
 *   10000000 + u32 BE    string, 32-bit length
 *   11000000 int16, 11010000 int32, 11100000 int64, 11110000 int24, 11111110 int8 (LE)
 *   1111pppp             pppp in 0001..1101: the integer pppp - 1 (0..12)
 */
import { BlobFormatError } from './rdb-error.js';

const ZL_HEADER_SIZE = 10;

export function decodeZiplist(zl: Uint8Array): string[] {
  const total = zl.length;
  if (total < ZL_HEADER_SIZE + 1) throw new BlobFormatError('ziplist shorter than its header', 0);
  const buf = Buffer.from(zl.buffer, zl.byteOffset, zl.byteLength);
  if (buf.readUInt32LE(0) !== total) throw new BlobFormatError(`ziplist header says ${buf.readUInt32LE(0)} bytes, blob has ${total}`, 0);
  const declaredCount = buf.readUInt16LE(8);
  const out: string[] = [];
  let p = ZL_HEADER_SIZE;
  let prevLen = 0;
  for (;;) {
    if (p >= total) throw new BlobFormatError('ziplist without terminator', p);
    if (zl[p] === 0xff) {
      if (p !== total - 1) throw new BlobFormatError('ziplist terminator before its end', p);
      break;
    }
    const start = p;
    let storedPrev: number;
    if (zl[p]! < 254) {
      storedPrev = zl[p]!;
      p += 1;
    } else {
      if (zl[p] !== 254 || p + 5 > total) throw new BlobFormatError('ziplist entry with a bad previous-length field', p);
      storedPrev = buf.readUInt32LE(p + 1);
      p += 5;
    }
    if (storedPrev !== prevLen) throw new BlobFormatError('ziplist entry with a wrong previous-length', start);
    if (p >= total) throw new BlobFormatError('ziplist entry beyond its end', p);
    const enc = zl[p]!;
    const need = (n: number) => {
      if (p + n > total) throw new BlobFormatError('ziplist entry beyond its end', start);
    };
    switch (enc >>> 6) {
      case 0: {
        const len = enc & 0x3f;
        need(1 + len);
        out.push(buf.toString('latin1', p + 1, p + 1 + len));
        p += 1 + len;
        break;
      }
      case 1: {
        need(2);
        const len = ((enc & 0x3f) << 8) | zl[p + 1]!;
        need(2 + len);
        out.push(buf.toString('latin1', p + 2, p + 2 + len));
        p += 2 + len;
        break;
      }
      case 2: {
        if (enc !== 0x80) throw new BlobFormatError(`ziplist entry with invalid encoding 0x${enc.toString(16)}`, p);
        need(5);
        const len = buf.readUInt32BE(p + 1);
        need(5 + len);
        out.push(buf.toString('latin1', p + 5, p + 5 + len));
        p += 5 + len;
        break;
      }
      default: {
        if (enc === 0xc0) {
          need(3);
          out.push(String(buf.readInt16LE(p + 1)));
          p += 3;
        } else if (enc === 0xd0) {
          need(5);
          out.push(String(buf.readInt32LE(p + 1)));
          p += 5;
        } else if (enc === 0xe0) {
          need(9);
          out.push(buf.readBigInt64LE(p + 1).toString());
          p += 9;
        } else if (enc === 0xf0) {
          need(4);
          out.push(String(buf.readIntLE(p + 1, 3)));
          p += 4;
        } else if (enc === 0xfe) {
          need(2);
          out.push(String(buf.readInt8(p + 1)));
          p += 2;
        } else if (enc >= 0xf1 && enc <= 0xfd) {
          out.push(String((enc & 0x0f) - 1));
          p += 1;
        } else {
          throw new BlobFormatError(`ziplist entry with invalid encoding 0x${enc.toString(16)}`, p);
        }
      }
    }
    prevLen = p - start;
  }
  if (declaredCount !== 65535 && declaredCount !== out.length) {
    throw new BlobFormatError(`ziplist header counts ${declaredCount} entries, blob holds ${out.length}`, 8);
  }
  return out;
}
