/**
 * CLIENT LIST's memory fields reflect what a client really holds (Redis 7.2's meanings):
 * `qbuf` the unparsed input of a request still arriving, `argv-mem` the arguments of a
 * command being read, `multi-mem` queued commands and watched keys, `obl`/`omem` replies
 * not yet written, `tot-mem` their sum with the fixed parts; INFO `mem_clients_normal` the
 * clients' total.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { Client } from '../../src/server/client.js';
import { outputMemory } from '../../src/server/client-eviction.js';
import { ManualClock } from '../../src/keyspace/clock.js';

function bulkBody(r: string): string {
  const nl = r.indexOf('\r\n');
  return r.slice(nl + 2, r.length - 2);
}

/** The numeric fields of the CLIENT LIST line of the client named `name`. */
async function fields(control: RawClient, name: string): Promise<Map<string, string>> {
  control.write(RawClient.encode(['CLIENT', 'LIST']));
  // generous: the server may be busy writing a large unread reply on a loaded machine
  const list = bulkBody(await control.readReply(15_000));
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  assert.ok(line !== undefined, `no client named ${name}`);
  return new Map(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

const num = (m: Map<string, string>, k: string): number => Number(m.get(k));

test('qbuf, argv-mem and tot-mem while a big request is still arriving', async () => {
  const srv = await startTestServer();
  const control = await RawClient.connect(srv.port);
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CLIENT', 'SETNAME', 'partial'), '+OK\r\n');
    const idle = await fields(control, 'partial');
    assert.equal(num(idle, 'qbuf'), 0);
    assert.equal(num(idle, 'argv-mem'), 0);
    // the caller sees its own command in its query buffer, as in Redis (trimmed after it ran):
    // *2 $6 CLIENT $4 INFO is 26 bytes
    assert.match(await control.call('CLIENT', 'INFO'), / qbuf=26 qbuf-free=\d+ argv-mem=10 /);
    const idleTotal = num(idle, 'tot-mem');
    c.write('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$200000\r\n');
    c.write(Buffer.alloc(150_000, 0x61));
    let f = await fields(control, 'partial');
    for (let i = 0; i < 200 && num(f, 'qbuf') < 150_000; i++) {
      await new Promise<void>((r) => setTimeout(r, 10));
      f = await fields(control, 'partial');
    }
    assert.equal(num(f, 'qbuf'), 150_000, 'qbuf is the part of the bulk received');
    assert.ok(num(f, 'qbuf-free') >= 0 && num(f, 'qbuf-free') <= 200_002 - 150_000 + 64 * 1024);
    assert.equal(num(f, 'argv-mem'), 6, 'SET and key are parsed already');
    assert.ok(num(f, 'tot-mem') >= idleTotal + 150_000, `tot-mem ${num(f, 'tot-mem')} does not hold the input`);
    c.write(Buffer.alloc(50_000, 0x61));
    c.write('\r\n');
    assert.equal(await c.readReply(), '+OK\r\n');
    f = await fields(control, 'partial');
    assert.equal(num(f, 'qbuf'), 0);
    assert.equal(num(f, 'argv-mem'), 0);
    assert.ok(num(f, 'tot-mem') < idleTotal + 150_000, 'the input is released once the command ran');
  } finally {
    c.close();
    control.close();
    await srv.close();
  }
});

test('issue 13: qbuf-free, rbs and rbp follow Redis\'s buffer sizing: 16 KiB of query room after a read, a big argument\'s size, dropped when idle; the reply buffer shrinks when idle and grows under big replies', async () => {
  const clock = new ManualClock();
  const srv = await startTestServer({ clock });
  const cron = srv.server.cron;
  const control = await RawClient.connect(srv.port);
  const c = await RawClient.connect(srv.port);
  const capacity = (f: Map<string, string>): number => num(f, 'qbuf') + num(f, 'qbuf-free');
  try {
    assert.equal(await c.call('CLIENT', 'SETNAME', 'sized'), '+OK\r\n');
    let f = await fields(control, 'sized');
    assert.ok(capacity(f) >= 16384 && capacity(f) < 32768, `query room after a read: ${capacity(f)}`);
    // a big argument announced: room for all of it, kept while the client is not idle
    c.write('*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$1000000\r\n');
    for (let i = 0; i < 200 && capacity(f) < 1_000_000; i++) {
      await new Promise<void>((r) => setTimeout(r, 10));
      f = await fields(control, 'sized');
    }
    assert.ok(capacity(f) >= 1_000_000, `room for the big argument: ${capacity(f)}`);
    cron.tick();
    assert.ok(capacity(await fields(control, 'sized')) >= 1_000_000, 'not trimmed under its peak');
    // idle for 3 s: the room is given back, for real (tot-mem no longer holds the big buffer)
    clock.advance(3000);
    cron.tick();
    f = await fields(control, 'sized');
    assert.equal(capacity(f), 0);
    assert.ok(num(f, 'tot-mem') < 500_000, `tot-mem ${num(f, 'tot-mem')} still holds the unfilled argument`);
    c.write(Buffer.alloc(1_000_000, 0x61));
    c.write('\r\n');
    assert.equal(await c.readReply(), '+OK\r\n');

    // the reply buffer: 16 KiB at first; idle with a 100 ms peak reset, it shrinks to 1 KiB
    srv.server.debugKnobs.replyBufferPeakResetTime = 100;
    for (let i = 0; i < 4; i++) {
      clock.advance(200);
      cron.tick();
    }
    f = await fields(control, 'sized');
    assert.equal(num(f, 'rbs'), 1024);
    // replies bigger than it: doubled each cron up to 16 KiB (the rest goes out beside it)
    srv.server.debugKnobs.replyBufferPeakResetTime = -1;
    for (let i = 0; i < 10 && num(f, 'rbs') < 16384; i++) {
      assert.equal((await c.call('GET', 'big')).length, 1_000_000 + 12);
      cron.tick();
      f = await fields(control, 'sized');
    }
    assert.equal(num(f, 'rbs'), 16384);
    // and no further: the next big reply fills it (its peak), the cron keeps 16 KiB
    await c.call('GET', 'big');
    cron.tick();
    f = await fields(control, 'sized');
    assert.equal(num(f, 'rbs'), 16384);
    assert.equal(num(f, 'rbp'), 16384);
    const info = await control.call('INFO', 'stats');
    assert.match(info, /reply_buffer_shrinks:[1-9]/);
    assert.match(info, /reply_buffer_expands:[4-9]/);
  } finally {
    c.close();
    control.close();
    await srv.close();
  }
});

test('multi-mem counts queued commands and watched keys, and drops with EXEC / UNWATCH', async () => {
  const srv = await startTestServer();
  const control = await RawClient.connect(srv.port);
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CLIENT', 'SETNAME', 'tx'), '+OK\r\n');
    assert.equal(num(await fields(control, 'tx'), 'multi-mem'), 0);
    const keys = Array.from({ length: 20 }, (_, i) => `w${i}`);
    assert.equal(await c.call('WATCH', ...keys), '+OK\r\n');
    const watching = num(await fields(control, 'tx'), 'multi-mem');
    assert.ok(watching >= 20 * 8, `20 watched keys cost ${watching}`);
    assert.equal(await c.call('UNWATCH'), '+OK\r\n');
    assert.equal(num(await fields(control, 'tx'), 'multi-mem'), 0);
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    const v = 'v'.repeat(10_000);
    for (let i = 0; i < 3; i++) assert.equal(await c.call('SET', `k${i}`, v), '+QUEUED\r\n');
    const f = await fields(control, 'tx');
    assert.equal(f.get('multi'), '3');
    assert.ok(num(f, 'multi-mem') >= 3 * (3 + 2 + 10_000), `multi-mem ${num(f, 'multi-mem')} under the queued bytes`);
    assert.ok(num(f, 'tot-mem') >= num(f, 'multi-mem'));
    assert.match(await c.call('EXEC'), /^\*3\r\n/);
    assert.equal(num(await fields(control, 'tx'), 'multi-mem'), 0);
  } finally {
    c.close();
    control.close();
    await srv.close();
  }
});

test('obl/oll/omem show replies the client leaves unread; INFO mem_clients_normal sums the clients', async () => {
  const srv = await startTestServer();
  const control = await RawClient.connect(srv.port);
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CLIENT', 'SETNAME', 'slow'), '+OK\r\n');
    assert.equal(await control.call('SET', 'big', 'x'.repeat(1024 * 1024)), '+OK\r\n');
    const idle = await fields(control, 'slow');
    assert.equal(num(idle, 'obl'), 0);
    assert.equal(num(idle, 'oll'), 0);
    assert.equal(num(idle, 'omem'), 0);
    c.socket.pause();
    c.write(RawClient.encode(['GET', 'big']).repeat(16));
    let f = await fields(control, 'slow');
    for (let i = 0; i < 200 && num(f, 'omem') < 4 * 1024 * 1024; i++) {
      await new Promise<void>((r) => setTimeout(r, 10));
      f = await fields(control, 'slow');
    }
    assert.ok(num(f, 'omem') >= 4 * 1024 * 1024, `omem ${num(f, 'omem')} with 16 MiB of replies unread`);
    assert.ok(num(f, 'oll') >= 1);
    assert.equal(f.get('events'), 'rw');
    assert.ok(num(f, 'tot-mem') >= num(f, 'omem'));
    const info = await control.call('INFO', 'memory');
    const normal = Number(/mem_clients_normal:(\d+)/.exec(info)![1]);
    assert.ok(normal >= num(f, 'omem'), `mem_clients_normal ${normal} leaves out the unread output`);
  } finally {
    c.close();
    control.close();
    await srv.close();
  }
});

test('a reply past the hard output limit closes the client before any of it is written (Redis checks as replies are added)', async () => {
  const srv = await startTestServer({ config: [['client-output-buffer-limit', 'normal', '1mb', '0', '0']] });
  const admin = await RawClient.connect(srv.port);
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await admin.call('SET', 'big', 'x'.repeat(2 * 1024 * 1024)), '+OK\r\n');
    // the client reads everything: the kernel could take the whole reply at once
    c.write(RawClient.encode(['GET', 'big']));
    assert.ok(await c.waitClosed(5000), 'a 2 MiB reply went to a client limited to 1 MiB');
    assert.equal(c.received, '', 'part of the reply was sent');
    assert.equal(srv.server.stats.clientOutputBufferLimitDisconnections, 1);
    assert.equal(srv.server.stats.evictedClients, 0);
  } finally {
    c.close();
    admin.close();
    await srv.close();
  }
});

test('a write the kernel already took holds no output memory; one still queued counts its bytes', async () => {
  const srv = await startTestServer();
  await srv.close();
  const c = new Client(1, '127.0.0.1:1', '127.0.0.1:2', 1, 0, srv.server.acl.defaultUser);
  c.pendingWrites = () => 1;
  c.socketQueuedBytes = () => 0;
  // Redis's unit/client-eviction sets maxmemory-clients to the clients' sum plus the caller's
  // tot-mem: a charge for the caller's own "+OK" in flight evicted one client too many
  assert.equal(outputMemory(c), 0);
  c.socketQueuedBytes = () => 1000;
  assert.ok(outputMemory(c) >= 1000);
});
