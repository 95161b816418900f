/**
 * Byte mutations of valid inputs (RDB images, DUMP payloads, AOF files). A mutation's
 * position is stored as a number reduced modulo the current length when applied, so any
 * subset of a list of mutations still applies: the minimiser removes mutations, not bytes.
 */
import type { Rng } from './fuzz-harness.js';

export type Mutation =
  | { k: 'flip'; at: number; bit: number }
  | { k: 'set'; at: number; v: number }
  | { k: 'insert'; at: number; bytes: number[] }
  | { k: 'delete'; at: number; n: number }
  | { k: 'truncate'; at: number }
  | { k: 'duplicate'; at: number; n: number };

/** Byte values that tend to mean something to a decoder: lengths, encodings, signs, terminators. */
const INTERESTING = [0, 1, 2, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xbf, 0xc0, 0xc3, 0xe0, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xfe, 0xff];

export function randomMutation(rng: Rng): Mutation {
  const at = rng.int(1 << 30);
  switch (rng.int(8)) {
    case 0:
    case 1:
      return { k: 'flip', at, bit: rng.int(8) };
    case 2:
    case 3:
      return { k: 'set', at, v: rng.chance(0.6) ? rng.pick(INTERESTING) : rng.int(256) };
    case 4:
      return { k: 'insert', at, bytes: Array.from({ length: rng.range(1, 4) }, () => (rng.chance(0.5) ? rng.pick(INTERESTING) : rng.int(256))) };
    case 5:
      return { k: 'delete', at, n: rng.range(1, 8) };
    case 6:
      return { k: 'duplicate', at, n: rng.range(1, 16) };
    default:
      return { k: 'truncate', at };
  }
}

export function randomMutations(rng: Rng, max = 4): Mutation[] {
  const n = rng.range(1, max);
  return Array.from({ length: n }, () => randomMutation(rng));
}

/** Applies the mutations in order to a copy of `buf`. */
export function applyMutations(buf: Buffer, ms: readonly Mutation[]): Buffer {
  let b = Buffer.from(buf);
  for (const m of ms) {
    const len = b.length;
    if (len === 0) return b;
    const at = m.at % len;
    switch (m.k) {
      case 'flip':
        b[at] = b[at]! ^ (1 << m.bit);
        break;
      case 'set':
        b[at] = m.v;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.n), b.subarray(at, at + m.n), b.subarray(at + m.n)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}
