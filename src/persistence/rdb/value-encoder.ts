/**
 * One value in RDB form (rdbSaveObjectType + rdbSaveObject of Redis 7.0): the type byte
 * and the object, using only types Redis 7.0 loads (RDB version 10):
 *   string → 0; list → quicklist-2 (18) of listpack nodes, with the value's node layout;
 *   set → intset (11) while intset-encoded, else a plain set (2) (7.0 has no set listpack);
 *   hash → listpack (16) / plain hash (4); zset → listpack (17) / zset2 (5, binary scores,
 *   highest first as Redis writes them); stream → listpacks-2 (19).
 * Shared by the RDB writer and DUMP.
 */
import type { Value } from '../../keyspace/value-types.js';
import type { ListData } from '../../types/list.js';
import type { StreamData } from '../../types/stream.js';
import type { SortedSet } from '../../types/sorted-set.js';
import { idKeyBytes, type StreamId } from '../../types/stream-id.js';
import { ByteSink } from './byte-sink.js';
import { encodeIntset } from './intset.js';
import { ListpackBuilder } from './listpack.js';
import { parseInteger } from '../../protocol/number-format.js';
import { QUICKLIST_NODE_PACKED, RdbType, STREAM_ITEM_FLAG_DELETED, STREAM_ITEM_FLAG_SAMEFIELDS } from './rdb-constants.js';
import { signedDelta } from '../../types/stream-id.js';

/** The RDB object type a value is written as. */
export function rdbObjectType(v: Value): number {
  switch (v.type) {
    case 'string':
      return RdbType.STRING;
    case 'list':
      return RdbType.LIST_QUICKLIST_2;
    case 'set':
      return v.value.encoding === 'intset' ? RdbType.SET_INTSET : RdbType.SET;
    case 'hash':
      return v.value.listpack ? RdbType.HASH_LISTPACK : RdbType.HASH;
    case 'zset':
      return v.value.listpack ? RdbType.ZSET_LISTPACK : RdbType.ZSET_2;
    case 'stream':
      return RdbType.STREAM_LISTPACKS_2;
    default: {
      const unknown: never = v;
      throw new Error(`internal error: no RDB encoding for ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Writes the value's type byte, then the key when one is given (the order of a key/value
 * pair in an RDB file), then the serialized object.
 */
export function encodeValue(sink: ByteSink, v: Value, key?: string): void {
  sink.u8(rdbObjectType(v));
  if (key !== undefined) sink.string(key);
  switch (v.type) {
    case 'string':
      sink.string(v.value);
      return;
    case 'list':
      encodeList(sink, v.value);
      return;
    case 'set': {
      const s = v.value;
      if (s.encoding === 'intset') {
        const ints: (number | bigint)[] = [];
        for (const m of s.members()) ints.push(parseInteger(m)!);
        sink.blob(encodeIntset(ints));
        return;
      }
      sink.len(s.size);
      for (const m of s.members()) sink.string(m);
      return;
    }
    case 'hash': {
      const h = v.value;
      if (h.listpack) {
        const lp = new ListpackBuilder(64);
        for (const [f, val] of h.entries()) lp.append(f).append(val);
        sink.blob(lp.finish());
        return;
      }
      sink.len(h.size);
      for (const [f, val] of h.entries()) {
        sink.string(f);
        sink.string(val);
      }
      return;
    }
    case 'zset':
      encodeZset(sink, v.value);
      return;
    case 'stream':
      encodeStream(sink, v.value);
      return;
  }
}

function encodeList(sink: ByteSink, l: ListData): void {
  let counts = l.nodeCounts();
  let total = 0;
  for (const c of counts) total += c;
  // the node model always covers the list; should it ever not, plain 128-element nodes are valid too
  if (total !== l.length) {
    counts = [];
    for (let left = l.length; left > 0; left -= 128) counts.push(Math.min(128, left));
  }
  sink.len(counts.length);
  let at = 0;
  for (const c of counts) {
    sink.len(QUICKLIST_NODE_PACKED);
    const lp = new ListpackBuilder(64);
    for (let k = 0; k < c; k++) lp.append(l.at(at + k));
    at += c;
    sink.blob(lp.finish());
  }
}

/**
 * A score as the listpack holds it: an integral value as an integer (lpAppend of its
 * decimal text stores it so), anything else as text strtod reads back exactly.
 */
export function scoreText(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Object.is(d, -0)) return '-0';
  // integral values print without exponent up to 1e21; beyond, JS's shortest form
  // ("1e+21") is what strtod reads back exactly as well
  return String(d);
}

function encodeZset(sink: ByteSink, z: SortedSet): void {
  if (z.listpack) {
    const lp = new ListpackBuilder(64);
    if (z.size > 0) z.walk(0, false, (member, score) => {
      lp.append(member).append(scoreText(score));
      return true;
    });
    sink.blob(lp.finish());
    return;
  }
  sink.len(z.size);
  // highest score first, as Redis walks its skiplist from the tail
  if (z.size > 0) z.walk(z.size - 1, true, (member, score) => {
    sink.string(member);
    sink.double(score);
    return true;
  });
}

function streamIdBytes(id: StreamId): Buffer {
  const b = Buffer.allocUnsafe(16);
  idKeyBytes(id, b, 0);
  return b;
}

function encodeStream(sink: ByteSink, s: StreamData): void {
  sink.len(s.nodes.size);
  for (const node of s.nodes) {
    sink.blob(streamIdBytes(node.master));
    const lp = new ListpackBuilder(256);
    const mf = node.masterFields;
    lp.appendInteger(node.live).appendInteger(node.deleted).appendInteger(mf.length);
    for (const f of mf) lp.append(f);
    lp.appendInteger(0);
    for (const e of node.entries) {
      const numFields = e.fv.length / 2;
      let same = numFields === mf.length;
      for (let i = 0; same && i < numFields; i++) if (e.fv[i * 2] !== mf[i]) same = false;
      lp.appendInteger((same ? STREAM_ITEM_FLAG_SAMEFIELDS : 0) | (e.deleted ? STREAM_ITEM_FLAG_DELETED : 0));
      lp.appendInteger(signedDelta(e.id.ms, node.master.ms));
      lp.appendInteger(signedDelta(e.id.seq, node.master.seq));
      if (same) {
        for (let i = 1; i < e.fv.length; i += 2) lp.append(e.fv[i]!);
        lp.appendInteger(numFields + 3);
      } else {
        lp.appendInteger(numFields);
        for (const x of e.fv) lp.append(x);
        lp.appendInteger(numFields * 2 + 4);
      }
    }
    sink.blob(lp.finish());
  }
  sink.len(s.length);
  sink.len(s.lastId.ms);
  sink.len(s.lastId.seq);
  sink.len(s.firstId.ms);
  sink.len(s.firstId.seq);
  sink.len(s.maxDeletedId.ms);
  sink.len(s.maxDeletedId.seq);
  sink.len(BigInt.asUintN(64, BigInt(s.entriesAdded)));
  const groups = s.sortedGroups();
  sink.len(groups.length);
  for (const [name, g] of groups) {
    sink.string(name);
    sink.len(g.lastId.ms);
    sink.len(g.lastId.seq);
    sink.len(BigInt.asUintN(64, BigInt(g.entriesRead)));
    sink.len(g.pel.size);
    for (const n of g.pel) {
      sink.bytes(streamIdBytes(n.id));
      sink.millis(n.deliveryTime);
      sink.len(n.deliveryCount);
    }
    const consumers = g.sortedConsumers();
    sink.len(consumers.length);
    for (const c of consumers) {
      sink.string(c.name);
      sink.millis(c.seenTime);
      sink.len(c.pel.size);
      for (const n of c.pel) sink.bytes(streamIdBytes(n.id));
    }
  }
}
