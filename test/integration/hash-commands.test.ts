/**
 * Hash commands through real clients (ioredis, node-redis in RESP2 and RESP3): binary
 * fields and values, the reply shapes per protocol, HSCAN's guarantee under concurrent
 * writes, HRANDFIELD's counts, encodings and the keyspace integration (TYPE, SCAN TYPE,
 * COPY, RENAME, expiry, empty-hash deletion).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, RESP_TYPES } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';

const BIN_FIELD = Buffer.from([0x00, 0x80, 0xff, 0x0d, 0x0a, 0x01]);
const BIN_VALUE = Buffer.from([0xc3, 0x28, 0x00, 0xfe, 0x7f]);

test('ioredis: set, read and delete fields, binary-safe', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.hset('h', 'a', '1', 'b', '2'), 2);
    assert.equal(await r.hset('h', { a: '10', c: '3' }), 1);
    assert.deepEqual(await r.hgetall('h'), { a: '10', b: '2', c: '3' });
    assert.deepEqual(await r.hkeys('h'), ['a', 'b', 'c']);
    assert.deepEqual(await r.hvals('h'), ['10', '2', '3']);
    assert.deepEqual(await r.hmget('h', 'a', 'zz', 'c'), ['10', null, '3']);
    assert.equal(await r.hsetnx('h', 'a', 'x'), 0);
    assert.equal(await r.hsetnx('h', 'd', 'x'), 1);
    assert.equal(await r.hmset('h', 'e', '5'), 'OK');
    assert.equal(await r.hlen('h'), 5);
    assert.equal(await r.hexists('h', 'd'), 1);
    assert.equal(await r.hstrlen('h', 'a'), 2);
    assert.equal(await r.hincrby('h', 'a', -15), -5);
    assert.equal(await r.hincrbyfloat('h', 'f', '0.1'), '0.1');
    assert.equal(await r.hincrbyfloat('h', 'f', '0.2'), '0.3');
    await assert.rejects(r.hincrby('h', 'd', 1), /ERR hash value is not an integer/);
    await assert.rejects(r.hincrbyfloat('h', 'd', 1), /ERR hash value is not a float/);

    assert.equal(await r.hset('bin', BIN_FIELD, BIN_VALUE), 1);
    assert.deepEqual(await r.hgetBuffer('bin', BIN_FIELD), BIN_VALUE);
    assert.equal(await r.hstrlen('bin', BIN_FIELD), BIN_VALUE.length);
    const all = await r.hgetallBuffer('bin');
    assert.deepEqual(Object.keys(all).length, 1);
    const [cursor, flat] = await r.hscanBuffer('bin', 0);
    assert.equal(cursor.toString(), '0');
    assert.deepEqual(flat, [BIN_FIELD, BIN_VALUE]);
    assert.deepEqual(await r.hrandfieldBuffer('bin'), BIN_FIELD);

    assert.equal(await r.hdel('h', 'a', 'b', 'nope'), 2);
    assert.equal(await r.hdel('h', 'c', 'd', 'e', 'f'), 4);
    assert.equal(await r.exists('h'), 0, 'the emptied hash is deleted');
    assert.deepEqual(await r.hgetall('h'), {});

    await r.set('s', 'v');
    await assert.rejects(r.hget('s', 'a'), /^ReplyError: WRONGTYPE/);
    await assert.rejects(r.get('bin'), /^ReplyError: WRONGTYPE/);
    await assert.rejects(r.append('bin', 'x'), /^ReplyError: WRONGTYPE/);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('node-redis RESP2 and RESP3: HGETALL map, HRANDFIELD WITHVALUES pairs, binary values', async () => {
  const srv = await startTestServer();
  const c2 = createClient({ RESP: 2, socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  const c3 = createClient({ RESP: 3, socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  await c2.connect();
  await c3.connect();
  try {
    await c3.hSet('h', { a: '1', b: '2', c: '3' });
    const m3 = await c3.hGetAll('h');
    assert.deepEqual({ ...m3 }, { a: '1', b: '2', c: '3' });
    const m2 = await c2.hGetAll('h');
    assert.deepEqual({ ...m2 }, { a: '1', b: '2', c: '3' });

    const pairs3 = await c3.sendCommand(['HRANDFIELD', 'h', '-5', 'WITHVALUES']);
    assert.ok(Array.isArray(pairs3) && pairs3.length === 5);
    for (const p of pairs3 as unknown[]) {
      assert.ok(Array.isArray(p) && p.length === 2, 'RESP3 pairs each field with its value');
      assert.equal(m3[p[0] as string], p[1]);
    }
    const flat2 = (await c2.sendCommand(['HRANDFIELD', 'h', '-5', 'WITHVALUES'])) as string[];
    assert.equal(flat2.length, 10, 'RESP2 flattens field, value, field, value…');
    for (let i = 0; i < 10; i += 2) assert.equal(m3[flat2[i]!], flat2[i + 1]);
    const uniq = (await c3.hRandFieldCount('h', 10)) as string[];
    assert.deepEqual([...uniq].sort(), ['a', 'b', 'c']);
    assert.deepEqual(await c3.hRandFieldCount('missing', 3), []);
    assert.equal(await c3.hRandField('missing'), null);

    // binary round trip with Buffer replies
    const cb = c3.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    await cb.hSet('bin', BIN_FIELD, BIN_VALUE);
    const got = await cb.hGet('bin', BIN_FIELD);
    assert.ok(Buffer.isBuffer(got) && got.equals(BIN_VALUE));
  } finally {
    c2.destroy();
    c3.destroy();
    await srv.close();
  }
});

test('RESP3 wire format of HGETALL and HRANDFIELD WITHVALUES', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('HELLO', '3');
    await c.call('HSET', 'h', 'f', 'v');
    assert.equal(await c.call('HGETALL', 'h'), '%1\r\n$1\r\nf\r\n$1\r\nv\r\n');
    assert.equal(await c.call('HGETALL', 'none'), '%0\r\n');
    assert.equal(await c.call('HRANDFIELD', 'h', '-2', 'WITHVALUES'), '*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
    assert.equal(await c.call('HRANDFIELD', 'none'), '_\r\n');
    await c.call('HELLO', '2');
    assert.equal(await c.call('HGETALL', 'h'), '*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
    assert.equal(await c.call('HRANDFIELD', 'h', '-2', 'WITHVALUES'), '*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nf\r\n$1\r\nv\r\n');
    assert.equal(await c.call('HRANDFIELD', 'none'), '$-1\r\n');
    assert.equal(await c.call('HSCAN', 'none', '0'), '*2\r\n$1\r\n0\r\n*0\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('HSCAN returns every field present for the whole scan, despite writes in between', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    const stable: string[] = [];
    const args: string[] = [];
    for (let i = 0; i < 3000; i++) {
      args.push(`f${i}`, `v${i}`);
      if (i % 2 === 0) stable.push(`f${i}`);
    }
    await r.hset('big', ...args);
    assert.equal(await r.object('ENCODING', 'big'), 'hashtable');
    const seen = new Map<string, number>();
    let cursor = '0';
    let step = 0;
    do {
      const [next, flat] = await r.hscan('big', cursor, 'COUNT', 50);
      for (let i = 0; i < flat.length; i += 2) {
        seen.set(flat[i]!, (seen.get(flat[i]!) ?? 0) + 1);
        assert.equal(flat[i + 1], await r.hget('big', flat[i]!), 'values come with their fields');
      }
      cursor = next;
      // churn: delete odd fields, add new ones, update stable ones
      const victims = [];
      for (let k = 0; k < 20; k++) victims.push(`f${(step * 40 + k * 2 + 1) % 3000}`);
      await r.hdel('big', ...victims);
      await r.hset('big', `new${step}a`, 'x', `new${step}b`, 'y', `f${(step * 2) % 3000}`, 'updated');
      step++;
    } while (cursor !== '0');
    for (const f of stable) assert.equal(seen.get(f), 1, `${f} returned exactly once`);
    // MATCH filters fields, with the same guarantee
    const matched: string[] = [];
    cursor = '0';
    do {
      const [next, flat] = await r.hscan('big', cursor, 'MATCH', 'f1?', 'COUNT', 100);
      for (let i = 0; i < flat.length; i += 2) matched.push(flat[i]!);
      cursor = next;
    } while (cursor !== '0');
    assert.equal(new Set(matched).size, matched.length, 'no field twice');
    assert.ok(matched.every((f) => /^f1.$/.test(f)));
    for (const f of ['f10', 'f12', 'f14', 'f16', 'f18']) assert.ok(matched.includes(f), `${f} matched`);
    // a small (listpack) hash answers in one call with cursor 0
    await r.hset('small', 'a', '1', 'b', '2');
    assert.deepEqual(await r.hscan('small', 0, 'COUNT', 1), ['0', ['a', '1', 'b', '2']]);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('HRANDFIELD counts: distinct for positive, repeated for negative, whole hash when large', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    const fields = Array.from({ length: 40 }, (_, i) => `f${i}`);
    await r.hset('h', ...fields.flatMap((f) => [f, f.toUpperCase()]));
    for (const n of [1, 5, 13, 20, 39, 40, 100]) {
      const got = (await r.hrandfield('h', n)) as string[];
      assert.equal(got.length, Math.min(n, 40));
      assert.equal(new Set(got).size, got.length, `count ${n}: distinct`);
      assert.ok(got.every((f) => fields.includes(f)));
    }
    const rep = (await r.hrandfield('h', -200)) as string[];
    assert.equal(rep.length, 200);
    assert.ok(new Set(rep).size < 200, 'negative counts repeat fields');
    const wv = (await r.hrandfield('h', 3, 'WITHVALUES')) as string[];
    assert.equal(wv.length, 6);
    for (let i = 0; i < 6; i += 2) assert.equal(wv[i + 1], wv[i]!.toUpperCase());
    // every field gets picked eventually (uniform enough)
    const hits = new Set<string>();
    for (let i = 0; i < 1500 && hits.size < 40; i++) hits.add((await r.hrandfield('h')) as string);
    assert.equal(hits.size, 40);
    await assert.rejects(r.call('HRANDFIELD', 'h', '1', 'WITHSCORES'), /ERR syntax error/);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('encodings, TYPE, SCAN TYPE, COPY, RENAME and expiry of hashes', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const r = ioredisClient(srv.port);
  try {
    await r.hset('h', 'a', '1');
    assert.equal(await r.type('h'), 'hash');
    assert.equal(await r.object('ENCODING', 'h'), 'listpack');
    await r.set('s', 'x');
    const [, found] = await r.scan(0, 'COUNT', 100, 'TYPE', 'hash');
    assert.deepEqual(found, ['h']);
    await r.hset('h', 'long', 'y'.repeat(65));
    assert.equal(await r.object('ENCODING', 'h'), 'hashtable');
    await r.hdel('h', 'long');
    assert.equal(await r.object('ENCODING', 'h'), 'hashtable', 'never converts back');
    // entries limit follows the config
    await r.config('SET', 'hash-max-listpack-entries', '3');
    await r.hset('e', 'a', '1', 'b', '2', 'c', '3');
    assert.equal(await r.object('ENCODING', 'e'), 'listpack');
    await r.hset('e', 'd', '4');
    assert.equal(await r.object('ENCODING', 'e'), 'hashtable');

    assert.equal(await r.copy('h', 'h2'), 1);
    await r.hset('h2', 'b', '2');
    assert.equal(await r.hexists('h', 'b'), 0, 'a copy shares nothing with its source');
    assert.equal(await r.object('ENCODING', 'h2'), 'hashtable');
    await r.rename('h2', 'h3');
    assert.deepEqual(await r.hgetall('h3'), { a: '1', b: '2' });

    await r.expire('h3', 10);
    await r.hset('h3', 'c', '3');
    assert.equal(await r.ttl('h3'), 10, 'field writes keep the TTL');
    clock.advance(11_000);
    assert.equal(await r.hget('h3', 'a'), null);
    assert.equal(await r.exists('h3'), 0);
  } finally {
    r.disconnect();
    await srv.close();
  }
});
