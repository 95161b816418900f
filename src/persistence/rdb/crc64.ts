/**
 * Redis's CRC-64 (the "Jones" polynomial 0xad93d23594c935a9, reflected input and output,
 * initial value 0, no final xor): the checksum of RDB files and DUMP payloads.
 * crc64(0, "123456789") = 0xe9c6d914c4b8d9ca.
 *
 * The 64-bit state is kept as two unsigned 32-bit halves so the inner loop never touches
 * a BigInt, and input is consumed eight bytes at a time with eight lookup tables
 * ("slicing-by-8"): one table lookup per byte, no per-byte shift chain.
 */

/** The reflected polynomial (bit-reversed 0xad93d23594c935a9), as two halves. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

/**
 * TABLES_HI[k*256 + n] / TABLES_LO[…]: the CRC of byte n followed by k zero bytes. Signed
 * 32-bit storage keeps every value a small integer for V8 (an unsigned value above 2^31
 * would be boxed as a double on each read, several times slower).
 */
const TABLES_HI = new Int32Array(8 * 256);
const TABLES_LO = new Int32Array(8 * 256);

for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry !== 0) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLES_HI[n] = hi;
  TABLES_LO[n] = lo;
}
for (let k = 1; k < 8; k++) {
  for (let n = 0; n < 256; n++) {
    const phi = TABLES_HI[(k - 1) * 256 + n]!;
    const plo = TABLES_LO[(k - 1) * 256 + n]!;
    const idx = plo & 0xff;
    TABLES_HI[k * 256 + n] = ((phi >>> 8) ^ TABLES_HI[idx]!) >>> 0;
    TABLES_LO[k * 256 + n] = (((plo >>> 8) | (phi << 24)) ^ TABLES_LO[idx]!) >>> 0;
  }
}

/**
 * A running CRC-64. `update` may be called with any chunking; the result equals the CRC
 * of the concatenated input.
 */
export class Crc64 {
  private hi = 0;
  private lo = 0;

  constructor(initial: bigint = 0n) {
    this.hi = Number((initial >> 32n) & 0xffffffffn);
    this.lo = Number(initial & 0xffffffffn);
  }

  update(data: Uint8Array, start = 0, end = data.length): this {
    // the halves are handled as int32 bit patterns; only `>>>` shifts need care
    let hi = this.hi | 0;
    let lo = this.lo | 0;
    let i = start;
    const T_HI = TABLES_HI;
    const T_LO = TABLES_LO;
    // eight bytes per step
    const end8 = end - ((end - i) & 7);
    while (i < end8) {
      const a = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      const b = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
      const i7 = 1792 + (a & 0xff);
      const i6 = 1536 + ((a >>> 8) & 0xff);
      const i5 = 1280 + ((a >>> 16) & 0xff);
      const i4 = 1024 + (a >>> 24);
      const i3 = 768 + (b & 0xff);
      const i2 = 512 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      hi = T_HI[i7]! ^ T_HI[i6]! ^ T_HI[i5]! ^ T_HI[i4]! ^ T_HI[i3]! ^ T_HI[i2]! ^ T_HI[i1]! ^ T_HI[i0]!;
      lo = T_LO[i7]! ^ T_LO[i6]! ^ T_LO[i5]! ^ T_LO[i4]! ^ T_LO[i3]! ^ T_LO[i2]! ^ T_LO[i1]! ^ T_LO[i0]!;
      i += 8;
    }
    for (; i < end; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ T_LO[idx]!;
      hi = (hi >>> 8) ^ T_HI[idx]!;
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
    return this;
  }

  /** The CRC so far as an unsigned 64-bit value. */
  digest(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The CRC as Redis stores it after an RDB file or DUMP payload: 8 bytes, little-endian. */
  digestBytes(): Buffer {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32LE(this.lo, 0);
    b.writeUInt32LE(this.hi, 4);
    return b;
  }

  /** Whether 8 bytes at `buf[at]` (little-endian) equal the CRC so far. */
  matches(buf: Uint8Array, at: number): boolean {
    const lo = (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
    const hi = (buf[at + 4]! | (buf[at + 5]! << 8) | (buf[at + 6]! << 16) | (buf[at + 7]! << 24)) >>> 0;
    return lo === this.lo && hi === this.hi;
  }
}

/** CRC-64 of a whole buffer. */
export function crc64(data: Uint8Array, initial: bigint = 0n): bigint {
  return new Crc64(initial).update(data).digest();
}
