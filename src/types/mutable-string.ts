/**
 * A string value that can be modified in place: the representation behind SETBIT,
 * SETRANGE and BITFIELD writes.
 *
 * Why: JS strings are immutable, so flipping one bit of a 1 MB bitmap held as a string
 * copies the whole megabyte (hundreds of µs per SETBIT). This value keeps the bytes in a
 * growable Buffer and produces the binary string only when someone reads `value`,
 * caching it until the next write. It satisfies the StringValue shape exactly — `value`
 * is an own enumerable accessor, so `{ ...v }` and every `e.v.value` reader see a plain
 * string — and it is always "raw", as Redis's in-place-modified strings are.
 */
import type { StringValue } from '../keyspace/value-types.js';
import { MAX_STRING_BYTES } from './string-ops.js';

export class MutableString implements StringValue {
  readonly type = 'string' as const;
  readonly raw = true;
  declare value: string;
  /** bytes [0, len) are the value; bytes beyond len are always zero */
  private buf: Buffer;
  private len: number;
  private cached: string | null;

  constructor(initial: string) {
    this.len = initial.length;
    this.buf = Buffer.alloc(Math.max(16, initial.length));
    this.buf.write(initial, 0, 'latin1');
    this.cached = initial;
    Object.defineProperty(this, 'value', {
      enumerable: true,
      configurable: false,
      get: (): string => {
        if (this.cached === null) this.cached = this.buf.toString('latin1', 0, this.len);
        return this.cached;
      },
      set: (s: string): void => {
        this.buf = Buffer.alloc(Math.max(16, s.length));
        this.buf.write(s, 0, 'latin1');
        this.len = s.length;
        this.cached = s;
      },
    });
  }

  get length(): number {
    return this.len;
  }

  /** Byte at `i`, 0 beyond the end (bitmaps read as zero-padded). */
  byteAt(i: number): number {
    return i < this.len ? this.buf[i]! : 0;
  }

  /** Grows the value with zero bytes to at least `n` bytes (capacity doubles, amortized O(1)). */
  ensureLength(n: number): void {
    if (n <= this.len) return;
    if (n > this.buf.length) {
      const cap = Math.min(Math.max(n, this.buf.length * 2), MAX_STRING_BYTES);
      const next = Buffer.alloc(cap);
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    this.len = n;
    this.cached = null;
  }

  setByte(i: number, b: number): void {
    this.buf[i] = b;
    this.cached = null;
  }

  /** Copies `s` (a binary string) in at byte `offset`; the value must already be long enough. */
  writeString(offset: number, s: string): void {
    this.buf.write(s, offset, 'latin1');
    this.cached = null;
  }

  /** The live bytes, for in-place bitfield writes; call `changed()` after writing through it. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  changed(): void {
    this.cached = null;
  }
}
