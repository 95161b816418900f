import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteKey, rewriteToBuffer } from '../../src/persistence/aof/aof-rewrite-encoder.js';
import { RespCommandBuilder } from '../../src/persistence/aof/resp-command-builder.js';
import { RespCommandParser } from '../../src/persistence/aof/resp-command-parser.js';
import type { Value } from '../../src/keyspace/value-types.js';
import { hashValue, listValue, setValue, streamValue, stringValue, zsetValue } from '../helpers/aof-sample-values.js';

function commands(key: string, v: Value, exp?: number): string[][] {
  const b = new RespCommandBuilder();
  rewriteKey(b, key, v, exp);
  const p = new RespCommandParser();
  p.push(Buffer.from(b.view()));
  const out: string[][] = [];
  for (let c = p.next(); c !== null; c = p.next()) out.push(c.argv);
  assert.equal(p.finish(), 'clean');
  return out;
}

test('rewrite encoder: string with TTL → SET + PEXPIREAT, exact bytes', () => {
  const b = new RespCommandBuilder();
  rewriteKey(b, 'k', stringValue('v\x00'), 1700000000000);
  assert.equal(b.view().toString('latin1'), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv\x00\r\n*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1700000000000\r\n');
});

test('rewrite encoder: lists, sets, zsets, hashes batched by 64 items', () => {
  const items = Array.from({ length: 130 }, (_, i) => `e${i}`);
  const l = commands('l', listValue(items));
  assert.deepEqual(
    l.map((c) => c.length),
    [66, 66, 4],
  );
  assert.deepEqual(
    l.flatMap((c) => c.slice(2)),
    items,
  );
  assert.ok(l.every((c) => c[0] === 'RPUSH' && c[1] === 'l'));
  const s = commands('s', setValue(['3', '1', '2']));
  assert.deepEqual(s, [['SADD', 's', '1', '2', '3']]);
  const z = commands('z', zsetValue([['b', 2.5], ['a', -Infinity], ['c', 1e21]]));
  assert.deepEqual(z, [['ZADD', 'z', '-inf', 'a', '2.5', 'b', '1e+21', 'c']]);
  const hp = Array.from({ length: 65 }, (_, i): [string, string] => [`f${i}`, `v${i}`]);
  const h = commands('h', hashValue(hp));
  assert.equal(h.length, 2);
  assert.equal(h[0]![0], 'HMSET');
  assert.equal(h[0]!.length, 2 + 128);
  assert.deepEqual(h[1], ['HMSET', 'h', 'f64', 'v64']);
});

test('rewrite encoder: streams with deletions, groups, PEL and empty consumers', () => {
  const c = commands('st', streamValue(3, { deleted: [3], group: true }));
  assert.deepEqual(c, [
    ['XADD', 'st', '1-1', 'f', 'v1', 'g', '1'],
    ['XADD', 'st', '2-1', 'f', 'v2', 'g', '2'],
    ['XSETID', 'st', '3-1', 'ENTRIESADDED', '3', 'MAXDELETEDID', '3-1'],
    ['XGROUP', 'CREATE', 'st', 'g0', '0-0', 'ENTRIESREAD', '0'],
    ['XGROUP', 'CREATE', 'st', 'g1', '2-1', 'ENTRIESREAD', '2'],
    ['XCLAIM', 'st', 'g1', 'alice', '0', '1-1', 'TIME', '1700000000123', 'RETRYCOUNT', '3', 'JUSTID', 'FORCE'],
    ['XCLAIM', 'st', 'g1', 'alice', '0', '2-1', 'TIME', '1700000000456', 'RETRYCOUNT', '1', 'JUSTID', 'FORCE'],
    ['XGROUP', 'CREATECONSUMER', 'st', 'g1', 'bob'],
  ]);
  const empty = commands('e', streamValue(2, { deleted: [1, 2] }));
  assert.deepEqual(empty, [
    ['XADD', 'e', 'MAXLEN', '0', '0-1', 'x', 'y'],
    ['XSETID', 'e', '2-1', 'ENTRIESADDED', '2', 'MAXDELETEDID', '2-1'],
  ]);
});

test('rewrite encoder: databases start with SELECT, empty ones are skipped', () => {
  const buf = rewriteToBuffer([
    [0, [['a', stringValue('1')]]],
    [1, []],
    [5, [['b', stringValue('2'), 99]]],
  ]);
  const p = new RespCommandParser();
  p.push(buf);
  const out: string[][] = [];
  for (let c = p.next(); c !== null; c = p.next()) out.push(c.argv);
  assert.deepEqual(out, [
    ['SELECT', '0'],
    ['SET', 'a', '1'],
    ['SELECT', '5'],
    ['SET', 'b', '2'],
    ['PEXPIREAT', 'b', '99'],
  ]);
});
