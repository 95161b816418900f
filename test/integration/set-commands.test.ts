/**
 * Set commands where Redis 7.2 differs from the 7.0 oracle (listpack sets and their
 * insertion order, the SADD size hint, result-set encodings), plus keyspace events, the
 * RESP3 reply shapes through node-redis, and the SetData invariants under random edits.
 * Expected values follow t_set.c of 7.2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { SetData, compareIntMembers, isIntMember } from '../../src/types/set.js';
import { NotifyKind, type NotifyKindBit } from '../../src/keyspace/keyspace-events.js';

test('7.2 encodings and iteration order: intset sorted, listpack in insertion order', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    await r.sadd('s', '3', '1', '2');
    assert.equal(await r.object('ENCODING', 's'), 'intset');
    assert.deepEqual(await r.smembers('s'), ['1', '2', '3']);
    // a non-integer turns a small intset into a listpack: its integers in order, then the rest
    await r.sadd('s', 'b', 'a', '0');
    assert.equal(await r.object('ENCODING', 's'), 'listpack');
    assert.deepEqual(await r.smembers('s'), ['1', '2', '3', 'b', 'a', '0']);
    await r.srem('s', '2');
    await r.sadd('s', '2');
    assert.deepEqual(await r.smembers('s'), ['1', '3', 'b', 'a', '0', '2']);
    // one reply with cursor 0 for a listpack, whatever COUNT says
    assert.deepEqual(await r.sscan('s', '0', 'COUNT', '1'), ['0', ['1', '3', 'b', 'a', '0', '2']]);
    // SUNION rebuilds from an intset: leading integers sorted, then insertion order
    await r.sadd('l', 'a', '9', '5');
    await r.srem('l', 'a');
    await r.sadd('l', 'x', '7');
    assert.deepEqual(await r.smembers('l'), ['9', '5', 'x', '7']);
    assert.deepEqual(await r.sunion('l'), ['5', '9', 'x', '7']);
    assert.deepEqual(await r.sinter('l', 'l'), ['9', '5', 'x', '7']);
    assert.deepEqual(await r.sdiff('l', 'nokey'), ['5', '9', 'x', '7']);
    // listpack limits: 128 entries, 64-byte members
    await r.sadd('big', ...Array.from({ length: 128 }, (_, i) => `m${i}`));
    assert.equal(await r.object('ENCODING', 'big'), 'listpack');
    await r.sadd('big', 'one-more');
    assert.equal(await r.object('ENCODING', 'big'), 'hashtable');
    await r.sadd('v', 'x'.repeat(64));
    assert.equal(await r.object('ENCODING', 'v'), 'listpack');
    await r.sadd('v', 'y'.repeat(65));
    assert.equal(await r.object('ENCODING', 'v'), 'hashtable');
    // an intset with 128 entries is too big for a listpack: a non-integer makes it a hashtable
    await r.sadd('i127', ...Array.from({ length: 127 }, (_, i) => String(i)));
    await r.sadd('i127', 'z');
    assert.equal(await r.object('ENCODING', 'i127'), 'listpack');
    await r.sadd('i128', ...Array.from({ length: 128 }, (_, i) => String(i)));
    await r.sadd('i128', 'z');
    assert.equal(await r.object('ENCODING', 'i128'), 'hashtable');
    // the SADD argument count sizes a new set, duplicates included
    await r.sadd('dups', ...Array.from({ length: 129 }, () => 'a'));
    assert.equal(await r.object('ENCODING', 'dups'), 'hashtable');
    await r.sadd('idups', ...Array.from({ length: 513 }, () => '1'));
    assert.equal(await r.object('ENCODING', 'idups'), 'hashtable');
    await r.sadd('grow', 'a');
    await r.sadd('grow', ...Array.from({ length: 129 }, () => 'a'));
    assert.equal(await r.object('ENCODING', 'grow'), 'hashtable');
    // SINTERSTORE: an all-integer result becomes an intset, else it starts as a listpack
    await r.sadd('h1', 'a', '10', '2', '30');
    await r.sadd('h2', '30', '2', '10', 'b');
    assert.equal(await r.sinterstore('d', 'h1', 'h2'), 3);
    assert.equal(await r.object('ENCODING', 'd'), 'intset');
    assert.deepEqual(await r.smembers('d'), ['2', '10', '30']);
    await r.sadd('h2', 'a');
    await r.sinterstore('d', 'h1', 'h2');
    assert.equal(await r.object('ENCODING', 'd'), 'listpack');
    assert.deepEqual(await r.smembers('d'), ['a', '10', '2', '30']);
    // SPOP taking most of a hashtable keeps the rest in a new (listpack) set
    await r.sadd('pop', ...Array.from({ length: 200 }, (_, i) => `p${i}`));
    const popped = await r.spop('pop', 190);
    assert.equal(popped.length, 190);
    assert.equal(await r.scard('pop'), 10);
    assert.equal(await r.object('ENCODING', 'pop'), 'listpack');
    // SDIFF's algorithm choice shows in the result's encoding: copying the first set
    // (chosen with three inputs here) outgrows a listpack, walking it (two inputs) does not
    await r.sadd('da', ...Array.from({ length: 200 }, (_, i) => `m${i}`));
    await r.sadd('db', ...Array.from({ length: 45 }, (_, i) => `m${i}`));
    await r.sadd('dc', ...Array.from({ length: 45 }, (_, i) => `m${45 + i}`));
    await r.sadd('dbc', ...Array.from({ length: 90 }, (_, i) => `m${i}`));
    assert.equal(await r.sdiffstore('dd', 'da', 'db', 'dc'), 110);
    assert.equal(await r.object('ENCODING', 'dd'), 'hashtable');
    assert.equal(await r.sdiffstore('de', 'da', 'dbc'), 110);
    assert.equal(await r.object('ENCODING', 'de'), 'listpack');
    // SRANDMEMBER on a listpack: distinct picks in the set's order
    await r.del('lp');
    await r.sadd('lp', ...Array.from({ length: 50 }, (_, i) => `e${i}`));
    const picks = await r.srandmember('lp', 10);
    const order = (await r.smembers('lp')) as string[];
    const positions = (picks as string[]).map((p) => order.indexOf(p));
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
    assert.equal(new Set(picks).size, 10);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('keyspace events carry t_set.c names', async () => {
  const srv = await startTestServer();
  const events: string[] = [];
  srv.server.keyspace.notifyKeyspaceEvent = (kind: NotifyKindBit, event: string, key: string, db: number) => {
    // `new` and `keymiss` events (classes n and m) are not what this test is about
    if (kind === NotifyKind.newKey || kind === NotifyKind.keyMiss) return;
    events.push(`${kind === NotifyKind.set ? 's' : kind === NotifyKind.generic ? 'g' : '?'}:${event}:${key}:${db}`);
  };
  const r = ioredisClient(srv.port);
  try {
    await r.sadd('a', 'x', 'y');
    await r.sadd('a', 'x');
    await r.srem('a', 'nope');
    await r.srem('a', 'x');
    await r.smove('a', 'b', 'y');
    await r.sadd('c', '1', '2');
    await r.spop('c');
    await r.spop('c', 5);
    await r.sadd('c', '1');
    await r.sinterstore('d', 'b', 'b');
    await r.sunionstore('d', 'b', 'c');
    await r.sdiffstore('d', 'b', 'b');
    await r.sinterstore('d', 'nokey');
    assert.deepEqual(events, [
      's:sadd:a:0',
      's:srem:a:0',
      's:srem:a:0',
      'g:del:a:0',
      's:sadd:b:0',
      's:sadd:c:0',
      's:spop:c:0',
      's:spop:c:0',
      'g:del:c:0',
      's:sadd:c:0',
      's:sinterstore:d:0',
      's:sunionstore:d:0',
      'g:del:d:0',
    ]);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('node-redis RESP3: sets come back as sets, SRANDMEMBER counts as arrays', async () => {
  const srv = await startTestServer();
  const client = createClient({ socket: { port: srv.port, host: '127.0.0.1' }, RESP: 3 });
  await client.connect();
  try {
    await client.sAdd('s', ['a', 'b', 'c']);
    const members = await client.sMembers('s');
    assert.deepEqual([...members].sort(), ['a', 'b', 'c']);
    assert.deepEqual(await client.sendCommand(['SRANDMEMBER', 's', '-4']).then((x) => (x as unknown as unknown[]).length), 4);
    assert.deepEqual(await client.sendCommand(['SPOP', 'nokey', '3']), []);
    assert.equal(await client.sendCommand(['SPOP', 'nokey']), null);
    assert.deepEqual(await client.smIsMember('s', ['a', 'z']), [1, 0]);
    assert.equal(await client.sInterCard(['s', 's'], { LIMIT: 2 }), 2);
  } finally {
    await client.quit();
    await srv.close();
  }
});

test('random picks are uniform for every encoding, and SCAN TYPE finds sets', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    await r.sadd('int', ...Array.from({ length: 10 }, (_, i) => String(i)));
    await r.sadd('lp', ...Array.from({ length: 10 }, (_, i) => `m${i}`));
    await r.sadd('ht', ...Array.from({ length: 10 }, (_, i) => `m${i}`), 'x'.repeat(100));
    await r.srem('ht', 'x'.repeat(100));
    for (const key of ['int', 'lp', 'ht']) {
      // 20000 picks over 10 members: each expected 2000 times (sd about 42); 25% is ~12 sd
      const picks = (await r.srandmember(key, -20000)) as string[];
      const counts = new Map<string, number>();
      for (const p of picks) counts.set(p, (counts.get(p) ?? 0) + 1);
      assert.equal(counts.size, 10, key);
      for (const [m, n] of counts) assert.ok(n > 1500 && n < 2500, `${key}: ${m} picked ${n} times`);
      // distinct picks: over many draws of 3 of 10, every member shows up about 30% of the time
      const seen = new Map<string, number>();
      for (let i = 0; i < 2000; i++) for (const m of (await r.srandmember(key, 3)) as string[]) seen.set(m, (seen.get(m) ?? 0) + 1);
      for (const [m, n] of seen) assert.ok(n > 450 && n < 750, `${key}: ${m} drawn ${n} times in 2000 draws of 3`);
    }
    await r.set('str', 'v');
    const [, found] = await r.scan('0', 'COUNT', '100', 'TYPE', 'set');
    assert.deepEqual([...found].sort(), ['ht', 'int', 'lp']);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('SetData keeps encoding invariants under random edits', () => {
  const member = fc.oneof(fc.integer({ min: -50, max: 50 }).map(String), fc.constantFrom('a', 'b', '', '01', '-0', 'x'.repeat(70), '9223372036854775807', '-9223372036854775808'));
  const op = fc.tuple(fc.boolean(), member);
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), (ops, intsetEntries, listpackEntries) => {
      const lim = { intsetEntries, listpackEntries, listpackValue: 16 };
      const s = SetData.empty('intset');
      const model = new Set<string>();
      for (const [add, m] of ops) {
        assert.equal(add ? s.add(m, lim) : s.delete(m), add ? !model.has(m) : model.has(m));
        if (add) model.add(m);
        else model.delete(m);
        assert.equal(s.size, model.size);
        const list = [...s.members()];
        assert.equal(new Set(list).size, list.length);
        assert.deepEqual([...list].sort(), [...model].sort());
        if (s.encoding === 'intset') {
          assert.ok(list.every(isIntMember));
          assert.deepEqual(list, [...list].sort(compareIntMembers));
        }
      }
      const copy = s.clone();
      assert.deepEqual([...copy.members()], [...s.members()]);
      assert.equal(copy.encoding, s.encoding);
    }),
    { numRuns: 300 },
  );
});
