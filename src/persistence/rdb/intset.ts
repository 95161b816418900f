/**
 * Redis's intset (intset.c): a sorted array of distinct integers, all of one width.
 * Layout: encoding (u32 LE: 2, 4 or 8 = bytes per element), length (u32 LE), then the
 * elements little-endian in ascending order.
 */
import { BlobFormatError } from './rdb-error.js';

/** Encodes distinct integers (in any order) as an intset of the smallest width that fits. */
export function encodeIntset(values: Iterable<number | bigint>): Buffer {
  const big: bigint[] = [];
  for (const v of values) big.push(BigInt(v));
  big.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of big) {
    if (v < -2147483648n || v > 2147483647n) {
      width = 8;
      break;
    }
    if (v < -32768n || v > 32767n) width = 4;
  }
  const out = Buffer.allocUnsafe(8 + width * big.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(big.length, 4);
  let p = 8;
  for (const v of big) {
    if (width === 2) out.writeInt16LE(Number(v), p);
    else if (width === 4) out.writeInt32LE(Number(v), p);
    else out.writeBigInt64LE(v, p);
    p += width;
  }
  return out;
}

/**
 * Decodes an intset to the decimal text of its elements (ascending), checking the header,
 * the size, and that elements are strictly increasing (Redis's deep integrity check).
 */
export function decodeIntset(blob: Uint8Array): string[] {
  if (blob.length < 8) throw new BlobFormatError('intset shorter than its header', 0);
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const width = buf.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) throw new BlobFormatError(`intset with invalid encoding ${width}`, 0);
  const count = buf.readUInt32LE(4);
  if (8 + count * width !== blob.length) throw new BlobFormatError(`intset of ${count} elements of ${width} bytes in ${blob.length} bytes`, 4);
  const out: string[] = new Array(count);
  let prev: bigint | null = null;
  for (let i = 0, p = 8; i < count; i++, p += width) {
    const v = width === 2 ? BigInt(buf.readInt16LE(p)) : width === 4 ? BigInt(buf.readInt32LE(p)) : buf.readBigInt64LE(p);
    if (prev !== null && v <= prev) throw new BlobFormatError('intset elements not strictly increasing', p);
    prev = v;
    out[i] = v.toString();
  }
  return out;
}
