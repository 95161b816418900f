/**
 * The evictor in-process: Redis's tenacity → time-limit formula, and the victim choice of
 * each policy on a small keyspace where sampling covers every key (so the choice is exact).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { CommandContext } from '../../src/command-context/context.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { EvictResult } from '../../src/keyspace/eviction.js';

test('maxmemory-eviction-tenacity → time limit per call, as evictionTimeLimitUs', () => {
  const server = new Server();
  const at = (t: number) => {
    server.evictor.tenacity = t;
    return server.evictor.timeLimitUs();
  };
  assert.equal(at(0), 0);
  assert.equal(at(1), 50);
  assert.equal(at(10), 500);
  assert.equal(Math.round(at(11)), 575);
  assert.equal(Math.round(at(99)), Math.round(500 * Math.pow(1.15, 89)));
  assert.equal(at(100), Infinity);
});

function setup(policy: string) {
  const clock = new ManualClock(1_700_000_000_000);
  const server = new Server({ clock, config: [['maxmemory-policy', policy], ['maxmemory-samples', '1000']] });
  const client = new Client(1, 'test:1', 'test:2', 1, 0, server.acl.defaultUser);
  const ctx = new CommandContext(server, client);
  const run = (...argv: string[]) => server.dispatcher.dispatch(ctx, argv);
  /** a limit that leaves room for all but about one key */
  const squeeze = () => {
    server.evictor.maxmemory = server.memory.used() - 1;
    server.memory.setLimited(true);
    return server.evictor.perform();
  };
  const tick = (ms: number) => {
    clock.advance(ms);
    server.updateTime();
  };
  return { server, run, squeeze, tick };
}

test('each policy picks its victim: LRU the idlest, LFU the least used, TTL the soonest to expire', () => {
  {
    const { server, run, squeeze, tick } = setup('allkeys-lru');
    for (const k of ['a', 'b', 'c']) run('SET', k, 'v');
    tick(5000);
    run('GET', 'a');
    run('GET', 'c');
    assert.equal(squeeze(), EvictResult.Ok);
    assert.equal(server.dbs[0]!.has('b'), false, 'b is the least recently used');
    assert.equal(server.dbs[0]!.size, 2);
  }
  {
    const { server, run, squeeze } = setup('allkeys-lfu');
    run('CONFIG', 'SET', 'lfu-log-factor', '0');
    for (const k of ['a', 'b', 'c']) run('SET', k, 'v');
    for (let i = 0; i < 5; i++) for (const k of ['a', 'c']) run('GET', k);
    run('GET', 'b');
    assert.equal(squeeze(), EvictResult.Ok);
    assert.equal(server.dbs[0]!.has('b'), false, 'b is the least frequently used');
  }
  {
    const { server, run, squeeze } = setup('volatile-ttl');
    run('SET', 'p', 'v');
    run('SET', 'long', 'v', 'EX', '500');
    run('SET', 'short', 'v', 'EX', '100');
    run('SET', 'mid', 'v', 'EX', '300');
    assert.equal(squeeze(), EvictResult.Ok);
    assert.deepEqual([...server.dbs[0]!.liveKeys()].sort(), ['long', 'mid', 'p']);
  }
});

test('volatile policies fail once no key has a TTL; noeviction fails at once; a paused server does not evict', () => {
  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
    const { server, run, squeeze } = setup(policy);
    run('SET', 'p', 'v');
    run('SET', 'q', 'v');
    run('SET', 't', 'v', 'EX', '100');
    server.evictor.maxmemory = 1;
    server.memory.setLimited(true);
    assert.equal(server.evictor.perform(), EvictResult.Fail, policy);
    assert.deepEqual([...server.dbs[0]!.liveKeys()].sort(), ['p', 'q'], `${policy}: only the volatile key went`);
    assert.equal(server.stats.evictedKeys, 1);
    void squeeze;
  }
  {
    const { server, run } = setup('noeviction');
    run('SET', 'p', 'v');
    server.evictor.maxmemory = 1;
    server.memory.setLimited(true);
    assert.equal(server.evictor.perform(), EvictResult.Fail);
    assert.equal(server.dbs[0]!.size, 1);
  }
  {
    const { server, run } = setup('allkeys-random');
    run('SET', 'p', 'v');
    server.pause.pause('write', 60_000);
    server.evictor.maxmemory = 1;
    server.memory.setLimited(true);
    assert.equal(server.evictor.perform(), EvictResult.Ok, 'as Redis: no eviction while clients are paused');
    assert.equal(server.dbs[0]!.size, 1);
    server.pause.unpause();
    assert.equal(server.evictor.perform(), EvictResult.Fail, 'then everything goes, and it is still too much');
    assert.equal(server.dbs[0]!.size, 0);
    server.pause.stop();
  }
});
