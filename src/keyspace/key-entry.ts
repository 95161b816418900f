/**
 * The object a database stores per key (issue 17 goal 4: memory per small key).
 *
 * A key used to cost three objects: the entry `{ v, lru, lfu, mem, seq }` (64 B), a boxed
 * double for `lru` (a millisecond time is not a small integer: 16 B) and the value's
 * wrapper `{ type, value, raw }` (48 B). Here it is one object of four fields (56 B):
 *
 * - a plain string value is kept inline (content in `val`, flags in `meta`), and `v` answers the entry itself,
 *   which is a `StringValue` through its accessors (`type`, `value`, `raw`, `notInt`);
 *   other values, and string values with an identity of their own (a `MutableString`, a
 *   COPY's unshared copy), are kept as they are in `val`;
 * - an inline string of 1 to 3 bytes, or a canonical integer from 0 to 2^31-1, is held as a small integer
 *   in `val` (V8 stores it in the field itself: no string object, as Redis's int and embstr
 *   encodings spare a separate allocation); `value` builds the string when read;
 * - `meta` packs the string's two flags, the LFU counter (8 bits, as Redis's) and the bytes the
 *   memory accounting last counted for the key (`mem`, 21 bits; a key counted at 2 MiB or
 *   more keeps its figure in a side table, where one more lookup is nothing next to its size);
 * - the access time is held in whole seconds since the process started (a small integer,
 *   no boxed double); `lru` still reads and writes milliseconds. Every reader already worked
 *   in seconds (OBJECT IDLETIME, the RDB's IDLE, DEBUG OBJECT), or minutes (the LFU decay);
 *   Redis's own LRU clock has a resolution of one second.
 *
 * Assigning `v` a plain string value copies its content in place, so a caller that kept
 * the entry's earlier `v` (the entry itself) sees the new content: values read out of the
 * keyspace are used before the key is written again (as with a Redis robj).
 */
import type { StringValue, Value } from './value-types.js';
import type { CopiedStringValue } from './clone-value.js';

// `meta`'s layout, kept below 2^31 so it always stays a small integer (no boxed number):
// bit 0 RAW, bit 1 NOT_INT, bits 2-9 the LFU counter, bits 10-30 `mem` + 1 (0 = removed).
const RAW = 1;
const NOT_INT = 2;
const LFU_SHIFT = 2;
const LFU_MASK = 0xff << LFU_SHIFT;
const MEM_SHIFT = 10;
const MEM_UNIT = 1 << MEM_SHIFT;
/** `mem` + 1 at or past this is kept in BIG_MEM */
const MEM_ESCAPE = (1 << 21) - 1;

/** `mem` of keys counted at MEM_ESCAPE - 1 bytes or more (weak: a dropped entry takes its figure along) */
const BIG_MEM = new WeakMap<KeyEntry, number>();

// A packed short string in `val`: -(1 + length × 2^24 + its bytes), length 1 to 3 (below -1);
// a non-negative small integer is a canonical integer string.
const SHORT_LEN_UNIT = 1 << 24;

/** the access clock's origin, in seconds since the epoch: keeps `atime` a small integer */
const ATIME_BASE_S = Math.floor(Date.now() / 1000);

export class KeyEntry implements StringValue {
  /** an inline string value's content (a string, or packed in a small integer), or the value itself */
  private val: string | number | Value = '';
  /** RAW / NOT_INT flags, LFU counter and `mem` + 1 (layout above) */
  private meta = MEM_UNIT;
  /** last access, seconds since ATIME_BASE_S */
  private atime: number;
  /** insertion sequence (database.ts `Slotted.seq`) */
  seq: number;

  constructor(v: Value, lruMs: number, lfu: number, seq: number) {
    this.atime = Math.floor(lruMs / 1000) - ATIME_BASE_S;
    this.seq = seq;
    this.v = v;
    this.lfu = lfu;
  }

  get v(): Value {
    const x = this.val;
    return typeof x === 'string' || typeof x === 'number' ? this : x;
  }

  set v(given: Value) {
    // another key's entry stands for its value (the entry itself only while that is an inline string)
    const x = given instanceof KeyEntry ? given.v : given;
    if (x === this) return;
    const keep = this.meta - (this.meta & (RAW | NOT_INT));
    if (x instanceof KeyEntry || (x.type === 'string' && isPlainString(x))) {
      this.val = packString(x.value);
      this.meta = keep + (x.raw ? RAW : 0) + (x.notInt === true ? NOT_INT : 0);
      return;
    }
    this.val = x;
    this.meta = keep;
  }

  /** bytes the memory accounting last counted for this key (-1 once removed) */
  get mem(): number {
    const m = this.meta >>> MEM_SHIFT;
    return m === MEM_ESCAPE ? (BIG_MEM.get(this) ?? 0) : m - 1;
  }

  set mem(n: number) {
    const low = this.meta & (MEM_UNIT - 1);
    if (n + 1 < MEM_ESCAPE) {
      if (this.meta >>> MEM_SHIFT === MEM_ESCAPE) BIG_MEM.delete(this);
      this.meta = low + (n + 1) * MEM_UNIT;
    } else {
      BIG_MEM.set(this, n);
      this.meta = low + MEM_ESCAPE * MEM_UNIT;
    }
  }

  /** LFU counter (OBJECT FREQ), logarithmic as in Redis: 0 to 255 */
  get lfu(): number {
    return (this.meta & LFU_MASK) >>> LFU_SHIFT;
  }

  set lfu(n: number) {
    this.meta = (this.meta & ~LFU_MASK) | ((n & 0xff) << LFU_SHIFT);
  }

  /** ms of last access (OBJECT IDLETIME), to the second */
  get lru(): number {
    return (this.atime + ATIME_BASE_S) * 1000;
  }

  set lru(ms: number) {
    this.atime = Math.floor(ms / 1000) - ATIME_BASE_S;
  }

  /** Bytes an inline string's content takes apart from the entry (0 when packed in `val`). */
  inlineBytes(): number {
    const x = this.val;
    return typeof x === 'string' ? 16 + ((x.length + 7) & ~7) : 0;
  }

  /**
   * INCR's fast path: the value as a number when it is an inline string holding a
   * canonical integer 0..2^31-1 (kept as that integer), else undefined.
   */
  smallInt(): number | undefined {
    const x = this.val;
    if (typeof x !== 'number') return undefined;
    if (x >= 0) return x;
    // 0 to 999 are packed as 1 to 3 bytes (packString): their digits, when canonical
    const p = -x - 1;
    const len = Math.floor(p / SHORT_LEN_UNIT);
    const b = p % SHORT_LEN_UNIT;
    const d0 = (len === 1 ? b : len === 2 ? b >>> 8 : b >>> 16) - 48;
    if (d0 < 0 || d0 > 9 || (d0 === 0 && len > 1)) return undefined;
    if (len === 1) return d0;
    const d1 = (len === 2 ? b & 0xff : (b >>> 8) & 0xff) - 48;
    if (d1 < 0 || d1 > 9) return undefined;
    if (len === 2) return d0 * 10 + d1;
    const d2 = (b & 0xff) - 48;
    return d2 < 0 || d2 > 9 ? undefined : d0 * 100 + d1 * 10 + d2;
  }

  /**
   * Stores the canonical integer `n` (0..2^31-1) as an inline string value, exactly as
   * `v = { type: 'string', value: String(n), raw: false }` would (the same packing), with
   * no text built for n >= 1000.
   */
  setSmallInt(n: number): void {
    this.val = n >= 1000 ? n : packString(String(n));
    this.meta -= this.meta & (RAW | NOT_INT);
  }

  /** The same as `v = { type: 'string', value: s, raw: false }`, with no value object made. */
  setPlainString(s: string): void {
    this.val = packString(s);
    this.meta -= this.meta & (RAW | NOT_INT);
  }

  // --- the StringValue view, meaningful while the value is inline (`v` is the entry) ---

  get type(): 'string' {
    return 'string';
  }

  get value(): string {
    const x = this.val;
    if (typeof x === 'string') return x;
    return typeof x === 'number' ? unpackString(x) : '';
  }

  set value(s: string) {
    this.val = packString(s);
  }

  get raw(): boolean {
    return (this.meta & RAW) !== 0;
  }

  set raw(r: boolean) {
    if (r !== this.raw) this.meta += r ? RAW : -RAW;
  }

  get notInt(): boolean | undefined {
    return (this.meta & NOT_INT) !== 0 ? true : undefined;
  }

  set notInt(n: boolean | undefined) {
    if ((n === true) !== (this.notInt === true)) this.meta += n === true ? NOT_INT : -NOT_INT;
  }
}

/** A string value that is only its content: an object literal, not a COPY's unshared copy. */
function isPlainString(x: StringValue): boolean {
  return Object.getPrototypeOf(x) === Object.prototype && (x as CopiedStringValue).unshared !== true;
}

/**
 * `s` as `val` holds it: a canonical integer 0..2^31-1 as itself, 1 to 3 bytes packed in a
 * negative small integer, anything else as the string.
 */
export function packString(s: string): string | number {
  const n = s.length;
  if (n === 0) return s;
  if (n <= 3) {
    // bytes only (a binary string never holds more; anything else stays a string)
    const c0 = s.charCodeAt(0);
    if (n === 1) return c0 > 0xff ? s : -(1 + SHORT_LEN_UNIT + c0);
    const c1 = s.charCodeAt(1);
    if (n === 2) return (c0 | c1) > 0xff ? s : -(1 + 2 * SHORT_LEN_UNIT + (c0 << 8) + c1);
    const c2 = s.charCodeAt(2);
    return (c0 | c1 | c2) > 0xff ? s : -(1 + 3 * SHORT_LEN_UNIT + (c0 << 16) + (c1 << 8) + c2);
  }
  if (n <= 10) {
    // canonical: digits only, no leading zero, below 2^31 (String(x) gives `s` back)
    const c0 = s.charCodeAt(0);
    if (c0 < 49 || c0 > 57) return s;
    let x = c0 - 48;
    for (let i = 1; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return s;
      x = x * 10 + (c - 48);
    }
    if (x <= 0x7fffffff) return x;
  }
  return s;
}

/** The string `packString` packed into a number. */
export function unpackString(x: number): string {
  if (x >= 0) return String(x);
  const p = -x - 1;
  const len = Math.floor(p / SHORT_LEN_UNIT);
  const b = p % SHORT_LEN_UNIT;
  if (len === 1) return String.fromCharCode(b);
  if (len === 2) return String.fromCharCode(b >>> 8, b & 0xff);
  return String.fromCharCode(b >>> 16, (b >>> 8) & 0xff, b & 0xff);
}
