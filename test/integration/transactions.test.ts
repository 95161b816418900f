/**
 * Transactions through real clients and the wire: MULTI/EXEC with ioredis and node-redis,
 * WATCH and key expiry (manual clock, as Redis 7.2's multi.c decides), CLIENT LIST flags,
 * `inExec` while queued commands run, and the permission re-check at EXEC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { ioredisClient, startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { reply } from '../../src/protocol/reply.js';

test('ioredis: multi/exec results, runtime errors inside, EXECABORT on queue-time errors', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    const res = await r.multi().set('k', '1').incr('k').get('k').exec();
    assert.deepEqual(res, [
      [null, 'OK'],
      [null, 2],
      [null, '2'],
    ]);
    const withErr = await r.multi().set('s', 'x').incr('s').get('s').exec();
    assert.equal(withErr![0]![1], 'OK');
    assert.match(String(withErr![1]![0]), /not an integer/);
    assert.equal(withErr![2]![1], 'x');
    // a command rejected while queueing aborts the whole transaction
    await assert.rejects(r.multi().set('a', '1').call('nosuchcommand').exec(), /EXECABORT Transaction discarded because of previous errors/);
    assert.equal(await r.exists('a'), 0);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('node-redis: WATCH conflict makes EXEC fail, without conflict it runs (RESP2 and RESP3)', async () => {
  const srv = await startTestServer();
  try {
    for (const RESP of [2, 3] as const) {
      const a = createClient({ RESP, socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
      const b = createClient({ RESP, socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
      await a.connect();
      await b.connect();
      try {
        await a.set('w', '1');
        await a.watch('w');
        await b.set('w', '2');
        await assert.rejects(a.multi().get('w').exec(), /watched keys has been changed/);
        await a.watch('w');
        const ok = await a.multi().incr('w').exec();
        assert.deepEqual(ok, [3]);
      } finally {
        a.destroy();
        b.destroy();
      }
    }
  } finally {
    await srv.close();
  }
});

test('WATCH and expiry: a key expiring after WATCH fails EXEC; one already expired at WATCH does not', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const c = await RawClient.connect(srv.port);
  try {
    // expires between WATCH and EXEC, not yet deleted: EXEC answers a null array
    assert.equal(await c.call('SET', 'k', 'v', 'PX', '1000'), '+OK\r\n');
    assert.equal(await c.call('WATCH', 'k'), '+OK\r\n');
    clock.advance(2000);
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    assert.equal(await c.call('PING'), '+QUEUED\r\n');
    assert.equal(await c.call('EXEC'), '*-1\r\n');

    // expires and is deleted by a read between WATCH and EXEC: still a change
    assert.equal(await c.call('SET', 'k', 'v', 'PX', '1000'), '+OK\r\n');
    assert.equal(await c.call('WATCH', 'k'), '+OK\r\n');
    clock.advance(2000);
    assert.equal(await c.call('GET', 'k'), '$-1\r\n');
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    assert.equal(await c.call('EXEC'), '*-1\r\n');

    // already expired (still stored) when watched: its deletion changes nothing
    assert.equal(await c.call('SET', 'k', 'v', 'PX', '1000'), '+OK\r\n');
    clock.advance(2000);
    assert.equal(await c.call('WATCH', 'k'), '+OK\r\n');
    assert.equal(await c.call('GET', 'k'), '$-1\r\n');
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    assert.equal(await c.call('EXEC'), '*0\r\n');

    // ...but writing it after that deletion is a change
    assert.equal(await c.call('SET', 'k', 'v', 'PX', '1000'), '+OK\r\n');
    clock.advance(2000);
    assert.equal(await c.call('WATCH', 'k'), '+OK\r\n');
    assert.equal(await c.call('SET', 'k', 'new'), '+OK\r\n');
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    assert.equal(await c.call('EXEC'), '*-1\r\n');

    // already expired at WATCH and removed by FLUSHDB: no change either
    assert.equal(await c.call('SET', 'k', 'v', 'PX', '1000'), '+OK\r\n');
    clock.advance(2000);
    assert.equal(await c.call('WATCH', 'k'), '+OK\r\n');
    assert.equal(await c.call('FLUSHDB'), '+OK\r\n');
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    assert.equal(await c.call('EXEC'), '*0\r\n');

    // active expiry deleting a watched key is a change
    assert.equal(await c.call('SET', 'k', 'v', 'PX', '1000'), '+OK\r\n');
    assert.equal(await c.call('WATCH', 'k'), '+OK\r\n');
    clock.advance(2000);
    srv.server.cron.tick();
    assert.equal(await c.call('DBSIZE'), ':0\r\n');
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    assert.equal(await c.call('EXEC'), '*-1\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('SWAPDB: an already expired watched key replaced by another expired one is no change', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('SET', 'k', 'v', 'PX', '1000'), '+OK\r\n');
    assert.equal(await c.call('SELECT', '1'), '+OK\r\n');
    assert.equal(await c.call('SET', 'k', 'v', 'PX', '1000'), '+OK\r\n');
    assert.equal(await c.call('SELECT', '0'), '+OK\r\n');
    clock.advance(2000);
    assert.equal(await c.call('WATCH', 'k'), '+OK\r\n');
    assert.equal(await c.call('SWAPDB', '0', '1'), '+OK\r\n');
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    assert.equal(await c.call('EXEC'), '*0\r\n');
    // a missing watched key replaced by a live one is a change
    assert.equal(await c.call('FLUSHALL'), '+OK\r\n');
    assert.equal(await c.call('WATCH', 'k'), '+OK\r\n');
    assert.equal(await c.call('SELECT', '1'), '+OK\r\n');
    assert.equal(await c.call('SET', 'k', 'live'), '+OK\r\n');
    assert.equal(await c.call('SWAPDB', '0', '1'), '+OK\r\n');
    assert.equal(await c.call('SELECT', '0'), '+OK\r\n');
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    assert.equal(await c.call('GET', 'k'), '+QUEUED\r\n');
    assert.equal(await c.call('EXEC'), '*-1\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test("CLIENT LIST shows 'x' in MULTI and 'd' once a watched key changed; multi= counts queued commands", async () => {
  const srv = await startTestServer();
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  try {
    const flags = async () => /flags=(\S+) .* multi=(-?\d+)/.exec(await a.call('CLIENT', 'INFO'))!.slice(1, 3);
    assert.deepEqual(await flags(), ['N', '-1']);
    await a.call('WATCH', 'k');
    await b.call('SET', 'k', '1');
    assert.deepEqual(await flags(), ['d', '-1']);
    await a.call('MULTI');
    await a.call('GET', 'k');
    // CLIENT INFO inside MULTI is queued; ask from the other connection
    const line = (await b.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes(`id=${srv.server.connections.keys().next().value} `))!;
    assert.match(line, / flags=xd /);
    // a doomed transaction keeps answering QUEUED but keeps nothing
    assert.match(line, / multi=0 /);
    assert.equal(await a.call('EXEC'), '*-1\r\n');
    assert.deepEqual(await flags(), ['N', '-1']);
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test('queued commands run with client.inExec set; blocking layers read it', async () => {
  const srv = await startTestServer();
  const seen: boolean[] = [];
  // ECHO, instrumented for this server only: records the flag when it runs
  const echo = srv.server.commands.lookup('echo')!;
  const run = echo.run!;
  echo.run = (ctx, argv) => {
    seen.push(ctx.client.inExec);
    return run(ctx, argv);
  };
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('ECHO', 'a'), '$1\r\na\r\n');
    await c.call('MULTI');
    await c.call('ECHO', 'b');
    assert.equal(await c.call('EXEC'), '*1\r\n$1\r\nb\r\n');
    assert.equal(await c.call('ECHO', 'c'), '$1\r\nc\r\n');
    assert.deepEqual(seen, [false, true, false]);
  } finally {
    c.close();
    await srv.close();
  }
});

// EXEC's permission re-check runs real ACL rules: test/integration/acl-pubsub-multi.test.ts
test('RESET leaves MULTI, drops watches and the dirty flag; disconnection drops watches', async () => {
  const srv = await startTestServer();
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  try {
    await a.call('WATCH', 'k');
    await b.call('SET', 'k', '1');
    await a.call('CLIENT', 'SETNAME', 'before-reset');
    await a.call('MULTI');
    assert.equal(await a.call('RESET'), '+RESET\r\n');
    assert.equal(await a.call('CLIENT', 'GETNAME'), '$-1\r\n');
    assert.equal(await a.call('MULTI'), '+OK\r\n');
    assert.equal(await a.call('EXEC'), '*0\r\n');
    await a.call('WATCH', 'k', 'j');
    assert.equal(srv.server.watches.countFor(srv.server.connections.values().next().value!.client), 2);
    a.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(srv.server.connections.size, 1);
    // nobody watches any more: writes do not look for watchers
    await b.call('SET', 'k', '2');
    assert.equal(srv.server.watches.watching, false);
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});
