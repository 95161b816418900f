/**
 * Object types older Redis versions wrote (RDB versions before 10): ziplist lists,
 * hashes and sorted sets, quicklists of ziplists, zipmap hashes, ASCII-score sorted sets,
 * plain lists, and the first stream format (type 15). Files are built by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RdbReader, type RdbRecord } from '../../src/persistence/rdb/rdb-reader.js';
import { ByteSink } from '../../src/persistence/rdb/byte-sink.js';
import { Crc64 } from '../../src/persistence/rdb/crc64.js';
import { encodeListpack } from '../../src/persistence/rdb/listpack.js';
import { DEFAULT_LOAD_LIMITS } from '../../src/persistence/rdb/load-limits.js';
import type { Value } from '../../src/keyspace/value-types.js';

/** A ziplist of strings (6-bit lengths) and small integers (int16). */
function ziplist(items: (string | number)[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  for (const it of items) {
    let body: Buffer;
    if (typeof it === 'number') {
      body = Buffer.alloc(3);
      body[0] = 0xc0;
      body.writeInt16LE(it, 1);
    } else {
      body = Buffer.concat([Buffer.from([it.length]), Buffer.from(it, 'latin1')]);
    }
    const entry = Buffer.concat([Buffer.from([prev]), body]);
    parts.push(entry);
    prev = entry.length;
  }
  const bodyAll = Buffer.concat(parts);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + bodyAll.length + 1, 0);
  head.writeUInt32LE(10, 4);
  head.writeUInt16LE(items.length, 8);
  return Buffer.concat([head, bodyAll, Buffer.from([0xff])]);
}

function rdb(version: number, body: (s: ByteSink) => void): Buffer {
  const s = new ByteSink(true);
  s.bytes(Buffer.from(`REDIS${String(version).padStart(4, '0')}`, 'latin1'));
  s.u8(254);
  s.len(0);
  body(s);
  s.u8(255);
  const b = s.take();
  return Buffer.concat([b, new Crc64().update(b).digestBytes()]);
}

function values(buf: Buffer): Map<string, Value> {
  const r = RdbReader.fromBuffer(buf, { limits: { ...DEFAULT_LOAD_LIMITS, listMaxListpackSize: 2 } });
  const out = new Map<string, Value>();
  for (let rec: RdbRecord | null = r.next(); rec !== null; rec = r.next()) if (rec.kind === 'key') out.set(rec.key, rec.value);
  return out;
}

test('version 6-9 types: ziplist list/hash/zset, quicklist of ziplists, zipmap, ASCII zset, plain list', () => {
  const zm = Buffer.concat([Buffer.from([1, 1]), Buffer.from('f'), Buffer.from([2, 0]), Buffer.from('vv'), Buffer.from([0xff])]);
  const buf = rdb(9, (s) => {
    s.u8(10);
    s.string('zl-list');
    s.blob(ziplist(['a', 7, 'c']));
    s.u8(13);
    s.string('zl-hash');
    s.blob(ziplist(['f', 'v', 'n', 5]));
    s.u8(12);
    s.string('zl-zset');
    s.blob(ziplist(['m', '1.5', 'n', -2]));
    s.u8(14);
    s.string('ql');
    s.len(3);
    s.blob(ziplist(['x', 'y']));
    s.blob(ziplist([]));
    s.blob(ziplist(['z']));
    s.u8(9);
    s.string('zipmap');
    s.blob(zm);
    s.u8(3);
    s.string('ascii-zset');
    s.len(3);
    s.string('a');
    s.u8(3);
    s.bytes(Buffer.from('2.5'));
    s.string('b');
    s.u8(254);
    s.string('c');
    s.u8(255);
    s.u8(1);
    s.string('plain-list');
    s.len(3);
    s.string('p');
    s.string('q');
    s.string('r');
  });
  const v = values(buf);
  const list = (k: string) => {
    const x = v.get(k);
    assert.ok(x?.type === 'list');
    return [x.value.slice(0, x.value.length), x.value.listpack, x.value.nodeCounts()];
  };
  // a ziplist list is pushed element by element into a quicklist (fill 2 here) and stays one
  assert.deepEqual(list('zl-list'), [['a', '7', 'c'], false, [2, 1]]);
  // a quicklist keeps its nodes, dropping the empty one
  assert.deepEqual(list('ql'), [['x', 'y', 'z'], false, [2, 1]]);
  assert.deepEqual(list('plain-list'), [['p', 'q', 'r'], false, [2, 1]]);
  const h = v.get('zl-hash');
  assert.ok(h?.type === 'hash');
  assert.deepEqual([...h.value.entries()], [['f', 'v'], ['n', '5']]);
  assert.equal(h.value.listpack, true);
  const zm2 = v.get('zipmap');
  assert.ok(zm2?.type === 'hash');
  assert.deepEqual([...zm2.value.entries()], [['f', 'vv']]);
  const z = v.get('zl-zset');
  assert.ok(z?.type === 'zset');
  assert.equal(z.value.score('m'), 1.5);
  assert.equal(z.value.score('n'), -2);
  const az = v.get('ascii-zset');
  assert.ok(az?.type === 'zset');
  assert.deepEqual([az.value.score('a'), az.value.score('b'), az.value.score('c')], [2.5, Infinity, -Infinity]);
  assert.equal(az.value.listpack, true);
});

test('stream type 15 (Redis 5/6): first ID, entries-added and group entries-read are derived', () => {
  const buf = rdb(9, (s) => {
    s.u8(15);
    s.string('st');
    s.len(1);
    const key = Buffer.alloc(16);
    key.writeBigUInt64BE(5n, 0);
    s.blob(key);
    // master entry: count 2, deleted 0, 1 field "f", terminator; two entries with the same fields
    s.blob(encodeListpack([2, 0, 1, 'f', 0, 2, 0, 0, 'a', 4, 2, 3, 1, 'b', 4]));
    s.len(2);
    s.len(8);
    s.len(1);
    s.len(1);
    s.string('g');
    s.len(5);
    s.len(0);
    s.len(0);
    s.len(0);
  });
  const v = values(buf).get('st');
  assert.ok(v?.type === 'stream');
  const st = v.value;
  assert.equal(st.length, 2);
  assert.deepEqual(st.firstId, { ms: 5, seq: 0 });
  assert.deepEqual(st.lastId, { ms: 8, seq: 1 });
  assert.equal(st.entriesAdded, 2);
  assert.deepEqual([...st.nodes.at(0)!.entries].map((e) => [e.id, e.fv]), [
    [{ ms: 5, seq: 0 }, ['f', 'a']],
    [{ ms: 8, seq: 1 }, ['f', 'b']],
  ]);
  assert.equal(st.group('g')!.entriesRead, 1);
});
