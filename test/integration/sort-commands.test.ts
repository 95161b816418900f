/**
 * SORT / SORT_RO through real clients (ioredis's argument lists, node-redis's options
 * objects over RESP3), their keyspace events ("sortstore", "del" for an emptied
 * destination), WATCH on the STORE destination, COMMAND GETKEYS, and the stored list's
 * 7.2 encoding (listpack when it fits one node, as sort.c converts it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';

test('ioredis: sort with BY, GET, LIMIT, DESC, ALPHA, STORE; sort_ro', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    await r.rpush('ids', '3', '1', '2', '4');
    await r.mset('w_1', '40', 'w_2', '30', 'w_3', '30', 'name_1', 'ann', 'name_2', 'bob', 'name_3', 'cy');
    await r.hset('user_4', 'age', '7', 'name', 'dee');
    assert.deepEqual(await r.sort('ids'), ['1', '2', '3', '4']);
    // weights 40, 30, 30 and none (0): equal weights in element order, then DESC reverses all
    assert.deepEqual(await r.sort('ids', 'BY', 'w_*'), ['4', '2', '3', '1']);
    assert.deepEqual(await r.sort('ids', 'BY', 'w_*', 'GET', '#', 'GET', 'name_*', 'DESC'), ['1', 'ann', '3', 'cy', '2', 'bob', '4', null]);
    assert.deepEqual(await r.sort('ids', 'BY', 'user_*->age', 'LIMIT', 2, 2, 'GET', 'user_*->name'), [null, 'dee']);
    assert.deepEqual(await r.sort('ids', 'BY', 'nosort', 'LIMIT', 0, 2, 'DESC'), ['4', '2']);
    assert.deepEqual(await r.sort('ids', 'LIMIT', 0, 3, 'GET', 'name_*', 'ALPHA'), ['ann', 'bob', 'cy']);
    assert.equal(await r.sort('ids', 'GET', 'name_*', 'STORE', 'names'), 4);
    assert.deepEqual(await r.lrange('names', 0, -1), ['ann', 'bob', 'cy', '']);
    assert.equal(await r.object('ENCODING', 'names'), 'listpack');
    assert.deepEqual(await r.sort_ro('ids', 'BY', 'w_*', 'LIMIT', 0, 1), ['4']);
    await assert.rejects(r.call('SORT_RO', 'ids', 'STORE', 'x'), /ERR syntax error/);
    await r.rpush('words', 'b', 'a', 'c');
    await assert.rejects(r.sort('words'), /ERR One or more scores can't be converted into double/);
    await r.set('str', 'v');
    await assert.rejects(r.sort('str'), /WRONGTYPE/);
    // a big stored result is a quicklist
    // a stored result beyond one 8 KiB node (list-max-listpack-size -2) stays a quicklist
    const padded = (n: number) => String(n).padStart(12, '0');
    await r.rpush('big', ...Array.from({ length: 1000 }, (_, i) => padded(1000 - i)));
    assert.equal(await r.sort('big', 'STORE', 'bigsorted'), 1000);
    assert.equal(await r.object('ENCODING', 'bigsorted'), 'quicklist');
    assert.deepEqual(await r.lrange('bigsorted', 0, 1), [padded(1), padded(2)]);
    assert.equal(await r.sort('big', 'LIMIT', 0, 10, 'STORE', 'bigsorted'), 10);
    assert.equal(await r.object('ENCODING', 'bigsorted'), 'listpack');
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('node-redis (RESP3): SORT with its options object, SORT_STORE, SORT_RO', async () => {
  const srv = await startTestServer();
  const client = createClient({ socket: { port: srv.port, host: '127.0.0.1' }, RESP: 3 });
  await client.connect();
  try {
    await client.sAdd('tags', ['beta', 'alpha', 'gamma']);
    await client.hSet('meta_alpha', { rank: '2' });
    await client.hSet('meta_beta', { rank: '1' });
    assert.deepEqual(await client.sort('tags', { ALPHA: true }), ['alpha', 'beta', 'gamma']);
    assert.deepEqual(await client.sort('tags', { ALPHA: true, DIRECTION: 'DESC', LIMIT: { offset: 1, count: 5 } }), ['beta', 'alpha']);
    // gamma has no rank (0): first; a missing GET value is RESP3 null
    assert.deepEqual(await client.sort('tags', { BY: 'meta_*->rank', GET: ['#', 'meta_*->rank'] }), ['gamma', null, 'beta', '1', 'alpha', '2']);
    assert.equal(await client.sortStore('tags', 'sorted', { BY: 'meta_*->rank' }), 3);
    assert.deepEqual(await client.lRange('sorted', 0, -1), ['gamma', 'beta', 'alpha']);
    assert.deepEqual(await client.sortRo('tags', { BY: 'meta_*->rank', LIMIT: { offset: 0, count: 1 } }), ['gamma']);
    // an unsorted set is sorted ALPHA when stored (the stored list must not depend on layout)
    assert.equal(await client.sortStore('tags', 'plain', { BY: 'nosort' }), 3);
    assert.deepEqual(await client.lRange('plain', 0, -1), ['alpha', 'beta', 'gamma']);
  } finally {
    await client.quit();
    await srv.close();
  }
});

test('SORT STORE: keyspace events, WATCH, TTL, empty results, COMMAND GETKEYS', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  const sub = ioredisClient(srv.port);
  const watcher = ioredisClient(srv.port);
  try {
    await r.config('SET', 'notify-keyspace-events', 'KEA');
    const events: string[] = [];
    sub.on('pmessage', (_p: string, channel: string, message: string) => events.push(`${channel} ${message}`));
    await sub.psubscribe('__keyevent@0__:*');
    await r.rpush('src', '2', '1');
    await r.set('dst', 'old', 'EX', 100);

    // WATCH dst, then SORT ... STORE dst from another client: EXEC is aborted
    await watcher.watch('dst');
    assert.equal(await r.sort('src', 'STORE', 'dst'), 2);
    assert.equal(await watcher.multi().get('dst').exec(), null);
    assert.equal(await r.ttl('dst'), -1);
    assert.deepEqual(await r.lrange('dst', 0, -1), ['1', '2']);

    // an empty result deletes the destination (a "del" event, WATCH sees it)
    await watcher.watch('dst');
    assert.equal(await r.sort('nokey', 'STORE', 'dst'), 0);
    assert.equal(await r.exists('dst'), 0);
    assert.equal(await watcher.multi().get('dst').exec(), null);
    // ...and when there is nothing to delete, nothing happens: the watcher's EXEC runs
    await watcher.watch('dst');
    assert.equal(await r.sort('nokey', 'STORE', 'dst'), 0);
    assert.deepEqual(await watcher.multi().exists('dst').exec(), [[null, 0]]);

    await r.ping();
    const deadline = Date.now() + 5000;
    while (events.filter((e) => e.includes('sortstore') || e.includes(':del')).length < 2 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 20));
    }
    const relevant = events.filter((e) => e.includes('sortstore') || e.includes(':del'));
    assert.deepEqual(relevant, ['__keyevent@0__:sortstore dst', '__keyevent@0__:del dst']);

    assert.deepEqual(await r.command('GETKEYS', 'SORT', 'src', 'BY', 'w_*', 'GET', '#', 'STORE', 'out'), ['src', 'out']);
    assert.deepEqual(await r.command('GETKEYS', 'SORT_RO', 'src', 'BY', 'w_*'), ['src']);
    assert.deepEqual(await r.command('GETKEYS', 'SORT', 'src', 'STORE', 'a', 'STORE', 'b'), ['src', 'b']);
  } finally {
    r.disconnect();
    sub.disconnect();
    watcher.disconnect();
    await srv.close();
  }
});
