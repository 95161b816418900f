/**
 * MEMORY and maxmemory against a live redis-server: the same sequences to both, replies
 * compared byte for byte where Redis's answer does not depend on its allocator (errors,
 * nil, OK, the OOM and EXECABORT texts), by shape where it does (MEMORY USAGE sizes), and
 * MEMORY STATS by its field names and order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { parse, show } from '../helpers/diff-support.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;

async function both(fn: (ours: RawClient, theirs: RawClient, oursAdmin: RawClient, theirsAdmin: RawClient) => Promise<void>): Promise<void> {
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const [a, b, c, d] = await Promise.all([RawClient.connect(srv.port), RawClient.connect(oracle.port), RawClient.connect(srv.port), RawClient.connect(oracle.port)]);
  try {
    await fn(a, b, c, d);
  } finally {
    for (const x of [a, b, c, d]) x.close();
    await srv.close();
    await oracle.stop();
  }
}

/** Sends argv to both and returns both replies. */
async function same(ours: RawClient, theirs: RawClient, ...argv: string[]): Promise<[string, string]> {
  return [await ours.call(...argv), await theirs.call(...argv)];
}

test('MEMORY USAGE: nil, errors and option order as Redis; an integer size for every type', { skip }, async () => {
  await both(async (ours, theirs) => {
    const exact: string[][] = [
      ['MEMORY', 'USAGE', 'nokey'],
      ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', '3'],
      ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', 'x'],
      ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', '-1'],
      ['MEMORY', 'USAGE', 'nokey', 'SAMPLES'],
      ['MEMORY', 'USAGE', 'nokey', 'FOO'],
      ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', '1', 'SAMPLES', '99999999999999999999'],
      ['MEMORY', 'USAGE'],
      ['MEMORY', 'PURGE'],
      ['MEMORY', 'PURGE', 'x'],
      ['MEMORY', 'STATS', 'x'],
      ['MEMORY', 'NOPE'],
      ['MEMORY'],
    ];
    for (const argv of exact) {
      const [a, b] = await same(ours, theirs, ...argv);
      assert.equal(a, b, `${argv.join(' ')}: ${show(a)} vs ${show(b)}`);
    }
    const setup = [
      ['SET', 's', 'v'],
      ['SET', 'n', '12345'],
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['SADD', 'st', 'a', 'b'],
      ['ZADD', 'z', '1', 'a'],
      ['RPUSH', 'l', 'a', 'b'],
      ['XADD', 'x', '*', 'f', 'v'],
    ];
    for (const argv of setup) await same(ours, theirs, ...argv);
    for (const key of ['s', 'n', 'h', 'st', 'z', 'l', 'x']) {
      for (const extra of [[], ['SAMPLES', '0'], ['samples', '2']]) {
        const [a, b] = await same(ours, theirs, 'MEMORY', 'USAGE', key, ...extra);
        assert.match(b, /^:\d+\r\n$/);
        assert.match(a, /^:\d+\r\n$/, `${key}: ${show(a)}`);
        assert.ok(Number(a.slice(1)) > 0);
      }
      // a bad option is refused even for an existing key
      const [a, b] = await same(ours, theirs, 'MEMORY', 'USAGE', key, 'SAMPLES', '-2');
      assert.equal(a, b);
    }
  });
});

test('MEMORY STATS: the same field names in the same order', { skip }, async () => {
  await both(async (ours, theirs) => {
    await same(ours, theirs, 'SET', 'k', 'v');
    await same(ours, theirs, 'SET', 'e', 'v', 'EX', '100');
    const [a, b] = await same(ours, theirs, 'MEMORY', 'STATS');
    const names = (r: string) => {
      const items = parse(r)[0].items!;
      const out: string[] = [];
      for (let i = 0; i < items.length; i += 2) {
        out.push(items[i]!.s!);
        if (items[i + 1]!.items !== undefined) for (let j = 0; j < items[i + 1]!.items!.length; j += 2) out.push(`  ${items[i + 1]!.items![j]!.s!}`);
      }
      return out;
    };
    assert.deepEqual(names(a), names(b));
  });
});

test('OOM and MULTI under maxmemory: the same replies, byte for byte', { skip }, async () => {
  await both(async (ours, theirs, oursAdmin, theirsAdmin) => {
    const admin = (...argv: string[]) => Promise.all([oursAdmin.call(...argv), theirsAdmin.call(...argv)]);
    const check = async (...argv: string[]) => {
      const [a, b] = await same(ours, theirs, ...argv);
      assert.equal(a, b, `${argv.join(' ')}: ${show(a)} vs ${show(b)}`);
    };
    await check('SET', 'present', 'x');
    await check('MULTI');
    await check('SET', 'q', '1');
    await admin('CONFIG', 'SET', 'maxmemory', '1');
    await check('EXEC');
    await check('SET', 'a', 'b');
    await check('GET', 'present');
    await check('MULTI');
    await check('GET', 'present');
    await check('INCR', 'n');
    await check('EXEC');
    await check('MULTI');
    await check('DISCARD');
    await check('PING');
    await check('DEL', 'nokey');
    await check('LPUSH', 'l', 'x');
    await check('APPEND', 'present', 'y');
    await check('EXPIRE', 'present', '100');
    await check('CONFIG', 'SET', 'maxmemory-policy', 'volatile-lru');
    await check('SET', 'a', 'b');
    await check('DEL', 'present');
    await admin('CONFIG', 'SET', 'maxmemory', '0');
    await check('SET', 'a', 'b');
    const [oi, ti] = await admin('INFO', 'stats');
    for (const text of [oi, ti]) assert.match(text, /\r\ntotal_eviction_exceeded_time:\d+\r\ncurrent_eviction_exceeded_time:\d+\r\n/);
  });
});
