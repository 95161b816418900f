/**
 * Redis's zipmap (zipmap.c): the small-hash encoding of RDB type 9 (Redis before 2.6).
 * Decode only. Layout: count byte (254+ = unknown), then pairs of
 * <len>key <len><free>value<free bytes>, where <len> is one byte below 254 or 254 followed
 * by a u32 (little-endian, as written on x86); 0xFF ends the map.
 */
import { BlobFormatError } from './rdb-error.js';

/** Decodes to field, value, field, value… */
export function decodeZipmap(zm: Uint8Array): string[] {
  const total = zm.length;
  const buf = Buffer.from(zm.buffer, zm.byteOffset, zm.byteLength);
  if (total < 2) throw new BlobFormatError('zipmap shorter than its header', 0);
  const out: string[] = [];
  let p = 1;
  const readLen = (): number => {
    if (p >= total) throw new BlobFormatError('zipmap entry beyond its end', p);
    const b = zm[p]!;
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      if (p + 5 > total) throw new BlobFormatError('zipmap length beyond its end', p);
      const v = buf.readUInt32LE(p + 1);
      p += 5;
      return v;
    }
    throw new BlobFormatError('zipmap length with invalid marker', p);
  };
  for (;;) {
    if (p >= total) throw new BlobFormatError('zipmap without terminator', p);
    if (zm[p] === 0xff) {
      if (p !== total - 1) throw new BlobFormatError('zipmap terminator before its end', p);
      break;
    }
    const klen = readLen();
    if (p + klen > total) throw new BlobFormatError('zipmap key beyond its end', p);
    out.push(buf.toString('latin1', p, p + klen));
    p += klen;
    const vlen = readLen();
    if (p >= total) throw new BlobFormatError('zipmap value beyond its end', p);
    const free = zm[p]!;
    p += 1;
    if (p + vlen + free > total) throw new BlobFormatError('zipmap value beyond its end', p);
    out.push(buf.toString('latin1', p, p + vlen));
    p += vlen + free;
  }
  return out;
}
