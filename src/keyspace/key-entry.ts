/**
 * The object a database stores per key (issue 17 goal 4: memory per small key).
 *
 * A key used to cost three objects: the entry `{ v, lru, lfu, mem, seq }` (64 B), a boxed
 * double for `lru` (a millisecond time is not a small integer: 16 B) and the value's
 * wrapper `{ type, value, raw }` (48 B). Here it is one object of five fields (64 B):
 *
 * - a plain string value is kept inline (content in `val`, flags in `meta`), and `v` answers the entry itself,
 *   which is a `StringValue` through its accessors (`type`, `value`, `raw`, `notInt`);
 *   other values, and string values with an identity of their own (a `MutableString`, a
 *   COPY's unshared copy), are kept as they are in `val`;
 * - the LFU counter shares `meta` with the string's two flags;
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

/** `meta`'s two low bits; the LFU counter is stored above them */
const RAW = 1;
const NOT_INT = 2;
const FLAG_BITS = 4;

/** the access clock's origin, in seconds since the epoch: keeps `atime` a small integer */
const ATIME_BASE_S = Math.floor(Date.now() / 1000);

export class KeyEntry implements StringValue {
  /** an inline string value's content, or the value itself */
  private val: string | Value = '';
  /** LFU counter × 4 + the inline string's RAW / NOT_INT flags */
  private meta = 0;
  /** last access, seconds since ATIME_BASE_S */
  private atime: number;
  /** bytes the memory accounting last counted for this key (-1 once removed) */
  mem = 0;
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
    return typeof x === 'string' ? this : x;
  }

  set v(given: Value) {
    // another key's entry stands for its value (the entry itself only while that is an inline string)
    const x = given instanceof KeyEntry ? given.v : given;
    if (x === this) return;
    const lfuPart = this.meta - (this.meta % FLAG_BITS);
    if (x instanceof KeyEntry || (x.type === 'string' && isPlainString(x))) {
      this.val = x.value;
      this.meta = lfuPart + (x.raw ? RAW : 0) + (x.notInt === true ? NOT_INT : 0);
      return;
    }
    this.val = x;
    this.meta = lfuPart;
  }

  /** LFU counter (OBJECT FREQ), logarithmic as in Redis */
  get lfu(): number {
    return Math.floor(this.meta / FLAG_BITS);
  }

  set lfu(n: number) {
    this.meta = n * FLAG_BITS + (this.meta % FLAG_BITS);
  }

  /** ms of last access (OBJECT IDLETIME), to the second */
  get lru(): number {
    return (this.atime + ATIME_BASE_S) * 1000;
  }

  set lru(ms: number) {
    this.atime = Math.floor(ms / 1000) - ATIME_BASE_S;
  }

  // --- the StringValue view, meaningful while the value is inline (`v` is the entry) ---

  get type(): 'string' {
    return 'string';
  }

  get value(): string {
    const x = this.val;
    return typeof x === 'string' ? x : '';
  }

  set value(s: string) {
    this.val = s;
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
