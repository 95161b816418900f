/**
 * The gateway's upstream connection against a real redis-server: pipelined commands are
 * answered in order and byte for byte, the login is checked, and a lost, silent or absent
 * upstream answers every pending command exactly once with an error instead of hanging;
 * a blocking command's own timeout; the pub/sub link (subscriber.ts). Commands wait for the
 * upstream's first answer on a connection (a handshake alone proves nothing: fake upstreams).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Redis } from 'ioredis';
import {
  LOGIN_REFUSED_REPLY,
  LOST_REPLY,
  TIMEOUT_REPLY,
  UNREACHABLE_REPLY,
  UpstreamConnection,
  type UpstreamOptions,
} from '../../src/gateway/upstream-connection.js';
import { SubscriberLink } from '../../src/gateway/subscriber.js';
import { findRedisServer, freePort, startRedisOracle, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;

function call(conn: UpstreamConnection, argv: string[]): Promise<{ reply: string; isError: boolean }> {
  return new Promise((resolve) => conn.send(argv, (b, isError) => resolve({ reply: b.toString('latin1'), isError })));
}

/** A redis-server whose default user needs `pw` (set after start: the start-up check PINGs without AUTH). */
async function oracleWithPassword(): Promise<Awaited<ReturnType<typeof startRedisOracle>>> {
  const oracle = await startRedisOracle();
  const c = new Redis({ port: oracle.port, host: '127.0.0.1' });
  await c.config('SET', 'requirepass', 'pw');
  c.disconnect();
  return oracle;
}

function connect(port: number, extra: Partial<UpstreamOptions> = {}): UpstreamConnection {
  return new UpstreamConnection({ host: '127.0.0.1', port, timeoutMs: 5000, ...extra });
}

test('pipelined commands come back in order, binary values byte for byte', { skip }, async () => {
  const oracle = await oracleWithPassword();
  const conn = connect(oracle.port, { password: 'pw' });
  try {
    const value = (i: number) => String.fromCharCode(...Array.from({ length: 40 }, (_, j) => (i * 7 + j * 13) & 0xff)) + '\r\n';
    const sets: Promise<{ reply: string }>[] = [];
    const gets: Promise<{ reply: string }>[] = [];
    for (let i = 0; i < 2000; i++) sets.push(call(conn, ['SET', `k${i}`, value(i)]));
    for (let i = 0; i < 2000; i++) gets.push(call(conn, ['GET', `k${i}`]));
    for (const s of await Promise.all(sets)) assert.equal(s.reply, '+OK\r\n');
    const got = await Promise.all(gets);
    got.forEach((g, i) => assert.equal(g.reply, `$${value(i).length}\r\n${value(i)}\r\n`, `GET k${i}`));
    const arr = await call(conn, ['MGET', 'k1', 'nokey', 'k2']);
    assert.equal(arr.reply, `*3\r\n$42\r\n${value(1)}\r\n$-1\r\n$42\r\n${value(2)}\r\n`);
    const err = await call(conn, ['LPUSH', 'k1', 'x']);
    assert.equal(err.isError, true);
    assert.match(err.reply, /^-WRONGTYPE /);
    assert.equal(conn.inFlight, 0);
  } finally {
    conn.close();
    await oracle.stop();
  }
});

test('a refused login answers every pending command with a refusal that does not echo the upstream', { skip }, async () => {
  const oracle = await oracleWithPassword();
  const conn = connect(oracle.port, { user: 'default', password: 'wrong' });
  try {
    const replies = await Promise.all([call(conn, ['PING']), call(conn, ['GET', 'x'])]);
    for (const r of replies) assert.deepEqual(r, { reply: LOGIN_REFUSED_REPLY.toString(), isError: true });
    assert.equal(conn.closed, true);
    assert.deepEqual(await call(conn, ['PING']), { reply: LOGIN_REFUSED_REPLY.toString(), isError: true });
  } finally {
    conn.close();
    await oracle.stop();
  }
});

test('a connection lost mid-command answers it as lost, never resent; a silent upstream times out', { skip }, async () => {
  const oracle = await startRedisOracle();
  const admin = new Redis({ port: oracle.port, host: '127.0.0.1' });
  const conn = connect(oracle.port);
  const slow = connect(oracle.port, { timeoutMs: 300 });
  try {
    assert.equal((await call(conn, ['CLIENT', 'SETNAME', 'victim'])).reply, '+OK\r\n');
    const blocked = call(conn, ['BLPOP', 'never', '0']);
    const queued = call(conn, ['RPUSH', 'never', 'x']);
    // wait until the BLPOP is really blocked upstream, then cut the gateway's connection
    for (let i = 0; i < 100 && !String(await admin.client('LIST')).includes('cmd=blpop'); i++) await new Promise((r) => setTimeout(r, 20));
    const list = String(await admin.client('LIST'));
    const id = /id=(\d+) [^\n]*name=victim/.exec(list)![1]!;
    await admin.client('KILL', 'ID', id);
    assert.deepEqual(await blocked, { reply: LOST_REPLY.toString(), isError: true });
    assert.deepEqual(await queued, { reply: LOST_REPLY.toString(), isError: true });
    // the RPUSH waited in Redis's input behind the blocked BLPOP and died with the connection;
    // the gateway does not send it again on a new connection
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await admin.llen('never'), 0);

    const started = Date.now();
    assert.deepEqual(await call(slow, ['BLPOP', 'other', '0']), { reply: TIMEOUT_REPLY.toString(), isError: true });
    assert.ok(Date.now() - started < 4000, 'the timeout fired');
  } finally {
    admin.disconnect();
    conn.close();
    slow.close();
    await oracle.stop();
  }
});

test('an upstream that is not there is reported as unreachable', async () => {
  const port = await freePort();
  const conn = connect(port);
  assert.deepEqual(await call(conn, ['PING']), { reply: UNREACHABLE_REPLY.toString(), isError: true });
});

/** A TCP listener standing in for an upstream: `onData` sees each chunk a connection sends. */
async function fakeUpstream(onData: (s: net.Socket, data: string) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.on('data', (d) => onData(s, d.toString('latin1')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const PING = '*1\r\n$4\r\nPING\r\n';
const SET_K = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n';
const GET_K = '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n';

test('commands are written only once the upstream answered on the connection: reset before that, they are unreachable, never lost', async () => {
  // what a SIGKILLed redis-server does to a new connection for a moment (CI saw it: 8 lost
  // writes from 4 writers): its client sockets are closed before its listening socket, whose
  // backlog still completes the handshake, then resets the connection unread
  const seen: string[] = [];
  const dying = await fakeUpstream((s, data) => {
    seen.push(data);
    s.resetAndDestroy();
  });
  try {
    const conn = connect(dying.port);
    const replies = await Promise.all([call(conn, ['SET', 'k', 'v']), call(conn, ['GET', 'k'])]);
    for (const r of replies) assert.deepEqual(r, { reply: UNREACHABLE_REPLY.toString(), isError: true });
    assert.deepEqual(seen, [PING]);
  } finally {
    await dying.close();
  }

  // an upstream that answers late gets nothing but the PING before its answer, then the commands in order
  const got: string[] = [];
  let answer: (() => void) | null = null;
  const slow = await fakeUpstream((s, data) => {
    got.push(data);
    if (data === PING) answer = () => s.write('+PONG\r\n');
    else s.write(':1\r\n'.repeat(data.match(/(^|\n)\*\d/g)?.length ?? 0));
  });
  const conn = connect(slow.port);
  try {
    const replies = Promise.all([call(conn, ['SET', 'k', 'v']), call(conn, ['GET', 'k'])]);
    for (let i = 0; i < 400 && answer === null; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, [PING]);
    answer!();
    assert.deepEqual(await replies, [
      { reply: ':1\r\n', isError: false },
      { reply: ':1\r\n', isError: false },
    ]);
    assert.equal(got.slice(1).join(''), SET_K + GET_K);
  } finally {
    conn.close();
    await slow.close();
  }
});

test('a connection to a loopback port nobody listens on that connects to itself is unreachable, not an echo of its own commands', async () => {
  const port = await freePort();
  // the kernel may give a connection to a free loopback port that port as its source (TCP
  // simultaneous open): forced here with the source port
  const conn = connect(port, { localPort: port });
  try {
    assert.deepEqual(await call(conn, ['SET', 'k', 'v']), { reply: UNREACHABLE_REPLY.toString(), isError: true });
    assert.equal(conn.closed, true);
  } finally {
    conn.close();
  }
});

test("a blocking command's own timeout replaces the connection's; a subscriber link relays pushes and reports errors and loss", { skip }, async () => {
  const oracle = await startRedisOracle();
  const admin = new Redis({ port: oracle.port, host: '127.0.0.1' });
  const conn = connect(oracle.port, { timeoutMs: 200 });
  const events: string[] = [];
  let lost = 0;
  const link = new SubscriberLink(
    { host: '127.0.0.1', port: oracle.port, timeoutMs: 5000 },
    { message: (kind, items) => events.push(`${kind} ${items.join(' ')}`), shardDropped: () => undefined, lost: () => lost++ },
  );
  try {
    // BLPOP … 0 may wait past the connection's 200 ms: it is given no deadline of its own
    const pop = new Promise<string>((resolve) => conn.send(['BLPOP', 'jobs', '0'], (b) => resolve(b.toString('latin1')), Infinity));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(conn.closed, false);
    await admin.rpush('jobs', 'j1');
    assert.equal(await pop, '*2\r\n$4\r\njobs\r\n$2\r\nj1\r\n');
    // the request is done once the upstream has it: a message published after arrives
    assert.equal(await new Promise((resolve) => link.request(['SUBSCRIBE', 'ch'], resolve)), null);
    assert.equal(await admin.publish('ch', 'hello'), 1);
    for (let i = 0; i < 500 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(events, ['message ch hello']);
    // an upstream refusal is that request's answer
    await admin.call('ACL', 'SETUSER', 'default', 'resetchannels', '&ch');
    const refused = await new Promise<Buffer | null>((resolve) => link.request(['SUBSCRIBE', 'other'], resolve));
    assert.match(refused!.toString('latin1'), /^-NOPERM/);
    // a lost link is reported (the gateway then closes its client)
    const id = /id=(\d+)[^\n]*cmd=(ping|subscribe)/.exec(String(await admin.client('LIST')))![1]!;
    await admin.client('KILL', 'ID', id);
    for (let i = 0; i < 500 && lost === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(lost, 1);
  } finally {
    link.close();
    conn.close();
    admin.disconnect();
    await oracle.stop();
  }
});
