/**
 * INFO memory / MEMORY USAGE / MEMORY STATS over the wire: the accounted figures move with
 * the data set, agree with each other, and keep Redis's field names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ioredisClient, startTestServer } from '../helpers/server.js';

function fields(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) m.set(line.slice(0, at), line.slice(at + 1));
  }
  return m;
}

test('INFO memory: used_memory grows with data and drops after FLUSHALL; peak, overhead and dataset are consistent', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    const before = fields(await r.info('memory'));
    const used0 = Number(before.get('used_memory'));
    // the runtime's own start-up heap is not the instance's: an empty server counts about
    // what an empty redis-server does (~0.9 MB), so a small maxmemory still takes writes
    assert.ok(used0 < 2 * 1024 * 1024, `empty server used_memory ${used0}`);
    assert.ok(Number(before.get('used_memory_startup')) <= used0);
    for (let i = 0; i < 2000; i++) await r.set(`k:${i}`, 'x'.repeat(200));
    await r.hset('h', Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, 'v'.repeat(30)])));
    const full = fields(await r.info('memory'));
    const used1 = Number(full.get('used_memory'));
    // a 200-byte value costs about 216 B, its key and bookkeeping about 135 more
    assert.ok(used1 - used0 > 2000 * 300, `grew by ${used1 - used0}`);
    assert.ok(used1 - used0 < 2000 * 700 + 500 * 400, `but not absurdly (${used1 - used0})`);
    const peak = Number(full.get('used_memory_peak'));
    assert.ok(peak >= used1);
    assert.equal(Number(full.get('used_memory_dataset')), used1 - Number(full.get('used_memory_overhead')));
    assert.ok(Number(full.get('used_memory_overhead')) >= Number(full.get('used_memory_startup')));
    assert.equal(full.get('maxmemory'), '0');
    assert.equal(full.get('maxmemory_policy'), 'noeviction');
    assert.ok(Number(full.get('used_memory_rss')) > 0);
    assert.match(full.get('mem_fragmentation_ratio')!, /^\d+\.\d\d$/);
    assert.equal(await r.flushall(), 'OK');
    const after = fields(await r.info('memory'));
    const used2 = Number(after.get('used_memory'));
    assert.ok(used2 < used0 + 20_000, `back near the start (${used0} → ${used2})`);
    assert.equal(Number(after.get('used_memory_peak')), peak, 'the peak stays');
    assert.equal(after.get('used_memory_peak_perc'), `${((used2 * 100) / peak).toFixed(2)}%`);
    await r.config('SET', 'maxmemory', '3mb');
    assert.equal(await r.set('fits', 'x'.repeat(1000)), 'OK');
    await r.config('SET', 'maxmemory', '100mb');
    await r.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    const limited = fields(await r.info('memory'));
    assert.equal(limited.get('maxmemory'), String(100 * 1024 * 1024));
    assert.equal(limited.get('maxmemory_human'), '100.00M');
    assert.equal(limited.get('maxmemory_policy'), 'allkeys-lfu');
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('MEMORY USAGE follows the value and MEMORY STATS agrees with INFO', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.memory('USAGE', 'missing'), null);
    await r.set('s', 'x'.repeat(100));
    const small = Number(await r.memory('USAGE', 's'));
    await r.set('s', 'x'.repeat(10_000));
    const big = Number(await r.memory('USAGE', 's'));
    assert.ok(big - small >= 9_800 && big - small < 10_100, `${small} → ${big}`);
    for (let i = 0; i < 100; i++) await r.rpush('l', 'e'.repeat(100));
    const list = Number(await r.memory('USAGE', 'l'));
    assert.ok(list > 100 * 100 && list < 100 * 300, `list of 100 × 100 bytes: ${list}`);
    assert.equal(Number(await r.memory('USAGE', 'l', 'SAMPLES', '0')), list, 'the estimate does not depend on sampling');
    await r.expire('s', 100);
    const stats = (await r.call('MEMORY', 'STATS')) as unknown[];
    const map = new Map<string, unknown>();
    for (let i = 0; i < stats.length; i += 2) map.set(String(stats[i]), stats[i + 1]);
    assert.equal(map.get('keys.count'), 2);
    const db0 = map.get('db.0') as unknown[];
    assert.deepEqual(db0.filter((_, i) => i % 2 === 0), ['overhead.hashtable.main', 'overhead.hashtable.expires', 'overhead.hashtable.slot-to-keys']);
    const info = fields(await r.info('memory'));
    // INFO ran after STATS: the same figure unless the client buffers moved meanwhile
    assert.ok(Math.abs(Number(info.get('used_memory')) - Number(map.get('total.allocated'))) < 4096);
    assert.equal(await r.call('MEMORY', 'MALLOC-STATS'), 'Stats not supported for the current allocator');
    assert.equal(await r.call('MEMORY', 'PURGE'), 'OK');
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('metrics: accounted used memory, maxmemory and evicted keys', async () => {
  const srv = await startTestServer({ metricsPort: 0 });
  const r = ioredisClient(srv.port);
  try {
    await r.config('SET', 'maxmemory-policy', 'allkeys-random');
    for (let i = 0; i < 300; i++) await r.set(`k:${i}`, 'x'.repeat(1000));
    await r.config('SET', 'maxmemory', String(srv.server.memory.used() - 100 * 1300));
    await r.ping();
    const text = await (await fetch(`http://127.0.0.1:${srv.server.metrics!.port}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    const info = fields(await r.info('memory'));
    assert.equal(value('redoubt_memory_max_bytes'), Number(info.get('maxmemory')));
    assert.ok(Math.abs(value('redoubt_memory_used_bytes') - Number(info.get('used_memory'))) < 4096);
    assert.equal(value('redoubt_evicted_keys_total'), srv.server.stats.evictedKeys);
    assert.ok(value('redoubt_evicted_keys_total') >= 100);
    assert.ok(value('redoubt_memory_rss_bytes') > 0);
  } finally {
    r.disconnect();
    await srv.close();
  }
});
