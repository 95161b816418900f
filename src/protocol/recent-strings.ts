/**
 * Short strings that arrive again and again (command names; the keys and names a script's
 * redis.call sends), handed back as the same string object instead of a new one: no string
 * to build, and V8 keeps a string's hash in the string, so the Map lookups that follow (the
 * command table, the keyspace) skip hashing too. Strings are immutable, so sharing one
 * changes nothing a caller sees.
 *
 * A direct-mapped table by a cheap hash of the bytes (their length and three of them); a hit
 * is checked byte for byte (last byte first), a miss replaces its slot: bounded, whatever bytes a client sends.
 */
export class RecentStrings {
  private readonly slots: string[];
  private readonly mask: number;

  /** `size`: slots, a power of two; `maxLength`: longer strings are not kept (the caller checks). */
  constructor(
    size: number,
    readonly maxLength: number,
  ) {
    this.slots = new Array<string>(size).fill('');
    this.mask = size - 1;
  }

  /** bytes [start, end) of `b` as a binary string: the one seen last in its slot, or `make`'s. */
  get<B extends Uint8Array>(b: B, start: number, end: number, make: (b: B, start: number, end: number) => string): string {
    const n = end - start;
    if (n === 0) return '';
    // the length and three sampled bytes: a collision costs only a miss
    const slot = (n * 61 + b[start]! * 31 + b[end - 1]! * 7 + b[start + (n >> 1)]!) & this.mask;
    const known = this.slots[slot]!;
    if (known.length === n) {
      // compared from the end: names that differ (counters, ids, redis-benchmark -r keys)
      // mostly differ there, so a miss is told after a byte or two
      let i = n - 1;
      while (i >= 0 && known.charCodeAt(i) === b[start + i]) i--;
      if (i < 0) return known;
    }
    const made = make(b, start, end);
    this.slots[slot] = made;
    return made;
  }
}
