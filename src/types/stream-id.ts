/**
 * Stream entry IDs: `<ms>-<seq>`, each part a full unsigned 64-bit number.
 *
 * A part is a `U64`: a JS number while it is a safe integer (every ID a clock makes, and
 * almost every ID a user types) and a bigint beyond 2^53 - 1. The representation is
 * normalised (a value has exactly one form), so `===` is equality, and the relational
 * operators compare a number with a bigint exactly, so ordering needs no conversion.
 * The common path therefore never allocates a bigint.
 */

import { parseInteger } from '../protocol/number-format.js';

export type U64 = number | bigint;

export interface StreamId {
  readonly ms: U64;
  readonly seq: U64;
}

export const U64_MAX = 18446744073709551615n;
const SAFE = Number.MAX_SAFE_INTEGER;
const SAFE_BIG = BigInt(SAFE);

export const MIN_ID: StreamId = { ms: 0, seq: 0 };
export const MAX_ID: StreamId = { ms: U64_MAX, seq: U64_MAX };

/** The normal form of a value known to be in [0, 2^64). */
export function u64(v: number | bigint): U64 {
  if (typeof v === 'number') return v;
  return v <= SAFE_BIG ? Number(v) : v;
}

/** v + 1 (v < 2^64 - 1). */
export function u64Incr(v: U64): U64 {
  if (typeof v === 'number') return v < SAFE ? v + 1 : BigInt(v) + 1n;
  return v + 1n;
}

/** v - 1 (v > 0). */
export function u64Decr(v: U64): U64 {
  if (typeof v === 'number') return v - 1;
  return u64(v - 1n);
}

export function compareIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export function idsEqual(a: StreamId, b: StreamId): boolean {
  return a.ms === b.ms && a.seq === b.seq;
}

export function isZeroId(id: StreamId): boolean {
  return id.ms === 0 && id.seq === 0;
}

export function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/** The next ID (Redis streamIncrID); null when `id` is the last possible one. */
export function incrId(id: StreamId): StreamId | null {
  if (id.seq === U64_MAX) {
    if (id.ms === U64_MAX) return null;
    return { ms: u64Incr(id.ms), seq: 0 };
  }
  return { ms: id.ms, seq: u64Incr(id.seq) };
}

/** The previous ID (Redis streamDecrID); null when `id` is 0-0. */
export function decrId(id: StreamId): StreamId | null {
  if (id.seq === 0) {
    if (id.ms === 0) return null;
    return { ms: u64Decr(id.ms), seq: U64_MAX };
  }
  return { ms: id.ms, seq: u64Decr(id.seq) };
}

/**
 * Redis's string2ull on a C string: a canonical non-negative long long, or else whatever
 * strtoull() accepts whole (leading white space, a sign, leading zeros; a minus sign
 * wraps modulo 2^64), rejecting an empty string and values beyond 2^64 - 1.
 */
export function parseU64(s: string): U64 | null {
  const n = s.length;
  if (n === 0) return null;
  // Fast path: plain digits without a leading zero, short enough to be a safe integer.
  if (n <= 15) {
    let plain = s.charCodeAt(0) !== 48 || n === 1;
    for (let i = 0; plain && i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) plain = false;
    }
    if (plain) return Number(s);
  }
  const ll = parseInteger(s);
  if (ll !== null) return ll < 0 ? null : ll;
  // strtoull(): white space, a sign, leading zeros; a minus sign wraps modulo 2^64
  let i = 0;
  while (i < n && isCSpace(s.charCodeAt(i))) i++;
  let negative = false;
  if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) {
    negative = s.charCodeAt(i) === 45;
    i++;
  }
  const start = i;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === start || i !== n) return null;
  const v = BigInt(s.slice(start));
  if (v > U64_MAX) return null;
  if (negative && v !== 0n) return u64(U64_MAX + 1n - v);
  return negative ? 0 : u64(v);
}

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

export interface ParsedId {
  id: StreamId;
  /** false for the `<ms>-*` form (XADD only) */
  seqGiven: boolean;
}

/**
 * Redis's streamGenericParseIDOrReply: `-` and `+` (unless strict), `<ms>` (the sequence
 * is `missingSeq`), `<ms>-<seq>`, and `<ms>-*` when `allowAutoSeq`. Returns null when the
 * text is not a valid ID. The argument is a C string to Redis: it ends at a NUL byte, and
 * longer than 127 bytes is refused outright.
 */
export function parseStreamId(arg: string, missingSeq: U64, strict: boolean, allowAutoSeq = false): ParsedId | null {
  if (arg.length > 127) return null;
  const nul = arg.indexOf('\0');
  const s = nul === -1 ? arg : arg.slice(0, nul);
  if (s === '-') return strict ? null : { id: MIN_ID, seqGiven: true };
  if (s === '+') return strict ? null : { id: MAX_ID, seqGiven: true };
  const dash = s.indexOf('-');
  const ms = parseU64(dash === -1 ? s : s.slice(0, dash));
  if (ms === null) return null;
  if (dash === -1) return { id: { ms, seq: missingSeq }, seqGiven: true };
  const rest = s.slice(dash + 1);
  if (allowAutoSeq && rest === '*') return { id: { ms, seq: 0 }, seqGiven: false };
  const seq = parseU64(rest);
  if (seq === null) return null;
  return { id: { ms, seq }, seqGiven: true };
}

/** The 16-byte big-endian key Redis's radix tree orders IDs by. */
export function idKeyBytes(id: StreamId, out: Uint8Array, offset: number): void {
  writeU64(id.ms, out, offset);
  writeU64(id.seq, out, offset + 8);
}

function writeU64(v: U64, out: Uint8Array, offset: number): void {
  if (typeof v === 'number') {
    let hi = Math.floor(v / 4294967296);
    let lo = v >>> 0;
    for (let i = 7; i >= 4; i--) {
      out[offset + i] = lo & 0xff;
      lo >>>= 8;
    }
    for (let i = 3; i >= 0; i--) {
      out[offset + i] = hi & 0xff;
      hi >>>= 8;
    }
    return;
  }
  let b = v;
  for (let i = 7; i >= 0; i--) {
    out[offset + i] = Number(b & 0xffn);
    b >>= 8n;
  }
}

/** a - b as Redis stores a delta: the unsigned difference read as a signed 64-bit number. */
export function signedDelta(a: U64, b: U64): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return BigInt.asIntN(64, BigInt(a) - BigInt(b));
}
