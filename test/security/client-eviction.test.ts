/**
 * Client eviction (maxmemory-clients) as a security control: one connection that floods its
 * query buffer, queues an endless transaction, subscribes without end or never reads its
 * replies must be disconnected once the clients' memory reaches the limit, not grow the
 * server. Each attack runs for real over a socket with a bounded amount of input and time;
 * a well-behaved client beside it keeps being served, and a client that set CLIENT
 * NO-EVICT is never chosen.
 *
 * Before client eviction, maxmemory-clients was accepted and ignored: with the default
 * client-query-buffer-limit (1 GiB) and no output limit for normal clients, the flooding
 * connection of every attack below was never closed and the server read all of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import type { RunningServer } from '../../src/server/server.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** the attacker gives up after this many bytes or this long (the unprotected server takes all) */
const FLOOD_CAP = 48 * MiB;
const FLOOD_TIME_MS = 10_000;

async function withServer(limit: string, fn: (srv: RunningServer) => Promise<void>): Promise<void> {
  const srv = await startTestServer({ config: [['maxmemory-clients', limit]] });
  try {
    await fn(srv);
  } finally {
    await srv.close();
  }
}

/** Streams `header` then `filler` until the server closes the socket or the caps are hit. */
async function flood(port: number, header: Buffer, filler: Buffer): Promise<{ sent: number; closed: boolean }> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  let closed = false;
  socket.on('error', () => (closed = true));
  socket.on('close', () => (closed = true));
  let sent = 0;
  const deadline = Date.now() + FLOOD_TIME_MS;
  socket.write(header);
  while (!closed && sent < FLOOD_CAP && Date.now() < deadline) {
    const ok = socket.write(filler);
    sent += filler.length;
    if (!ok) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        socket.once('drain', () => {
          clearTimeout(t);
          r();
        });
      });
    } else {
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  // a closed socket reports it within a few event-loop turns
  for (let i = 0; i < 50 && !closed; i++) await new Promise<void>((r) => setTimeout(r, 20));
  socket.destroy();
  return { sent, closed };
}

test('a client flooding its query buffer with one endless bulk is evicted at maxmemory-clients', async () => {
  await withServer('2mb', async (srv) => {
    const bystander = await RawClient.connect(srv.port);
    const before = srv.server.stats.netInputBytes;
    const r = await flood(srv.port, Buffer.from(`*2\r\n$3\r\nGET\r\n$${400 * MiB}\r\n`), Buffer.alloc(64 * KiB, 0x61));
    assert.ok(r.closed, `the flooding client was not disconnected after ${r.sent} bytes`);
    const read = srv.server.stats.netInputBytes - before;
    assert.ok(read < 8 * MiB, `the server read ${read} bytes before evicting the client`);
    assert.ok(srv.server.stats.evictedClients >= 1, 'evicted_clients was not counted');
    assert.equal(await bystander.call('PING'), '+PONG\r\n');
    const info = await bystander.call('INFO', 'stats');
    assert.match(info, /evicted_clients:[1-9]/);
    bystander.close();
  });
});

test('a client queueing an endless MULTI transaction is evicted (multi-mem counts)', async () => {
  await withServer('1mb', async (srv) => {
    const value = 'v'.repeat(16 * KiB);
    const one = Buffer.from(RawClient.encode(['SET', 'k', value]), 'latin1');
    const r = await flood(srv.port, Buffer.from(RawClient.encode(['MULTI']), 'latin1'), Buffer.concat([one, one, one, one]));
    assert.ok(r.closed, `the client queueing a transaction was not disconnected after ${r.sent} bytes`);
    assert.ok(r.sent < 16 * MiB, `the server accepted ${r.sent} bytes of queued commands`);
    assert.ok(srv.server.stats.evictedClients >= 1);
  });
});

test('a client subscribing to ever more patterns is evicted (subscriptions count)', async () => {
  // 128 KiB is the lowest limit Redis applies, whatever is set
  await withServer('1', async (srv) => {
    let n = 0;
    const batch = (): Buffer => {
      let s = '';
      for (let i = 0; i < 256; i++) s += RawClient.encode(['PSUBSCRIBE', `pattern:${n++}:*`]);
      return Buffer.from(s, 'latin1');
    };
    const socket = await RawClient.connect(srv.port);
    for (let i = 0; i < 200 && !socket.closed; i++) {
      socket.write(batch());
      await new Promise<void>((res) => setTimeout(res, 5));
    }
    assert.ok(await socket.waitClosed(3000), `still connected after ${n} pattern subscriptions`);
    assert.ok(n < 51_200, 'eviction came only after every pattern was sent');
    assert.ok(srv.server.stats.evictedClients >= 1);
    assert.equal(srv.server.pubsub.patternCount, 0, 'the evicted client left its patterns behind');
  });
});

test('a client that never reads its replies is evicted before its output grows past the limit', async () => {
  await withServer('4mb', async (srv) => {
    const setup = await RawClient.connect(srv.port);
    assert.equal(await setup.call('SET', 'big', 'x'.repeat(256 * KiB)), '+OK\r\n');
    // the attacker pauses reading at once: its replies pile up in the server
    const get = Buffer.from(RawClient.encode(['GET', 'big']).repeat(8), 'latin1');
    const socket = net.connect({ port: srv.port, host: '127.0.0.1' });
    await new Promise<void>((res) => socket.once('connect', () => res()));
    socket.pause();
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => (closed = true));
    let requests = 0;
    let peak = 0;
    const deadline = Date.now() + FLOOD_TIME_MS;
    while (!closed && requests < 4000 && Date.now() < deadline) {
      socket.write(get);
      requests += 8;
      await new Promise<void>((res) => setTimeout(res, 2));
      for (const conn of srv.server.connections.values()) peak = Math.max(peak, conn.client.outputBufferBytes());
    }
    for (let i = 0; i < 50 && !closed; i++) await new Promise<void>((res) => setTimeout(res, 20));
    socket.destroy();
    assert.ok(closed, `the non-reading client was not disconnected after ${requests} GETs of 256 KiB`);
    assert.ok(peak < 16 * MiB, `its output reached ${peak} bytes in the server`);
    assert.ok(srv.server.stats.evictedClients >= 1);
    assert.equal(await setup.call('PING'), '+PONG\r\n');
    setup.close();
  });
});

test('CLIENT NO-EVICT on protects a client over the limit; off lets it be evicted', async () => {
  await withServer('1mb', async (srv) => {
    // the total includes no-evict clients (as in Redis): the control client must be exempt too
    const control = await RawClient.connect(srv.port);
    assert.equal(await control.call('CLIENT', 'NO-EVICT', 'on'), '+OK\r\n');
    const big = await RawClient.connect(srv.port);
    assert.equal(await big.call('CLIENT', 'SETNAME', 'big'), '+OK\r\n');
    assert.equal(await big.call('CLIENT', 'NO-EVICT', 'on'), '+OK\r\n');
    const size = 2 * MiB;
    big.write(`*2\r\n$3\r\nGET\r\n$${size}\r\n`);
    big.write(Buffer.alloc(size - 1, 0x62));
    const field = async (name: string): Promise<number> => {
      const list = await control.call('CLIENT', 'LIST');
      const line = list.split('\n').find((l) => l.includes(' name=big '));
      const m = line === undefined ? null : new RegExp(` ${name}=(\\d+)`).exec(line);
      return m === null ? -1 : Number(m[1]);
    };
    for (let i = 0; i < 200 && (await field('qbuf')) < size - 1; i++) await new Promise<void>((res) => setTimeout(res, 10));
    assert.equal(await field('qbuf'), size - 1);
    assert.ok((await field('tot-mem')) > MiB, 'tot-mem does not count the query buffer');
    assert.equal(big.closed, false);
    assert.equal(srv.server.stats.evictedClients, 0);
    // no-evict off is itself a command of that client, so its pending bulk must complete first
    big.write('b\r\n');
    assert.match(await big.readReply(), /^\$-1\r\n$/);
    big.write(`*3\r\n$6\r\nCLIENT\r\n$8\r\nNO-EVICT\r\n$3\r\noff\r\n*2\r\n$3\r\nGET\r\n$${size}\r\n`);
    big.write(Buffer.alloc(size - 1, 0x62));
    assert.ok(await big.waitClosed(5000), 'the client was not evicted once NO-EVICT was off');
    assert.equal(srv.server.stats.evictedClients, 1);
    assert.equal(await control.call('PING'), '+PONG\r\n');
    control.close();
  });
});

test('the largest clients go first, and only until the total is under the limit', async () => {
  await withServer('0', async (srv) => {
    const control = await RawClient.connect(srv.port);
    assert.equal(await control.call('CLIENT', 'NO-EVICT', 'on'), '+OK\r\n');
    const sizes = [64 * KiB, 64 * KiB, 512 * KiB, 512 * KiB, 2 * MiB, 2 * MiB];
    const clients: RawClient[] = [];
    for (const size of sizes) {
      const c = await RawClient.connect(srv.port);
      c.write(`*2\r\n$3\r\nGET\r\n$${size}\r\n`);
      c.write(Buffer.alloc(size, 0x63));
      clients.push(c);
    }
    const totalOf = async (): Promise<number> => {
      const list = await control.call('CLIENT', 'LIST');
      let sum = 0;
      for (const m of list.matchAll(/ tot-mem=(\d+)/g)) sum += Number(m[1]);
      return sum;
    };
    // wait until every partial bulk is in
    const want = sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 300 && (await totalOf()) < want; i++) await new Promise<void>((res) => setTimeout(res, 10));
    const total = await totalOf();
    assert.ok(total >= want, `tot-mem sums to ${total}, under the ${want} bytes held`);
    // room for everything but the two 2 MiB clients
    assert.equal(await control.call('CONFIG', 'SET', 'maxmemory-clients', String(total - 3 * MiB)), '+OK\r\n');
    assert.equal(await control.call('PING'), '+PONG\r\n');
    for (const c of clients.slice(4)) assert.ok(await c.waitClosed(3000), 'a 2 MiB client survived');
    await new Promise<void>((res) => setTimeout(res, 100));
    for (const c of clients.slice(0, 4)) assert.equal(c.closed, false, 'a smaller client was evicted');
    assert.equal(srv.server.stats.evictedClients, 2);
    for (const c of clients) c.close();
    control.close();
  });
});

test('maxmemory-clients as a percentage of maxmemory', async () => {
  await withServer('0', async (srv) => {
    const control = await RawClient.connect(srv.port);
    assert.equal(await control.call('CONFIG', 'SET', 'maxmemory', '20mb'), '+OK\r\n');
    assert.equal(await control.call('CONFIG', 'SET', 'maxmemory-clients', '10%'), '+OK\r\n');
    const r = await flood(srv.port, Buffer.from(`*2\r\n$3\r\nGET\r\n$${100 * MiB}\r\n`), Buffer.alloc(64 * KiB, 0x64));
    assert.ok(r.closed && r.sent < 12 * MiB, `not evicted at 10% of maxmemory (sent ${r.sent})`);
    // without maxmemory a percentage means no limit: a 4 MiB partial bulk stays
    assert.equal(await control.call('CONFIG', 'SET', 'maxmemory', '0'), '+OK\r\n');
    const held = await RawClient.connect(srv.port);
    held.write(`*2\r\n$3\r\nGET\r\n$${4 * MiB}\r\n`);
    held.write(Buffer.alloc(4 * MiB - 1, 0x64));
    await new Promise<void>((res) => setTimeout(res, 300));
    assert.equal(await control.call('PING'), '+PONG\r\n');
    assert.equal(held.closed, false, 'evicted with a percentage limit and no maxmemory');
    assert.equal(srv.server.stats.evictedClients, 1);
    held.close();
    control.close();
  });
});
