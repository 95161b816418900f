/**
 * What a key costs in the V8 heap, estimated in O(1) (streams: O(samples)) from figures
 * the values keep up to date as they change (element counts, payload byte counters), so
 * the maxmemory accounting never walks a big aggregate on a write.
 *
 * Why an estimate and not process.memoryUsage(): heapUsed counts garbage until the next
 * GC, so it jumps by megabytes between collections and evicting against it would throw
 * out keys for memory that is already free. The estimate moves exactly with the data.
 *
 * Calibration (Node 20, x64, no pointer compression; `node --expose-gc`, two gc() before
 * each reading, keys created through the real command handlers, keys "key:<i>"):
 *
 *   data set                                 measured heap   this model
 *     1M SET, 10-byte values                 166 B/key       174  (250 / 250 before
 *     1M SET, 3-byte values                  134 B/key       142   the string value lived
 *    20k SET, 1000-byte values              1213 B/key      1170   inline in its key's
 *   100k SET EX, 10-byte values              244 B/key       250   entry; 1M 3-byte values
 *                                                                   were 169 / 178 before
 *                                                                   `mem` moved into `meta`
 *                                                                   and short values into a
 *                                                                   small integer, issue 17)
 *   hash   1000 fields (4 B) × 10 B values   148 B/field     145
 *   hash   1000 fields × 100 B values        236 B/field     235
 *   set    1000 members × 10 B               84 B/member     86
 *   zset   1000 members × 10 B               141 B/member    141  (180 / 186 before the
 *                                                                   per-member cell object
 *                                                                   went, issue 17)
 *   list   1000 elements × 10 B / × 100 B    44 / 132 B      42 / 133
 *   stream 1000 entries, 1 field × 10 B      225 B/entry     222
 *   one-element hash / set / zset / list / stream key (B):
 *                                1017 / 960 / 1426 / 509 / 1041    978 / 921 / 1391 / 485 / 1048
 *
 * A V8 one-byte string costs a 16-byte header plus its bytes rounded up to 8
 * (SeqOneByteString). The per-element constants below fold in the Map entry, the
 * sorted set's score cell, the insertion slot and the element's string headers. test/integration/
 * memory-calibration.test.ts re-measures this in a child process with --expose-gc.
 */
import type { Value } from './value-types.js';
import { MutableString } from '../types/mutable-string.js';
import { KeyEntry } from './key-entry.js';

/** A one-byte V8 string of n bytes: 16-byte header, characters rounded up to 8 bytes. */
export function stringBytes(n: number): number {
  return 16 + ((n + 7) & ~7);
}

/**
 * Per key, whatever its value: the database Map entry, the KeyEntry object (56 B, which
 * also holds a plain string value inline: key-entry.ts), the SCAN slot.
 */
export const KEY_OVERHEAD = 110;
/** Per key with a TTL: the expires Map entry and its boxed time. */
export const EXPIRE_OVERHEAD = 64;

/** The value object of a string ({ type, value, raw }). */
const STRING_OBJECT = 48;
/**
 * MutableString (SETBIT, SETRANGE, APPEND): the object, its accessor closures and the Buffer
 * (measured: 1,000 keys of 2 APPENDs, 1,405 B/key in all); its capacity is counted apart. The
 * string copy a read caches until the next write is not counted (it comes and goes with reads).
 */
const MUTABLE_STRING_OBJECT = 1200;

const HASH_BASE = 670;
const HASH_PER_FIELD = 130;
const SET_BASE = 670;
const SET_PER_MEMBER = 75;
/** an intset-encoded set also keeps its members in a sorted array */
const INTSET_PER_MEMBER = 8;
const ZSET_BASE = 1040;
const ZSET_PER_MEMBER = 130;
const LIST_BASE = 270;
/** ring-buffer slot (capacity is a power of two) and string header */
const LIST_PER_ELEMENT = 30;
const STREAM_BASE = 520;
const STREAM_PER_ENTRY = 200;
const STREAM_PER_NODE = 120;
const STREAM_GROUP = 300;
const STREAM_NACK = 120;
const STREAM_CONSUMER = 250;

/** Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES: how many stream nodes an estimate looks at. */
export const DEFAULT_SAMPLES = 5;

/** Bytes the key (name and bookkeeping) and its value take, TTL not included. */
export function keyBytes(key: string, v: Value, samples = DEFAULT_SAMPLES): number {
  return KEY_OVERHEAD + stringBytes(key.length) + valueBytes(v, samples);
}

/** Bytes one value takes. */
export function valueBytes(v: Value, samples = DEFAULT_SAMPLES): number {
  switch (v.type) {
    case 'string':
      if (v instanceof MutableString) return MUTABLE_STRING_OBJECT + v.bytes().buffer.byteLength;
      // a plain string stored in the keyspace has no object of its own (key-entry.ts)
      return v instanceof KeyEntry ? v.inlineBytes() : STRING_OBJECT + stringBytes(v.value.length);
    case 'hash':
      return HASH_BASE + v.value.size * HASH_PER_FIELD + v.value.payloadBytes;
    case 'set': {
      const s = v.value;
      return SET_BASE + s.size * (SET_PER_MEMBER + (s.encoding === 'intset' ? INTSET_PER_MEMBER : 0)) + s.payloadBytes;
    }
    case 'zset':
      return ZSET_BASE + v.value.size * ZSET_PER_MEMBER + v.value.payloadBytes;
    case 'list': {
      const l = v.value;
      // listpackBytes is the element bytes plus a 1–2 byte entry header each, kept incrementally
      return LIST_BASE + l.length * LIST_PER_ELEMENT + l.listpackBytes;
    }
    case 'stream':
      return streamBytes(v.value, samples);
  }
}

type StreamData = Extract<Value, { type: 'stream' }>['value'];

/**
 * A stream, as Redis's objectComputeSize does it: the average of a few nodes times the
 * node count (nodes hold up to stream-node-max-entries entries, so a sample is O(1)),
 * plus consumer groups by their PEL and consumer counts. The nodes sampled are spread
 * evenly (first, last and between) so appends at the tail are seen.
 */
function streamBytes(s: StreamData, samples: number): number {
  let total = STREAM_BASE;
  const nodes = s.nodes;
  const n = nodes.size;
  if (n > 0) {
    const k = Math.min(n, Math.max(1, samples));
    let sampled = 0;
    for (let i = 0; i < k; i++) {
      const node = nodes.at(k === 1 ? n - 1 : Math.round((i * (n - 1)) / (k - 1)))!;
      sampled += STREAM_PER_NODE + node.entries.length * STREAM_PER_ENTRY + node.bytes;
    }
    total += k === n ? sampled : Math.round((sampled / k) * n);
  }
  if (s.groups !== null) {
    for (const g of s.groups.values()) {
      total += STREAM_GROUP + g.pel.size * STREAM_NACK;
      for (const c of g.consumers.values()) total += STREAM_CONSUMER + stringBytes(c.name.length) + c.pel.size * 24;
    }
  }
  return total;
}
