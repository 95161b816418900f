/**
 * HyperLogLog in Redis's own string format, so GET of an HLL key returns Redis's bytes
 * and a string written by Redis (or by DUMP/GET + SET) works here unchanged.
 *
 * Layout (all facts of the format, Redis 7.2 hyperloglog.c):
 * - a 16-byte header: "HYLL", one encoding byte (0 dense, 1 sparse), three unused zero
 *   bytes, then the cached cardinality as 8 little-endian bytes; the top bit of the last
 *   byte set means "cache invalid";
 * - 2^14 registers of 6 bits. Dense: 12288 bytes, register i at bit i*6, least significant
 *   bits first. Sparse: run-length opcodes — ZERO `00nnnnnn` (1..64 zero registers),
 *   XZERO `01nnnnnn nnnnnnnn` (1..16384 zero registers), VAL `1vvvvvnn` (1..4 registers of
 *   value 1..32).
 * - An element hashes with MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the
 *   register, the count of trailing zeros of the remaining 50 bits plus one (at most 51)
 *   is the value a register keeps the maximum of.
 * - A sparse HLL becomes dense when a value above 32 must be stored or when an edit would
 *   make it longer than hll-sparse-max-bytes; edits split and merge opcodes exactly as
 *   Redis does, which is what makes the bytes identical.
 * - The estimate is Ertl's improved estimator over the register histogram, in doubles.
 */

export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_Q = 64 - HLL_P;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS) / 8;
const HLL_DENSE = 0;
const HLL_SPARSE = 1;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.72134752044448170368;

/** Whether a string value has a usable HLL header (isHLLObjectOrReply). */
export function isHllString(s: string): boolean {
  if (s.length < HLL_HDR_SIZE) return false;
  if (s.charCodeAt(0) !== 0x48 || s.charCodeAt(1) !== 0x59 || s.charCodeAt(2) !== 0x4c || s.charCodeAt(3) !== 0x4c) return false;
  const enc = s.charCodeAt(4);
  if (enc > HLL_SPARSE) return false;
  return enc !== HLL_DENSE || s.length === HLL_DENSE_SIZE;
}

// ---- MurmurHash64A on 32-bit halves (JS numbers), exact modulo 2^64 ----

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const SEED = 0xadc83b19;

let rHi = 0;
let rLo = 0;

/** (ah:al) * (bh:bl) mod 2^64 into rHi:rLo. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^33
  const carry = Math.floor(low / 4294967296);
  const high = a1 * b1 + Math.floor(mid / 65536) + carry;
  rLo = low >>> 0;
  rHi = (high + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** Byte `i` of a binary string (one char per byte). */
function byteAt(s: string, i: number): number {
  return s.charCodeAt(i) & 0xff;
}

/**
 * Register index and value for an element (hllPatLen): index = low 14 bits of the hash,
 * value = trailing zeros of the other 50 bits (a sentinel bit caps it) plus one.
 */
export function patLen(ele: string): { index: number; count: number } {
  hash64(ele);
  const index = rLo & (HLL_REGISTERS - 1);
  const vLo = ((rLo >>> HLL_P) | (rHi << (32 - HLL_P))) >>> 0;
  const vHi = (rHi >>> HLL_P) | (1 << (HLL_Q - 32));
  const tz = vLo !== 0 ? 31 - Math.clz32(vLo & -vLo) : 32 + (31 - Math.clz32(vHi & -vHi));
  return { index, count: tz + 1 };
}

/** MurmurHash64A(ele, len, 0xadc83b19) into rHi:rLo. */
export function hash64(ele: string): void {
  const len = ele.length;
  mul64(0, len, M_HI, M_LO);
  let hHi = rHi;
  let hLo = (rLo ^ SEED) >>> 0;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let kLo = (byteAt(ele, i) | (byteAt(ele, i + 1) << 8) | (byteAt(ele, i + 2) << 16) | (byteAt(ele, i + 3) << 24)) >>> 0;
    let kHi = (byteAt(ele, i + 4) | (byteAt(ele, i + 5) << 8) | (byteAt(ele, i + 6) << 16) | (byteAt(ele, i + 7) << 24)) >>> 0;
    mul64(kHi, kLo, M_HI, M_LO);
    kHi = rHi;
    kLo = (rLo ^ (kHi >>> 15)) >>> 0; // k ^= k >> 47
    mul64(kHi, kLo, M_HI, M_LO);
    hHi = (hHi ^ rHi) >>> 0;
    hLo = (hLo ^ rLo) >>> 0;
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
  }
  const tail = len & 7;
  if (tail > 0) {
    for (let j = tail - 1; j >= 0; j--) {
      const b = byteAt(ele, blocks + j);
      if (j >= 4) hHi = (hHi ^ (b << (8 * (j - 4)))) >>> 0;
      else hLo = (hLo ^ (b << (8 * j))) >>> 0;
    }
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mul64(hHi, hLo, M_HI, M_LO);
  hHi = rHi;
  hLo = (rLo ^ (rHi >>> 15)) >>> 0;
  rHi = hHi;
  rLo = hLo;
}

/** The 64-bit hash as a bigint (tests compare it with a reference implementation). */
export function murmurHash64A(ele: string): bigint {
  hash64(ele);
  return (BigInt(rHi) << 32n) | BigInt(rLo);
}

// ---- dense registers ----

function denseGet(b: Uint8Array, i: number): number {
  const pos = i * HLL_BITS;
  const at = HLL_HDR_SIZE + (pos >>> 3);
  const fb = pos & 7;
  const b0 = b[at]!;
  const b1 = fb > 2 ? b[at + 1]! : 0;
  return ((b0 >>> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

function denseWrite(b: Uint8Array, i: number, v: number): void {
  const pos = i * HLL_BITS;
  const at = HLL_HDR_SIZE + (pos >>> 3);
  const fb = pos & 7;
  b[at] = (b[at]! & ~(HLL_REGISTER_MAX << fb)) | ((v << fb) & 0xff);
  if (fb > 2) b[at + 1] = (b[at + 1]! & ~(HLL_REGISTER_MAX >>> (8 - fb))) | (v >>> (8 - fb));
}

/** Visits every dense register in order; four 6-bit registers fill three bytes exactly. */
function forEachDense(b: Uint8Array, visit: (i: number, v: number) => void): void {
  for (let i = 0, at = HLL_HDR_SIZE; i < HLL_REGISTERS; i += 4, at += 3) {
    const b0 = b[at]!;
    const b1 = b[at + 1]!;
    const b2 = b[at + 2]!;
    visit(i, b0 & 63);
    visit(i + 1, ((b0 >>> 6) | (b1 << 2)) & 63);
    visit(i + 2, ((b1 >>> 4) | (b2 << 4)) & 63);
    visit(i + 3, b2 >>> 2);
  }
}

// ---- sparse opcodes ----

const isZero = (op: number) => (op & 0xc0) === 0;
const isXZero = (op: number) => (op & 0xc0) === 0x40;
const isVal = (op: number) => (op & 0x80) !== 0;
const zeroLen = (op: number) => (op & 0x3f) + 1;
const xzeroLen = (op: number, next: number) => (((op & 0x3f) << 8) | next) + 1;
const valValue = (op: number) => ((op >>> 2) & 0x1f) + 1;
const valLen = (op: number) => (op & 0x3) + 1;
const valOp = (value: number, len: number) => (((value - 1) << 2) | (len - 1) | 0x80) & 0xff;

/**
 * An HLL being read or edited: the bytes of the string value, with spare capacity so
 * sparse edits can grow it in place.
 */
export class Hll {
  private constructor(
    private buf: Uint8Array,
    private len: number,
  ) {}

  /** A new empty HLL: sparse, one XZERO covering every register, cache valid (0). */
  static create(): Hll {
    const b = new Uint8Array(64);
    b.set([0x48, 0x59, 0x4c, 0x4c, HLL_SPARSE]);
    let at = HLL_HDR_SIZE;
    for (let left = HLL_REGISTERS; left > 0; ) {
      const n = Math.min(left, SPARSE_XZERO_MAX_LEN) - 1;
      b[at++] = (n >>> 8) | 0x40;
      b[at++] = n & 0xff;
      left -= n + 1;
    }
    return new Hll(b, at);
  }

  /** Wraps a value that passed isHllString. */
  static fromString(s: string): Hll {
    const b = new Uint8Array(s.length + (s.charCodeAt(4) === HLL_SPARSE ? 64 : 0));
    Buffer.from(b.buffer, b.byteOffset, b.length).write(s, 0, 'latin1');
    return new Hll(b, s.length);
  }

  toString(): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.len).toString('latin1');
  }

  get dense(): boolean {
    return this.buf[4] === HLL_DENSE;
  }

  // ---- cached cardinality ----

  cacheValid(): boolean {
    return (this.buf[15]! & 0x80) === 0;
  }

  invalidateCache(): void {
    this.buf[15] = this.buf[15]! | 0x80;
  }

  cachedCard(): number | bigint {
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(this.buf[8 + i]!);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /**
   * Stores the estimate. An estimate that does not fit a signed 64-bit integer (Infinity,
   * when every register is at its maximum) is stored as Redis's x86-64 `(uint64_t)llroundl()`
   * gives it, 0x8000000000000000: the top bit doubles as the "cache invalid" flag, so such a
   * count is recomputed every time, as in Redis.
   */
  setCachedCard(card: number): void {
    if (!(card < 2 ** 63)) {
      this.buf.fill(0, 8, 15);
      this.buf[15] = 0x80;
      return;
    }
    let v = card;
    for (let i = 0; i < 8; i++) {
      this.buf[8 + i] = v % 256;
      v = Math.floor(v / 256);
    }
  }

  // ---- updates ----

  /**
   * Adds an element (hllAdd): 1 when a register grew, 0 when not, -1 for a corrupt
   * sparse representation.
   */
  add(ele: string, sparseMaxBytes: number): number {
    const { index, count } = patLen(ele);
    return this.set(index, count, sparseMaxBytes);
  }

  /** Raises register `index` to `count` if lower, in whatever encoding the HLL has. */
  set(index: number, count: number, sparseMaxBytes: number): number {
    if (this.dense) {
      if (denseGet(this.buf, index) >= count) return 0;
      denseWrite(this.buf, index, count);
      return 1;
    }
    return this.sparseSet(index, count, sparseMaxBytes);
  }

  /** Converts a sparse HLL to dense (header copied, cache included); false when corrupt. */
  toDense(): boolean {
    if (this.dense) return true;
    const d = new Uint8Array(HLL_DENSE_SIZE);
    d.set(this.buf.subarray(0, HLL_HDR_SIZE));
    d[4] = HLL_DENSE;
    let idx = 0;
    const b = this.buf;
    const end = this.len;
    for (let p = HLL_HDR_SIZE; p < end; ) {
      const op = b[p]!;
      let run: number;
      if (isZero(op)) {
        run = zeroLen(op);
        p++;
      } else if (isXZero(op)) {
        run = xzeroLen(op, p + 1 < end ? b[p + 1]! : 0);
        p += 2;
      } else {
        run = valLen(op);
        if (run + idx > HLL_REGISTERS) return false;
        const v = valValue(op);
        for (let k = 0; k < run; k++) denseWrite(d, idx + k, v);
        p++;
      }
      if (run + idx > HLL_REGISTERS) return false;
      idx += run;
    }
    if (idx !== HLL_REGISTERS) return false;
    this.buf = d;
    this.len = HLL_DENSE_SIZE;
    return true;
  }

  private sparseSet(index: number, count: number, sparseMaxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promote(index, count);
    // Step 1: find the opcode covering `index`.
    const b = this.buf;
    let end = this.len;
    let p = HLL_HDR_SIZE;
    let prev = -1;
    let first = 0;
    let span = 0;
    while (p < end) {
      const op = b[p]!;
      let oplen = 1;
      if (isZero(op)) span = zeroLen(op);
      else if (isVal(op)) span = valLen(op);
      else {
        span = xzeroLen(op, p + 1 < end ? b[p + 1]! : 0);
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const op = b[p]!;
    const next = isXZero(op) ? p + 2 : p + 1;
    const zero = isZero(op);
    const xzero = isXZero(op);
    const runlen = zero ? zeroLen(op) : xzero ? span : valLen(op);
    let merged = false;
    // Step 2: the cases that edit one byte in place.
    if (isVal(op)) {
      if (valValue(op) >= count) return 0;
      if (runlen === 1) {
        b[p] = valOp(count, 1);
        merged = true;
      }
    }
    if (!merged && zero && runlen === 1) {
      b[p] = valOp(count, 1);
      merged = true;
    }
    if (!merged) {
      // General case: split the opcode into up to three.
      const seq: number[] = [];
      const last = first + span - 1;
      const pushZeros = (n: number) => {
        if (n > SPARSE_ZERO_MAX_LEN) seq.push(((n - 1) >>> 8) | 0x40, (n - 1) & 0xff);
        else seq.push(n - 1);
      };
      if (zero || xzero) {
        if (index !== first) pushZeros(index - first);
        seq.push(valOp(count, 1));
        if (index !== last) pushZeros(last - index);
      } else {
        const cur = valValue(op);
        if (index !== first) seq.push(valOp(cur, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(cur, last - index));
      }
      const oldlen = xzero ? 2 : 1;
      const delta = seq.length - oldlen;
      // Step 3: a sparse HLL may not outgrow hll-sparse-max-bytes.
      if (delta > 0 && this.len + delta > sparseMaxBytes) return this.promote(index, count);
      if (delta !== 0) {
        this.ensure(this.len + delta);
        const bb = this.buf;
        if (next < end) bb.copyWithin(next + delta, next, end);
        this.len += delta;
        end += delta;
      }
      this.buf.set(seq, p);
    }
    // Step 4: merge adjacent VAL opcodes of equal value, scanning a few from the previous one.
    const bb = this.buf;
    let q = prev >= 0 ? prev : HLL_HDR_SIZE;
    let scan = 5;
    while (q < end && scan-- > 0) {
      const o = bb[q]!;
      if (isXZero(o)) {
        q += 2;
        continue;
      }
      if (isZero(o)) {
        q++;
        continue;
      }
      if (q + 1 < end && isVal(bb[q + 1]!)) {
        const v1 = valValue(o);
        const v2 = valValue(bb[q + 1]!);
        if (v1 === v2) {
          const l = valLen(o) + valLen(bb[q + 1]!);
          if (l <= SPARSE_VAL_MAX_LEN) {
            bb[q + 1] = valOp(v1, l);
            bb.copyWithin(q, q + 1, end);
            this.len--;
            end--;
            continue;
          }
        }
      }
      q++;
    }
    this.invalidateCache();
    return 1;
  }

  /** Sparse → dense, then the register update that did not fit the sparse form. */
  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    denseWrite(this.buf, index, count);
    return 1;
  }

  private ensure(capacity: number): void {
    if (capacity <= this.buf.length) return;
    const n = new Uint8Array(Math.max(capacity, this.buf.length * 2));
    n.set(this.buf.subarray(0, this.len));
    this.buf = n;
  }

  // ---- reading ----

  /** Raises `max[i]` to each register's value (hllMerge); false for a corrupt sparse HLL. */
  mergeInto(max: Uint8Array): boolean {
    const b = this.buf;
    if (this.dense) {
      forEachDense(b, (i, v) => {
        if (v > max[i]!) max[i] = v;
      });
      return true;
    }
    let i = 0;
    const end = this.len;
    for (let p = HLL_HDR_SIZE; p < end; ) {
      const op = b[p]!;
      if (isZero(op) || isXZero(op)) {
        const run = isZero(op) ? zeroLen(op) : xzeroLen(op, p + 1 < end ? b[p + 1]! : 0);
        if (run + i > HLL_REGISTERS) return false;
        i += run;
        p += isZero(op) ? 1 : 2;
      } else {
        const run = valLen(op);
        const v = valValue(op);
        if (run + i > HLL_REGISTERS) return false;
        for (let k = 0; k < run; k++, i++) if (v > max[i]!) max[i] = v;
        p++;
      }
    }
    return i === HLL_REGISTERS;
  }

  /** The estimate, or null for a corrupt sparse HLL. */
  count(): number | null {
    const histo = new Array<number>(64).fill(0);
    const b = this.buf;
    if (this.dense) {
      forEachDense(b, (_i, v) => histo[v]!++);
    } else {
      let idx = 0;
      const end = this.len;
      for (let p = HLL_HDR_SIZE; p < end; ) {
        const op = b[p]!;
        let run: number;
        let v = 0;
        if (isZero(op)) {
          run = zeroLen(op);
          p++;
        } else if (isXZero(op)) {
          run = xzeroLen(op, p + 1 < end ? b[p + 1]! : 0);
          p += 2;
        } else {
          run = valLen(op);
          v = valValue(op);
          p++;
        }
        if (run + idx > HLL_REGISTERS) return null;
        idx += run;
        histo[v]! += run;
      }
      if (idx !== HLL_REGISTERS) return null;
    }
    return estimate(histo);
  }
}

/** The cardinality of plain registers (one byte each), as multi-key PFCOUNT computes it. */
export function countRegisters(regs: Uint8Array): number {
  const histo = new Array<number>(64).fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[regs[i]!]!++;
  return estimate(histo);
}

/** Ertl's estimator from the register histogram, step for step in doubles. */
function estimate(histo: number[]): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j]!;
    z *= 0.5;
  }
  z += m * sigma(histo[0]! / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}
