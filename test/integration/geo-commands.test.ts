/**
 * The GEO commands through real clients (ioredis's argument lists, node-redis's options
 * objects over RESP3), their keyspace events (GEOADD notifies "zadd", the stores
 * "georadiusstore"/"geosearchstore", an empty store deletes with "del"), and the write
 * feed: GEOADD is propagated as the ZADD it runs (as Redis rewrites it), the stores as
 * sent, and replaying the feed rebuilds the same keyspace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { Server } from '../../src/server/server.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { prng } from '../helpers/diff-support.js';
import { dumpKeyspace, localClient, replayFeed, TimedSink } from '../helpers/propagation.js';

test('ioredis: geoadd, geodist, geopos, geohash, geosearch, georadius with options', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.geoadd('Sicily', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania'), 2);
    assert.equal(await r.call('GEOADD', 'Sicily', 'NX', 'CH', '0', '0', 'Palermo'), 0);
    assert.equal(await r.call('GEOADD', 'Sicily', 'XX', 'CH', '13.361389', '38.115556', 'Palermo', '1', '1', 'Nowhere'), 0);
    assert.equal(await r.geodist('Sicily', 'Palermo', 'Catania'), '166274.1516');
    assert.equal(await r.geodist('Sicily', 'Palermo', 'Catania', 'KM'), '166.2742');
    assert.equal(await r.geodist('Sicily', 'Palermo', 'Nowhere'), null);
    assert.deepEqual(await r.geopos('Sicily', 'Palermo', 'Nowhere'), [['13.36138933897018433', '38.11555639549629859'], null]);
    assert.deepEqual(await r.geohash('Sicily', 'Palermo', 'Catania'), ['sqc8b49rny0', 'sqdtr74hyu0']);
    assert.deepEqual(await r.geosearch('Sicily', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ASC', 'WITHDIST'), [
      ['Catania', '56.4413'],
      ['Palermo', '190.4424'],
    ]);
    assert.deepEqual(await r.geosearch('Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', 400, 400, 'km', 'DESC', 'COUNT', 1), ['Catania']);
    assert.deepEqual(await r.georadius('Sicily', 15, 37, 100, 'km'), ['Catania']);
    assert.deepEqual(await r.georadiusbymember('Sicily', 'Palermo', 200, 'km', 'WITHHASH', 'ASC'), [
      ['Palermo', 3479099956230698],
      ['Catania', 3479447370796909],
    ]);
    assert.equal(await r.geosearchstore('near', 'Sicily', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'STOREDIST'), 2);
    assert.equal(await r.zcard('near'), 2);
    await assert.rejects(r.call('GEOADD', 'Sicily', '181', '0', 'x'), /ERR invalid longitude,latitude pair 181\.000000,0\.000000/);
    await assert.rejects(r.call('GEOSEARCH', 'Sicily', 'BYRADIUS', '1', 'km', 'ASC', 'WITHDIST'), /ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH/);
    await assert.rejects(r.call('GEODIST', 'Sicily', 'a', 'b', 'yd'), /ERR unsupported unit provided\. please use M, KM, FT, MI/);
    await assert.rejects(r.call('GEORADIUS', 'Sicily', '15', '37', '1', 'km', 'ANY'), /ERR the ANY argument requires COUNT argument/);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('node-redis (RESP3): GEOADD and GEOSEARCH with coordinates as doubles', async () => {
  const srv = await startTestServer();
  const c = createClient({ socket: { port: srv.port, host: '127.0.0.1' }, RESP: 3 });
  await c.connect();
  try {
    assert.equal(await c.geoAdd('g', [{ longitude: 13.361389, latitude: 38.115556, member: 'Palermo' }, { longitude: 15.087269, latitude: 37.502669, member: 'Catania' }]), 2);
    assert.deepEqual(await c.geoSearch('g', { longitude: 15, latitude: 37 }, { radius: 100, unit: 'km' }), ['Catania']);
    const raw = (await c.sendCommand(['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km', 'WITHCOORD'])) as unknown[];
    // RESP3 doubles come back as numbers with the digits Redis prints
    assert.deepEqual(raw, [['Palermo', [13.36138933897018433, 38.11555639549629859]]]);
    assert.deepEqual(await c.geoPos('g', ['Catania', 'none']), [{ longitude: 15.08726745843887329, latitude: 37.50266842333162032 }, null]);
  } finally {
    await c.quit();
    await srv.close();
  }
});

test('keyspace events: GEOADD notifies zadd, stores notify their own event, an empty store deletes', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  const sub = ioredisClient(srv.port);
  try {
    await r.config('SET', 'notify-keyspace-events', 'KEA');
    const events: string[] = [];
    sub.on('pmessage', (_p: string, ch: string, msg: string) => events.push(`${ch.replace(/^__keyspace@0__:/, '')}:${msg}`));
    await sub.psubscribe('__keyspace@0__:*');
    await r.geoadd('g', 13.361389, 38.115556, 'Palermo');
    await r.georadius('g', 13, 38, 100, 'km', 'STORE', 'd1');
    await r.geosearchstore('d2', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', 1, 'km');
    await r.geosearchstore('d2', 'g', 'FROMLONLAT', 0, 0, 'BYRADIUS', 1, 'km');
    await r.ping();
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(events, ['g:zadd', 'd1:georadiusstore', 'd2:geosearchstore', 'd2:del']);
  } finally {
    r.disconnect();
    sub.disconnect();
    await srv.close();
  }
});

test('the write feed: GEOADD as ZADD, stores as sent; a replay rebuilds the keyspace', () => {
  const T0 = 1_700_000_000_000;
  const clockA = new ManualClock(T0);
  const A = new Server({ clock: clockA });
  A.updateTime();
  const sink = new TimedSink(A);
  A.propagator.sink = sink;
  const c = localClient(A);
  const rand = prng(7);
  const pt = () => [String(-180 + rand() * 360), String(-85 + rand() * 170)];
  let stored = 0;
  for (let i = 0; i < 300; i++) {
    const k = Math.floor(rand() * 5);
    if (k <= 1) c.call('GEOADD', 'g', ...(rand() < 0.3 ? ['CH'] : []), ...pt(), `m${Math.floor(rand() * 60)}`);
    else if (k === 2) {
      const r = c.call('GEOSEARCHSTORE', 'd', 'g', 'FROMLONLAT', ...pt(), 'BYRADIUS', String(Math.floor(rand() * 8000)), 'km', ...(rand() < 0.5 ? ['STOREDIST'] : []));
      if (r !== null && 'n' in r && Number(r.n) > 0) stored++;
    } else if (k === 3) c.call('GEORADIUS', 'g', ...pt(), String(Math.floor(rand() * 8000)), 'km', rand() < 0.5 ? 'STORE' : 'STOREDIST', 'e', 'COUNT', '5');
    else c.call('GEOSEARCH', 'g', 'FROMLONLAT', ...pt(), 'BYRADIUS', '500', 'km');
  }
  A.propagator.sink = null;
  const names = new Set(sink.commands.map((op) => op.argv[0]!.toLowerCase()));
  assert.ok(names.has('zadd') && !names.has('geoadd'), 'GEOADD reaches the feed as ZADD');
  assert.ok(names.has('geosearchstore') && names.has('georadius'), 'the stores reach the feed as sent');
  assert.ok(!names.has('geosearch'), 'reads are not propagated');
  assert.ok(stored > 20, `GEOSEARCHSTORE stored results (${stored})`);
  const clockB = new ManualClock(T0);
  const B = new Server({ clock: clockB });
  assert.deepEqual(replayFeed(B, clockB, sink.commands), []);
  assert.equal(dumpKeyspace(B), dumpKeyspace(A));
});
