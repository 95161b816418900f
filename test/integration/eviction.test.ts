/**
 * maxmemory eviction, policy by policy, through real clients: a small limit above the
 * server's base usage, data written past it, and what goes (and what stays) checked.
 * Statistical checks (LRU, LFU, TTL) use margins far from what the approximation gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Redis } from 'ioredis';
import { createClient } from 'redis';
import { ioredisClient, startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import type { RunningServer } from '../../src/server/server.js';

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
/** 1000-byte values: one key costs about 1.3 KB in the accounting */
const VALUE = 'v'.repeat(1000);
/** room above the base for about 150 such keys */
const BUDGET = 200 * 1024;

function infoField(text: string, name: string): number {
  const m = new RegExp(`\\r\\n${name}:(\\d+)\\r\\n`).exec(text);
  assert.ok(m !== null, `INFO has ${name}`);
  return Number(m[1]);
}

async function used(r: Redis): Promise<number> {
  return infoField(await r.info('memory'), 'used_memory');
}

/** Sets maxmemory to the current usage plus `budget` and the policy. */
async function limit(r: Redis, policy: string, budget = BUDGET): Promise<number> {
  await r.config('SET', 'maxmemory-policy', policy);
  const max = (await used(r)) + budget;
  await r.config('SET', 'maxmemory', String(max));
  return max;
}

async function withServer(fn: (srv: RunningServer, r: Redis) => Promise<void>, clock?: ManualClock): Promise<void> {
  const srv = await startTestServer(clock === undefined ? {} : { clock });
  const r = ioredisClient(srv.port);
  try {
    await fn(srv, r);
  } finally {
    r.disconnect();
    await srv.close();
  }
}

async function evicted(r: Redis): Promise<number> {
  return infoField(await r.info('stats'), 'evicted_keys');
}

test('noeviction: writes past the limit get the exact OOM error (ioredis and node-redis), reads and DEL still work', async () => {
  await withServer(async (srv, r) => {
    const max = await limit(r, 'noeviction');
    let refused: Error | null = null;
    let written = 0;
    for (let i = 0; i < 1000 && refused === null; i++) {
      try {
        await r.set(`k:${i}`, VALUE);
        written++;
      } catch (e) {
        refused = e as Error;
      }
    }
    assert.ok(refused !== null, 'a write was refused');
    assert.equal(refused.message, OOM);
    assert.ok(written > 50 && written < 400, `about the budget's worth of keys was written (${written})`);
    assert.equal(await r.get('k:0'), VALUE, 'reads still work');
    assert.equal(await r.dbsize(), written);
    assert.equal(await evicted(r), 0);
    const nr = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
    await nr.connect();
    try {
      await assert.rejects(nr.set('another', VALUE), (e: Error) => e.message === OOM);
      assert.equal(await nr.get('k:1'), VALUE);
      // DEL is not denyoom: it frees memory, and writes are accepted again
      assert.equal(await nr.del(['k:0', 'k:1', 'k:2', 'k:3', 'k:4']), 5);
      assert.equal(await nr.set('another', VALUE), 'OK');
    } finally {
      await nr.quit();
    }
    assert.ok((await used(r)) <= max);
  });
});

test('allkeys-random: something is evicted, usage ends under the limit, evicted_keys counts, keys are propagated as DEL', async () => {
  await withServer(async (srv, r) => {
    const dels: string[][] = [];
    srv.server.propagator.sink = { append: (db, argv) => void (argv[0] === 'DEL' && db === 0 && dels.push([...argv])) };
    const max = await limit(r, 'allkeys-random');
    for (let i = 0; i < 500; i++) await r.set(`k:${i}`, VALUE);
    const n = await evicted(r);
    const size = await r.dbsize();
    assert.ok(n > 200, `evicted ${n}`);
    assert.equal(size + n, 500, 'every key written is either there or evicted');
    assert.ok((await used(r)) <= max);
    assert.equal(dels.length, n, 'one propagated DEL per evicted key');
    for (const [, key] of dels) assert.equal(await r.exists(key!), 0);
  });
});

test('volatile-random and volatile-lru: only keys with a TTL go, then OOM once none is left', async () => {
  for (const policy of ['volatile-random', 'volatile-lru', 'volatile-lfu', 'volatile-ttl']) {
    await withServer(async (_srv, r) => {
      await limit(r, policy);
      // 60 persistent keys, then volatile ones until the volatile supply is exhausted
      for (let i = 0; i < 60; i++) await r.set(`keep:${i}`, VALUE);
      let refused: Error | null = null;
      let i = 0;
      for (; i < 1000 && refused === null; i++) {
        try {
          await r.set(`tmp:${i}`, VALUE, 'EX', 10000);
        } catch (e) {
          refused = e as Error;
        }
      }
      for (let k = 0; k < 60; k++) assert.equal(await r.exists(`keep:${k}`), 1, `${policy}: persistent key keep:${k} stays`);
      const n = await evicted(r);
      assert.ok(n > 0, `${policy}: volatile keys were evicted`);
      // volatile keys keep being evicted for new ones; refusals come only if the new write
      // cannot fit even after every volatile key went, so fill with persistent keys now
      let oom: Error | null = refused;
      for (let k = 0; k < 1000 && oom === null; k++) {
        try {
          await r.set(`fill:${k}`, VALUE);
        } catch (e) {
          oom = e as Error;
        }
      }
      assert.ok(oom !== null, `${policy}: OOM once nothing volatile is left`);
      assert.equal(oom.message, OOM);
      const info = await r.info('keyspace');
      assert.ok(!/expires=[1-9]/.test(info), `${policy}: every volatile key was evicted before OOM (${info.trim()})`);
      for (let k = 0; k < 60; k++) assert.equal(await r.exists(`keep:${k}`), 1);
    });
  }
});

test('volatile-ttl evicts the shortest TTLs first (exactly with a sample covering every key, approximately with the default)', async () => {
  for (const samples of ['1000', '5']) {
    await withServer(async (srv, r) => {
      await r.config('SET', 'maxmemory-samples', samples);
      await r.config('SET', 'maxmemory-policy', 'volatile-ttl');
      // TTLs in a shuffled order so that insertion order says nothing about them
      const ttls: number[] = [];
      for (let i = 0; i < 400; i++) ttls.push(1000 + ((i * 7919) % 400) * 10);
      for (let i = 0; i < 400; i++) await r.set(`t:${i}`, VALUE, 'EX', ttls[i]!);
      // a limit that leaves room for about 150 of them
      await r.config('SET', 'maxmemory', String(srv.server.memory.used() - 250 * 1300));
      const gone: number[] = [];
      const kept: number[] = [];
      for (let i = 0; i < 400; i++) ((await r.exists(`t:${i}`)) === 1 ? kept : gone).push(ttls[i]!);
      assert.ok(gone.length > 200 && kept.length > 100, `evicted ${gone.length}`);
      if (samples === '1000') {
        assert.ok(Math.min(...kept) > Math.max(...gone), `exact: survivors from ${Math.min(...kept)}, evicted up to ${Math.max(...gone)}`);
      } else {
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        assert.ok(mean(kept) - mean(gone) > 1000, `approximate: survivors' mean TTL ${mean(kept)} well above evicted ${mean(gone)}`);
      }
    });
  }
});

test('allkeys-lru keeps a hot set that keeps being read and evicts the cold one', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  await withServer(async (_srv, r) => {
    await limit(r, 'allkeys-lru');
    for (let i = 0; i < 30; i++) await r.set(`hot:${i}`, VALUE);
    for (let i = 0; i < 80; i++) await r.set(`cold:${i}`, VALUE);
    clock.advance(10_000);
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < 30; i++) await r.get(`hot:${i}`);
      for (let k = 0; k < 10; k++) await r.set(`new:${batch}:${k}`, VALUE);
      clock.advance(1000);
    }
    let hot = 0;
    let cold = 0;
    for (let i = 0; i < 30; i++) hot += await r.exists(`hot:${i}`);
    for (let i = 0; i < 80; i++) cold += await r.exists(`cold:${i}`);
    assert.ok((await evicted(r)) > 200);
    assert.ok(hot >= 24, `hot keys kept: ${hot}/30`);
    assert.ok(cold <= 16, `cold keys kept: ${cold}/80`);
  }, clock);
});

test('allkeys-lfu keeps frequently used keys', async () => {
  await withServer(async (_srv, r) => {
    // a log factor of 0 makes every access count: frequencies are then exact
    await r.config('SET', 'lfu-log-factor', '0');
    await limit(r, 'allkeys-lfu');
    for (let i = 0; i < 30; i++) await r.set(`hot:${i}`, VALUE);
    for (let round = 0; round < 20; round++) for (let i = 0; i < 30; i++) await r.get(`hot:${i}`);
    for (let i = 0; i < 400; i++) await r.set(`once:${i}`, VALUE);
    let hot = 0;
    for (let i = 0; i < 30; i++) hot += await r.exists(`hot:${i}`);
    assert.ok((await evicted(r)) > 200);
    assert.ok(hot >= 27, `frequent keys kept: ${hot}/30`);
    assert.ok(Number(await r.object('FREQ', 'hot:0')) >= 20);
  });
});

test('an evicted key fires the evicted keyspace event and touches WATCH', async () => {
  await withServer(async (srv, r) => {
    const sub = ioredisClient(srv.port);
    const watcher = ioredisClient(srv.port);
    const events: string[] = [];
    try {
      await r.config('SET', 'notify-keyspace-events', 'Ee');
      await sub.subscribe('__keyevent@0__:evicted');
      sub.on('message', (_ch: string, key: string) => events.push(key));
      // the only key with a TTL: under volatile-lru it is the one (and only) eviction
      await watcher.set('watched', VALUE, 'EX', 1000);
      await watcher.watch('watched');
      await limit(r, 'volatile-lru');
      let oom = false;
      for (let i = 0; i < 1000 && !oom; i++) {
        try {
          await r.set(`k:${i}`, VALUE);
        } catch (e) {
          assert.equal((e as Error).message, OOM);
          oom = true;
        }
      }
      assert.ok(oom);
      assert.equal(await evicted(r), 1);
      assert.equal(await r.exists('watched'), 0);
      // make room, so that only the eviction can abort the transaction
      assert.equal(await r.del('k:0', 'k:1', 'k:2', 'k:3', 'k:4', 'k:5'), 6);
      const res = await watcher.multi().set('x', '1').exec();
      assert.equal(res, null, 'the transaction watching an evicted key is aborted');
      const deadline = Date.now() + 2000;
      while (events.length < 1 && Date.now() < deadline) await new Promise((res2) => setTimeout(res2, 10));
      assert.deepEqual(events, ['watched']);
    } finally {
      watcher.disconnect();
      sub.disconnect();
    }
  });
});

test('MULTI under OOM: a queued command is refused and EXEC aborts; EXEC re-checks a denyoom transaction (exact bytes)', async () => {
  await withServer(async (srv, r) => {
    const c = await RawClient.connect(srv.port);
    const admin = await RawClient.connect(srv.port);
    try {
      await c.call('SET', 'present', 'x');
      // a transaction queued before the limit, executed after it
      assert.equal(await c.call('MULTI'), '+OK\r\n');
      assert.equal(await c.call('SET', 'q', '1'), '+QUEUED\r\n');
      assert.equal(await admin.call('CONFIG', 'SET', 'maxmemory', '1'), '+OK\r\n');
      assert.equal(await c.call('EXEC'), `-EXECABORT Transaction discarded because of: ${OOM}\r\n`);
      // a read-only transaction queued before the limit still runs
      assert.equal(await admin.call('CONFIG', 'SET', 'maxmemory', '0'), '+OK\r\n');
      assert.equal(await c.call('MULTI'), '+OK\r\n');
      assert.equal(await c.call('GET', 'present'), '+QUEUED\r\n');
      assert.equal(await admin.call('CONFIG', 'SET', 'maxmemory', '1'), '+OK\r\n');
      assert.equal(await c.call('EXEC'), '*1\r\n$1\r\nx\r\n');
      // under OOM, queueing anything (even a read) is refused and dooms the transaction
      assert.equal(await c.call('MULTI'), '+OK\r\n');
      assert.equal(await c.call('SET', 'a', 'b'), `-${OOM}\r\n`);
      assert.equal(await c.call('GET', 'present'), `-${OOM}\r\n`);
      assert.equal(await c.call('EXEC'), '-EXECABORT Transaction discarded because of previous errors.\r\n');
      assert.equal(await c.call('MULTI'), '+OK\r\n');
      assert.equal(await c.call('DISCARD'), '+OK\r\n');
      assert.equal(await c.call('GET', 'present'), '$1\r\nx\r\n');
      assert.equal(await c.call('SET', 'y', 'z'), `-${OOM}\r\n`);
      assert.equal(await c.call('DEL', 'present'), ':1\r\n');
      const stats = await admin.call('INFO', 'errorstats');
      assert.match(stats, /errorstat_OOM:count=\d+/);
      assert.match(stats, /errorstat_EXECABORT:count=2/);
    } finally {
      c.close();
      admin.close();
      assert.equal(await r.config('SET', 'maxmemory', '0'), 'OK');
    }
  });
});

test("a closed client's buffers stop counting at once, not at the next cron tick (no eviction for memory already free)", async () => {
  const srv = await startTestServer({ config: [['enable-debug-command', 'yes'], ['maxmemory-policy', 'allkeys-lru']] });
  const r = ioredisClient(srv.port);
  let big: net.Socket | null = null;
  try {
    const u0 = await used(r);
    // a command whose 1.5 MB argument is still arriving: its query buffer is counted
    big = await new Promise<net.Socket>((res) => {
      const s = net.connect(srv.port, '127.0.0.1', () => res(s));
    });
    big.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n${'x'.repeat(1_500_000)}`);
    const deadline = Date.now() + 5000;
    while ((await used(r)) < u0 + 1_400_000 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
    assert.ok((await used(r)) >= u0 + 1_400_000, 'the partial argument is in used_memory');
    // no cron from here on: only the close itself can give those bytes back
    await r.call('DEBUG', 'PAUSE-CRON', '1');
    big.destroy();
    while (String(await r.client('LIST')).trim().split('\n').length > 1) await new Promise((res) => setTimeout(res, 5));
    await r.config('SET', 'maxmemory', String(u0 + 1_300_000));
    const p = r.pipeline();
    for (let i = 0; i < 800; i++) p.set(`k:${i}`, VALUE);
    const results = (await p.exec()) ?? [];
    assert.equal(results.filter(([err]) => err !== null).length, 0, 'no OOM: 800 keys fit once the closed client is gone');
    assert.equal(srv.server.stats.evictedKeys, 0, 'and nothing was evicted for them');
    assert.equal(await r.dbsize(), 800);
    await r.call('DEBUG', 'PAUSE-CRON', '0');
  } finally {
    big?.destroy();
    r.disconnect();
    await srv.close();
  }
});

test('CONFIG SET maxmemory below the usage evicts at once, without another command', async () => {
  await withServer(async (srv, r) => {
    await r.config('SET', 'maxmemory-policy', 'allkeys-random');
    for (let i = 0; i < 300; i++) await r.set(`k:${i}`, VALUE);
    const base = srv.server.memory.used();
    const max = base - 150 * 1300;
    await r.config('SET', 'maxmemory', String(max));
    const deadline = Date.now() + 2000;
    while (srv.server.memory.used() > max && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
    assert.ok(srv.server.memory.used() <= max, 'evicted in the background');
    assert.ok(srv.server.stats.evictedKeys > 100);
  });
});

test('maxmemory-eviction-tenacity 0: a big eviction continues in the background and commands are not refused meanwhile', async () => {
  await withServer(async (srv, r) => {
    for (let i = 0; i < 600; i++) await r.set(`k:${i}`, VALUE);
    await r.config('SET', 'maxmemory-eviction-tenacity', '0');
    await r.config('SET', 'maxmemory-policy', 'allkeys-lru');
    srv.server.evictor.stop();
    const max = srv.server.memory.used() - 500 * 1300;
    // set directly so the maxmemory hook's background start does not run first
    srv.server.evictor.maxmemory = max;
    srv.server.memory.setLimited(true);
    assert.equal(await r.set('one-more', 'x'), 'OK', 'not refused while eviction runs');
    assert.ok(srv.server.stats.evictedKeys >= 16, 'the command evicted a first batch');
    const deadline = Date.now() + 3000;
    while (srv.server.memory.used() > max && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
    assert.ok(srv.server.memory.used() <= max, 'the background finished the job');
    assert.match(await r.info('stats'), /\r\ntotal_eviction_exceeded_time:\d+\r\ncurrent_eviction_exceeded_time:0\r\n/);
  });
});
