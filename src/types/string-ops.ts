/**
 * Pure operations on binary strings (one char per byte) behind the string and
 * bitmap commands: ranges, bit counting and searching, bitfields, bitwise ops and
 * LCS. No keyspace, no replies: callers map results to Redis's answers.
 */

/**
 * An option keyword as Redis's C code compares it: strcasecmp/char tests stop at
 * the first NUL byte, so "NX\0junk" is NX. Returned lower-cased.
 */
export function keyword(s: string): string {
  const z = s.indexOf('\0');
  return (z === -1 ? s : s.slice(0, z)).toLowerCase();
}

/** V8's maximum string length: values beyond it cannot be held (proto-max-bulk-len may be larger). */
export const MAX_STRING_BYTES = 2 ** 29 - 24;

/**
 * GETRANGE's index arithmetic (Redis 7.2): negative indexes count from the end,
 * both are clamped, and an empty range gives "". Returns [start, endInclusive] or null.
 */
export function byteRange(len: number, start: number, end: number): [number, number] | null {
  if (start < 0 && end < 0 && start > end) return null;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return null;
  return [start, end];
}

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/** Number of set bits in bytes [from, to] (inclusive) of `s`. */
export function popcount(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i <= to; i++) n += POPCOUNT[s.charCodeAt(i)]!;
  return n;
}

/** Number of set bits in bit positions [from, to] (inclusive), bit 0 = MSB of byte 0. */
export function popcountBits(s: string, from: number, to: number): number {
  const fb = Math.floor(from / 8);
  const lb = Math.floor(to / 8);
  if (fb === lb) {
    const mask = (0xff >> (from & 7)) & (0xff << (7 - (to & 7)));
    return POPCOUNT[s.charCodeAt(fb) & mask & 0xff]!;
  }
  let n = POPCOUNT[s.charCodeAt(fb) & (0xff >> (from & 7))]!;
  n += POPCOUNT[s.charCodeAt(lb) & (0xff << (7 - (to & 7))) & 0xff]!;
  if (lb - fb > 1) n += popcount(s, fb + 1, lb - 1);
  return n;
}

/**
 * First bit equal to `bit` in bit positions [from, to] (inclusive), or -1.
 * Works a byte at a time, skipping bytes that cannot contain the bit.
 */
export function findBit(s: string, bit: 0 | 1, from: number, to: number): number {
  const skip = bit === 1 ? 0 : 0xff;
  let pos = from;
  while (pos <= to) {
    const byteIdx = pos >> 3;
    const byte = s.charCodeAt(byteIdx);
    if ((pos & 7) === 0 && pos + 7 <= to && byte === skip) {
      pos += 8;
      continue;
    }
    const v = (byte >> (7 - (pos & 7))) & 1;
    if (v === bit) return pos;
    pos++;
  }
  return -1;
}

/**
 * Reads `bits` bits (1..64) at bit `offset` as an unsigned value from a string or a
 * buffer; bytes beyond the end read as 0.
 */
export function getBitfield(src: string | Buffer, offset: number, bits: number): bigint {
  const isStr = typeof src === 'string';
  const len = src.length;
  const byteAt = (i: number): number => (i >= len ? 0 : isStr ? (src as string).charCodeAt(i) : (src as Buffer)[i]!);
  // up to 48 bits fit a JS number exactly: avoid BigInt work in the common case
  if (bits <= 48) {
    let n = 0;
    for (let j = 0; j < bits; j++) {
      const pos = offset + j;
      n = n * 2 + ((byteAt(Math.floor(pos / 8)) >> (7 - (pos % 8))) & 1);
    }
    return BigInt(n);
  }
  let v = 0n;
  for (let j = 0; j < bits; j++) {
    const pos = offset + j;
    v = (v << 1n) | BigInt((byteAt(Math.floor(pos / 8)) >> (7 - (pos % 8))) & 1);
  }
  return v;
}

/** Writes the low `bits` bits of `value` (two's complement for negatives) at bit `offset` into `buf`. */
export function setBitfield(buf: Buffer, offset: number, bits: number, value: bigint): void {
  const u = BigInt.asUintN(bits, value);
  for (let j = 0; j < bits; j++) {
    const bitval = Number((u >> BigInt(bits - 1 - j)) & 1n);
    const pos = offset + j;
    const byteIdx = Math.floor(pos / 8);
    const sh = 7 - (pos % 8);
    buf[byteIdx] = (buf[byteIdx]! & ~(1 << sh)) | (bitval << sh);
  }
}

export type Overflow = 'wrap' | 'sat' | 'fail';

/**
 * BITFIELD's overflow rule for `value + incr` stored in a field of `bits` bits, as
 * Redis's checkSignedBitfieldOverflow / checkUnsignedBitfieldOverflow compute it —
 * including their 64-bit wrap-around in the intermediate "room left" values, which
 * makes e.g. a SAT write of -2^63 into an i18 saturate to the maximum. `value` is an
 * int64 (signed) or uint64 (unsigned) and `incr` an int64. Returns the value to store,
 * or null when OVERFLOW FAIL refuses the write.
 */
export function bitfieldResult(signed: boolean, bits: number, value: bigint, incr: bigint, mode: Overflow): { v: bigint } | null {
  let dir = 0;
  if (signed) {
    const max = bits === 64 ? 0x7fffffffffffffffn : (1n << BigInt(bits - 1)) - 1n;
    const min = -max - 1n;
    const maxincr = BigInt.asIntN(64, max - value);
    const minincr = BigInt.asIntN(64, min - value);
    if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) dir = 1;
    else if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) dir = -1;
    if (dir === 0) return { v: value + incr };
    if (mode === 'fail') return null;
    if (mode === 'sat') return { v: dir > 0 ? max : min };
    return { v: BigInt.asIntN(bits, value + incr) };
  }
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, -value);
  if (value > max || (incr > 0n && incr > maxincr)) dir = 1;
  else if (incr < 0n && incr < minincr) dir = -1;
  if (dir === 0) return { v: value + incr };
  if (mode === 'fail') return null;
  if (mode === 'sat') return { v: dir > 0 ? max : 0n };
  return { v: BigInt.asUintN(bits, value + incr) };
}

export type BitOp = 'and' | 'or' | 'xor' | 'not';

/** BITOP over source strings (missing keys as ""), result as long as the longest source. */
export function bitop(op: BitOp, srcs: readonly string[]): string {
  let maxlen = 0;
  for (const s of srcs) if (s.length > maxlen) maxlen = s.length;
  if (maxlen === 0) return '';
  const out = Buffer.alloc(maxlen);
  const bufs = srcs.map((s) => Buffer.from(s, 'latin1'));
  if (op === 'not') {
    const b = bufs[0]!;
    for (let i = 0; i < maxlen; i++) out[i] = ~(i < b.length ? b[i]! : 0) & 0xff;
    return out.toString('latin1');
  }
  const first = bufs[0]!;
  first.copy(out, 0);
  for (let k = 1; k < bufs.length; k++) {
    const b = bufs[k]!;
    const n = b.length;
    if (op === 'and') {
      for (let i = 0; i < n; i++) out[i]! &= b[i]!;
      out.fill(0, n);
    } else if (op === 'or') {
      for (let i = 0; i < n; i++) out[i]! |= b[i]!;
    } else {
      for (let i = 0; i < n; i++) out[i]! ^= b[i]!;
    }
  }
  return out.toString('latin1');
}

export interface LcsMatch {
  a: [number, number];
  b: [number, number];
  len: number;
}

export interface LcsResult {
  /** length of the longest common subsequence */
  length: number;
  /** the subsequence itself, when asked for */
  text: string;
  /** matching ranges from the end of the strings backwards, as Redis emits them */
  matches: LcsMatch[];
}

/**
 * Redis's LCS: the classic dynamic-programming table, then a walk back from the end
 * that prefers moving in `a` when the two neighbours tie the other way round, giving
 * exactly Redis's subsequence and ranges.
 */
export function lcs(a: string, b: string, wantText: boolean, wantMatches: boolean, minMatchLen: number): LcsResult {
  const alen = a.length;
  const blen = b.length;
  const w = blen + 1;
  const table = new Uint32Array((alen + 1) * w);
  for (let i = 1; i <= alen; i++) {
    const ac = a.charCodeAt(i - 1);
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ac === b.charCodeAt(j - 1)) table[row + j] = table[prev + j - 1]! + 1;
      else {
        const up = table[prev + j]!;
        const left = table[row + j - 1]!;
        table[row + j] = up > left ? up : left;
      }
    }
  }
  const length = table[alen * w + blen]!;
  const result: LcsResult = { length, text: '', matches: [] };
  if (!wantText && !wantMatches) return result;
  const chars = wantText ? Buffer.alloc(length) : null;
  let idx = length;
  let i = alen;
  let j = blen;
  // alen marks "no range open yet", as in Redis
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      if (chars !== null) chars[idx - 1] = a.charCodeAt(i - 1);
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const up = table[(i - 1) * w + j]!;
      const left = table[i * w + j - 1]!;
      if (up > left) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    const matchLen = aEnd - aStart + 1;
    if (emit) {
      if (wantMatches && (minMatchLen === 0 || matchLen >= minMatchLen)) {
        result.matches.push({ a: [aStart, aEnd], b: [bStart, bEnd], len: matchLen });
      }
      // consecutive matches are always diagonal neighbours, so an emitted range is closed
      aStart = alen;
    }
  }
  if (chars !== null) result.text = chars.toString('latin1');
  return result;
}
