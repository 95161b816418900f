/**
 * Blocking list commands on a live Redoubt with real clients: serving by pushes, FIFO
 * fairness, BLMOVE chains, timeouts (short real ones), CLIENT UNBLOCK, disconnects,
 * pipelined input held behind a blocked command, blocking refused inside EXEC, and the
 * INFO / CLIENT LIST views of blocked clients.
 */
import { test } from 'node:test';
import { NotifyKind } from '../../src/keyspace/keyspace-events.js';
import assert from 'node:assert/strict';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import type { RunningServer } from '../../src/server/server.js';
import { reply } from '../../src/protocol/reply.js';

const enc = RawClient.encode;

/** Waits until `n` clients are blocked on keys (the registry saw the command). */
async function blockedCount(srv: RunningServer, n: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (srv.server.blocking.size !== n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} blocked clients, have ${srv.server.blocking.size}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('BLPOP/BRPOP are served by a later push; the emptied list is gone', async () => {
  const srv = await startTestServer();
  const waiter = ioredisClient(srv.port);
  const pusher = ioredisClient(srv.port);
  try {
    const p = waiter.blpop('q', 'other', 0);
    await blockedCount(srv, 1);
    assert.equal(await pusher.rpush('q', 'job1'), 1);
    assert.deepEqual(await p, ['q', 'job1']);
    assert.equal(await pusher.exists('q'), 0);
    const p2 = waiter.brpop('a', 'b', 5);
    await blockedCount(srv, 1);
    await pusher.rpush('b', 'x', 'y');
    assert.deepEqual(await p2, ['b', 'y']);
    assert.deepEqual(await pusher.lrange('b', 0, -1), ['x']);
  } finally {
    waiter.disconnect();
    pusher.disconnect();
    await srv.close();
  }
});

test('FIFO between clients blocked on the same key', async () => {
  const srv = await startTestServer();
  const c1 = ioredisClient(srv.port);
  const c2 = ioredisClient(srv.port);
  const c3 = ioredisClient(srv.port);
  const pusher = ioredisClient(srv.port);
  try {
    const p1 = c1.blpop('k', 0);
    await blockedCount(srv, 1);
    const p2 = c2.blpop('k', 0);
    await blockedCount(srv, 2);
    const p3 = c3.blpop('k', 0);
    await blockedCount(srv, 3);
    // one element: only the first waiter is served
    await pusher.rpush('k', 'a');
    assert.deepEqual(await p1, ['k', 'a']);
    await blockedCount(srv, 2);
    // two elements in one push: the next two, in order
    await pusher.rpush('k', 'b', 'c');
    assert.deepEqual(await p2, ['k', 'b']);
    assert.deepEqual(await p3, ['k', 'c']);
    assert.equal(await pusher.exists('k'), 0);
  } finally {
    for (const c of [c1, c2, c3, pusher]) c.disconnect();
    await srv.close();
  }
});

test('BLMOVE chains: a push moves through every waiting hop', async () => {
  const srv = await startTestServer();
  const c1 = ioredisClient(srv.port);
  const c2 = ioredisClient(srv.port);
  const pusher = ioredisClient(srv.port);
  try {
    const p1 = c1.blmove('a', 'b', 'LEFT', 'RIGHT', 0);
    await blockedCount(srv, 1);
    const p2 = c2.brpoplpush('b', 'c', 0);
    await blockedCount(srv, 2);
    await pusher.rpush('a', 'v');
    assert.equal(await p1, 'v');
    assert.equal(await p2, 'v');
    assert.deepEqual(await pusher.lrange('c', 0, -1), ['v']);
    assert.equal(await pusher.exists('a', 'b'), 0);
  } finally {
    for (const c of [c1, c2, pusher]) c.disconnect();
    await srv.close();
  }
});

test('timeouts answer nil (null array in RESP2, null in RESP3) after the wait', async () => {
  const srv = await startTestServer();
  const raw = await RawClient.connect(srv.port);
  try {
    let t0 = Date.now();
    assert.equal(await raw.call('BLPOP', 'nokey', '0.1'), '*-1\r\n');
    assert.ok(Date.now() - t0 >= 90, 'waited for the timeout');
    t0 = Date.now();
    assert.equal(await raw.call('BLMOVE', 'nokey', 'dst', 'LEFT', 'LEFT', '0.05'), '*-1\r\n');
    assert.equal(await raw.call('BRPOPLPUSH', 'nokey', 'dst', '0.05'), '*-1\r\n');
    assert.equal(await raw.call('BLMPOP', '0.05', '1', 'nokey', 'LEFT'), '*-1\r\n');
    assert.ok(Date.now() - t0 >= 140);
    await raw.call('HELLO', '3');
    assert.equal(await raw.call('BRPOP', 'nokey', '0.05'), '_\r\n');
    assert.equal(await raw.call('BLMOVE', 'nokey', 'dst', 'LEFT', 'LEFT', '0.05'), '_\r\n');
    assert.equal(srv.server.blocking.size, 0);
    assert.equal(await raw.call('EXISTS', 'dst'), ':0\r\n');
  } finally {
    raw.close();
    await srv.close();
  }
});

test('a blocked client holds its pipelined commands until it is served', async () => {
  const srv = await startTestServer();
  const raw = await RawClient.connect(srv.port);
  const pusher = ioredisClient(srv.port);
  try {
    raw.write(enc(['BLPOP', 'k', '0']) + enc(['PING']) + enc(['RPUSH', 'mine', 'x']));
    await blockedCount(srv, 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(raw.received, '', 'nothing answered while blocked');
    assert.equal(await pusher.exists('mine'), 0, 'the pipelined RPUSH has not run');
    await pusher.lpush('k', 'v');
    assert.equal(await raw.readReply(), '*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
    assert.equal(await raw.readReply(), '+PONG\r\n');
    assert.equal(await raw.readReply(), ':1\r\n');
  } finally {
    raw.close();
    pusher.disconnect();
    await srv.close();
  }
});

test('CLIENT UNBLOCK with TIMEOUT and ERROR; CLIENT LIST flag b; INFO counts', async () => {
  const srv = await startTestServer();
  const raw = await RawClient.connect(srv.port);
  const admin = ioredisClient(srv.port);
  try {
    const id = Number((await raw.call('CLIENT', 'ID')).slice(1, -2));
    raw.write(enc(['BLPOP', 'k1', 'k2', '0']));
    await blockedCount(srv, 1);
    const list = (await admin.client('LIST')) as string;
    const line = list.split('\n').find((l) => l.startsWith(`id=${id} `))!;
    assert.match(line, / flags=b /);
    assert.match(line, / cmd=blpop /);
    const info = await admin.info('clients');
    assert.match(info, /blocked_clients:1\r\n/);
    assert.match(info, /total_blocking_keys:2\r\n/);
    assert.match(info, /clients_in_timeout_table:0\r\n/);
    assert.equal(await admin.call('CLIENT', 'UNBLOCK', String(id)), 1);
    assert.equal(await raw.readReply(), '*-1\r\n');
    assert.equal(await admin.call('CLIENT', 'UNBLOCK', String(id)), 0, 'not blocked any more');
    raw.write(enc(['BLMOVE', 'k1', 'k2', 'LEFT', 'LEFT', '100']));
    await blockedCount(srv, 1);
    assert.match(await admin.info('clients'), /clients_in_timeout_table:1\r\n/);
    assert.equal(await admin.call('CLIENT', 'UNBLOCK', String(id), 'error'), 1);
    assert.equal(await raw.readReply(), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    assert.match(await admin.info('clients'), /blocked_clients:0\r\n[\s\S]*total_blocking_keys:0\r\n/);
    assert.equal(await admin.call('CLIENT', 'UNBLOCK', '999999'), 0);
    await assert.rejects(admin.call('CLIENT', 'UNBLOCK', String(id), 'foo'), /ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR/);
    await assert.rejects(admin.call('CLIENT', 'UNBLOCK', 'x'), /ERR value is not an integer or out of range/);
    assert.equal(await raw.call('PING'), '+PONG\r\n');
  } finally {
    raw.close();
    admin.disconnect();
    await srv.close();
  }
});

test('a client that disconnects while blocked is forgotten', async () => {
  const srv = await startTestServer();
  const raw = await RawClient.connect(srv.port);
  const other = ioredisClient(srv.port);
  try {
    raw.write(enc(['BLPOP', 'k', '0']));
    await blockedCount(srv, 1);
    raw.close();
    await blockedCount(srv, 0);
    assert.equal(await other.rpush('k', 'v'), 1);
    assert.deepEqual(await other.lrange('k', 0, -1), ['v'], 'nobody consumed it');
    assert.match(await other.info('clients'), /blocked_clients:0\r\n/);
  } finally {
    other.disconnect();
    await srv.close();
  }
});

test('a key of another type does not serve list waiters; a later list does', async () => {
  const srv = await startTestServer();
  const waiter = ioredisClient(srv.port);
  const other = ioredisClient(srv.port);
  try {
    const p = waiter.blpop('k', 0);
    await blockedCount(srv, 1);
    await other.set('k', 'string');
    await other.hset('k2', 'f', 'v');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(srv.server.blocking.size, 1, 'still blocked');
    await other.del('k');
    await other.rpush('k', 'x');
    assert.deepEqual(await p, ['k', 'x']);
  } finally {
    waiter.disconnect();
    other.disconnect();
    await srv.close();
  }
});

test('blocking commands do not block inside EXEC: nil at once', async () => {
  const srv = await startTestServer();
  const raw = await RawClient.connect(srv.port);
  try {
    const id = Number((await raw.call('CLIENT', 'ID')).slice(1, -2));
    // EXEC sets inExec while it runs the queued commands; emulate that state here
    srv.server.clientById(id)!.client.inExec = true;
    assert.equal(await raw.call('BLPOP', 'nokey', '0'), '*-1\r\n');
    assert.equal(await raw.call('BLMPOP', '0', '1', 'nokey', 'LEFT'), '*-1\r\n');
    assert.equal(await raw.call('BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0'), '$-1\r\n');
    assert.equal(await raw.call('BRPOPLPUSH', 'nokey', 'd', '0'), '$-1\r\n');
    assert.equal(await raw.call('RPUSH', 'l', 'v'), ':1\r\n');
    assert.equal(await raw.call('BLPOP', 'l', '0'), '*2\r\n$1\r\nl\r\n$1\r\nv\r\n');
    assert.equal(srv.server.blocking.size, 0);
  } finally {
    raw.close();
    await srv.close();
  }
});

test('timeouts beyond the long long range are refused as in Redis 7.2', async () => {
  const srv = await startTestServer();
  const raw = await RawClient.connect(srv.port);
  try {
    assert.equal(await raw.call('BLPOP', 'k', 'inf'), '-ERR timeout is out of range\r\n');
    assert.equal(await raw.call('BLPOP', 'k', '1e400'), '-ERR timeout is out of range\r\n');
    assert.equal(await raw.call('BLPOP', 'k', '9223372036854776'), '-ERR timeout is out of range\r\n');
    assert.equal(await raw.call('BLPOP', 'k', '-inf'), '-ERR timeout is negative\r\n');
    assert.equal(await raw.call('BLPOP', 'k', 'x'), '-ERR timeout is not a float or out of range\r\n');
    assert.equal(await raw.call('LPOS', 'k', 'a', 'RANK', '-9223372036854775808'), '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n');
    assert.equal(await raw.call('LREM', 'k', '-9223372036854775808', 'a'), '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n');
  } finally {
    raw.close();
    await srv.close();
  }
});

test('keyspace events carry Redis names', async () => {
  const srv = await startTestServer();
  const events: string[] = [];
  srv.server.keyspace.notifyKeyspaceEvent = (kind, event, key) => {
    // `new` and `keymiss` events (classes n and m) are not what this test is about
    if (kind === NotifyKind.newKey || kind === NotifyKind.keyMiss) return;
    events.push(`${event}:${key}`);
  };
  const c = ioredisClient(srv.port);
  try {
    await c.lpush('a', '1', '2');
    await c.rpush('a', '3');
    await c.lset('a', 0, 'x');
    await c.linsert('a', 'BEFORE', 'x', 'y');
    await c.lrem('a', 1, 'y');
    await c.ltrim('a', 0, 1);
    await c.lmove('a', 'b', 'LEFT', 'RIGHT');
    await c.rpop('a');
    await c.lpop('b');
    assert.deepEqual(events, ['lpush:a', 'rpush:a', 'lset:a', 'linsert:a', 'lrem:a', 'ltrim:a', 'rpush:b', 'lpop:a', 'rpop:a', 'del:a', 'lpop:b', 'del:b']);
  } finally {
    c.disconnect();
    await srv.close();
  }
});

test('OBJECT ENCODING follows 7.2: listpack, quicklist past the limit, listpack again when shrunk', async () => {
  const srv = await startTestServer();
  const c = ioredisClient(srv.port);
  try {
    await c.rpush('l', 'a', 'b');
    assert.equal(await c.object('ENCODING', 'l'), 'listpack');
    await c.rpush('l', 'x'.repeat(9000));
    assert.equal(await c.object('ENCODING', 'l'), 'quicklist');
    await c.rpop('l');
    assert.equal(await c.object('ENCODING', 'l'), 'listpack');
    await c.config('SET', 'list-max-listpack-size', '4');
    await c.rpush('m', '1', '2', '3', '4');
    assert.equal(await c.object('ENCODING', 'm'), 'listpack');
    await c.rpush('m', '5');
    assert.equal(await c.object('ENCODING', 'm'), 'quicklist');
    await c.copy('m', 'm2');
    assert.equal(await c.object('ENCODING', 'm2'), 'quicklist');
    await c.ltrim('m', 0, 2);
    assert.equal(await c.object('ENCODING', 'm'), 'quicklist', 'one node, but 3 elements > 4/2');
    await c.ltrim('m', 0, 1);
    assert.equal(await c.object('ENCODING', 'm'), 'listpack');
    assert.equal(await c.type('m2'), 'list');
  } finally {
    c.disconnect();
    await srv.close();
  }
});

test('SWAPDB serves clients blocked on keys the swap brings in', async () => {
  const srv = await startTestServer();
  const waiter = ioredisClient(srv.port);
  const other = ioredisClient(srv.port, { db: 1 });
  try {
    const p = waiter.blpop('k', 0);
    await blockedCount(srv, 1);
    await other.rpush('k', 'from-db1');
    assert.equal(srv.server.blocking.size, 1, 'a push in another database does not serve it');
    await other.swapdb(0, 1);
    assert.deepEqual(await p, ['k', 'from-db1']);
  } finally {
    waiter.disconnect();
    other.disconnect();
    await srv.close();
  }
});

test('registry extension point: a custom serve callback can keep waiting, then answer', async () => {
  const srv = await startTestServer();
  const raw = await RawClient.connect(srv.port);
  const other = ioredisClient(srv.port);
  try {
    const id = Number((await raw.call('CLIENT', 'ID')).slice(1, -2));
    const conn = srv.server.clientById(id)!;
    conn.ctx.command = srv.server.commands.lookup('blpop')!;
    let attempts = 0;
    const r = srv.server.blocking.block(conn.ctx, {
      argv: ['BLPOP', 'z', '0'],
      keys: ['z'],
      type: 'list',
      deadline: 0,
      timeoutReply: reply.nilArray,
      serve: () => (++attempts < 2 ? null : reply.simple(`served after ${attempts}`)),
    });
    assert.equal(r, null);
    assert.equal(srv.server.blocking.size, 1);
    await other.rpush('z', 'a');
    assert.equal(attempts, 1);
    assert.equal(srv.server.blocking.size, 1, 'kept waiting');
    await other.rpush('z', 'b');
    assert.equal(await raw.readReply(), '+served after 2\r\n');
    assert.equal(srv.server.blocking.size, 0);
  } finally {
    raw.close();
    other.disconnect();
    await srv.close();
  }
});
