/**
 * MIGRATE between Redoubt and a real redis-server, both ways: single keys and KEYS, COPY,
 * REPLACE, TTLs, every type, binary names, AUTH and AUTH2 against a target with
 * requirepass and an ACL user, BUSYKEY and WRONGPASS relayed, NOKEY, argument errors
 * compared with redis-server's; a target that is down (IOERR connecting) or never
 * answers (IOERR within the timeout while the server keeps serving); the cached
 * connection; and Redoubt's rule for keys written while the transfer runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, freePort, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { attachRecordingSink } from '../../src/persistence/propagator.js';

const BIN = 'k\x00\xff\r\n';

/** Fills a server with one key of every type (names prefixed with `p`). */
async function fill(c: RawClient, p: string): Promise<void> {
  await c.call('SET', `${p}str`, `v\x00\x80${p}`);
  await c.call('RPUSH', `${p}list`, 'a', 'b', '3');
  await c.call('HSET', `${p}hash`, 'f', 'v', 'g', '2');
  await c.call('SADD', `${p}set`, 'x', 'y', '1');
  await c.call('ZADD', `${p}zset`, '1.5', 'm', '-2', 'n');
  await c.call('XADD', `${p}stream`, '1-1', 'f', 'v');
  await c.call('SET', `${p}ttl`, 'soon', 'PX', '500000');
  await c.call('SET', `${p}${BIN}`, BIN);
}

/** What a key holds, type by type, for comparing two servers. */
async function show(c: RawClient, key: string): Promise<string> {
  const type = await c.call('TYPE', key);
  const read: Record<string, string[]> = {
    '+string\r\n': ['GET', key],
    '+list\r\n': ['LRANGE', key, '0', '-1'],
    '+hash\r\n': ['HGETALL', key],
    '+set\r\n': ['SORT', key, 'ALPHA'],
    '+zset\r\n': ['ZRANGE', key, '0', '-1', 'WITHSCORES'],
    '+stream\r\n': ['XRANGE', key, '-', '+'],
  };
  const cmd = read[type];
  return cmd === undefined ? type : type + (await c.call(...cmd));
}

const KEYS = ['str', 'list', 'hash', 'set', 'zset', 'stream', 'ttl', BIN];

test('MIGRATE Redoubt → redis-server and redis-server → Redoubt: every type, KEYS, COPY, REPLACE, TTL, BUSYKEY', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const srv = await startTestServer();
  const oracle = await startRedisOracle();
  const ours = await RawClient.connect(srv.port);
  const theirs = await RawClient.connect(oracle.port);
  try {
    for (const [from, to, toPort, p] of [
      [ours, theirs, oracle.port, 'a:'],
      [theirs, ours, srv.port, 'b:'],
    ] as const) {
      await fill(from, p);
      const before = await Promise.all(KEYS.map((k) => show(from, p + k)));
      // a single key, then KEYS with a missing one, into database 2
      assert.equal(await from.call('MIGRATE', '127.0.0.1', String(toPort), `${p}str`, '2', '5000'), '+OK\r\n');
      assert.equal(
        await from.call('MIGRATE', '127.0.0.1', String(toPort), '', '2', '5000', 'KEYS', ...KEYS.slice(1).map((k) => p + k), `${p}missing`),
        '+OK\r\n',
      );
      assert.equal(await from.call('EXISTS', ...KEYS.map((k) => p + k)), ':0\r\n', 'moved keys are gone from the source');
      await to.call('SELECT', '2');
      const after = await Promise.all(KEYS.map((k) => show(to, p + k)));
      assert.deepEqual(after, before);
      const pttl = Number((await to.call('PTTL', `${p}ttl`)).slice(1, -2));
      assert.ok(pttl > 400_000 && pttl <= 500_000, `TTL travelled: ${pttl}`);
      assert.equal(await to.call('PTTL', `${p}str`), ':-1\r\n');
      await to.call('SELECT', '0');
      // nothing to move
      assert.equal(await from.call('MIGRATE', '127.0.0.1', String(toPort), `${p}str`, '2', '5000'), '+NOKEY\r\n');
      // the target has it: BUSYKEY relayed, the key stays; COPY REPLACE overwrites and keeps it
      await from.call('SET', `${p}str`, 'newer');
      assert.equal(
        await from.call('MIGRATE', '127.0.0.1', String(toPort), `${p}str`, '2', '5000'),
        '-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n',
      );
      assert.equal(await from.call('GET', `${p}str`), '$5\r\nnewer\r\n');
      assert.equal(await from.call('MIGRATE', '127.0.0.1', String(toPort), `${p}str`, '2', '5000', 'COPY', 'REPLACE'), '+OK\r\n');
      assert.equal(await from.call('GET', `${p}str`), '$5\r\nnewer\r\n');
      await to.call('SELECT', '2');
      assert.equal(await to.call('GET', `${p}str`), '$5\r\nnewer\r\n');
      // a wrong database is the target's error, relayed
      await to.call('SELECT', '0');
      assert.equal(
        await from.call('MIGRATE', '127.0.0.1', String(toPort), `${p}str`, '99', '5000'),
        '-ERR Target instance replied with error: ERR DB index is out of range\r\n',
      );
      assert.equal(await from.call('EXISTS', `${p}str`), ':1\r\n');
    }
  } finally {
    ours.close();
    theirs.close();
    await srv.close();
    await oracle.stop();
  }
});

test('MIGRATE with AUTH and AUTH2, to redis-server and to Redoubt; a wrong password is relayed and the key stays', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const srv = await startTestServer();
  // (the oracle helper waits for a PING answer: the password is set once it is up)
  const oracle = await startRedisOracle();
  const ours = await RawClient.connect(srv.port);
  const theirs = await RawClient.connect(oracle.port);
  try {
    for (const c of [ours, theirs]) {
      assert.equal(await c.call('CONFIG', 'SET', 'requirepass', 'defpass'), '+OK\r\n');
      assert.equal(await c.call('AUTH', 'defpass'), '+OK\r\n');
      assert.equal(await c.call('ACL', 'SETUSER', 'mover', 'on', '>movepass', '~*', '+@all'), '+OK\r\n');
    }
    for (const [from, to, toPort, p] of [
      [ours, theirs, oracle.port, 'x:'],
      [theirs, ours, srv.port, 'y:'],
    ] as const) {
      await from.call('SET', `${p}a1`, '1');
      await from.call('SET', `${p}a2`, '2');
      await from.call('SET', `${p}a3`, '3');
      // a fresh connection with a wrong password: the RESTORE is refused too, nothing moves
      assert.equal(
        await from.call('MIGRATE', '127.0.0.1', String(toPort), `${p}a3`, '0', '5000', 'AUTH', 'nope'),
        '-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n',
      );
      assert.equal(await to.call('EXISTS', `${p}a3`), ':0\r\n');
      assert.equal(await from.call('MIGRATE', '127.0.0.1', String(toPort), `${p}a1`, '0', '5000', 'AUTH', 'defpass'), '+OK\r\n');
      assert.equal(await from.call('MIGRATE', '127.0.0.1', String(toPort), '', '0', '5000', 'AUTH2', 'mover', 'movepass', 'KEYS', `${p}a2`), '+OK\r\n');
      assert.equal(
        await from.call('MIGRATE', '127.0.0.1', String(toPort), `${p}a3`, '0', '5000', 'AUTH', 'nope'),
        '-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n',
      );
      assert.equal(
        await from.call('MIGRATE', '127.0.0.1', String(toPort), `${p}a3`, '0', '5000', 'AUTH2', 'mover', 'nope'),
        '-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n',
      );
      // as with Redis, the cached connection stays logged in after a failed AUTH, so the
      // RESTOREs behind the wrong passwords did run: the target has a3 (and says so)
      assert.equal(
        await from.call('MIGRATE', '127.0.0.1', String(toPort), `${p}a3`, '0', '5000'),
        '-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n',
      );
      assert.equal(await from.call('GET', `${p}a3`), '$1\r\n3\r\n');
      assert.equal(await from.call('EXISTS', `${p}a1`, `${p}a2`), ':0\r\n');
      assert.equal(await to.call('MGET', `${p}a1`, `${p}a2`, `${p}a3`), '*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n');
    }
  } finally {
    ours.close();
    theirs.close();
    await srv.close();
    await oracle.stop();
  }
});

test('MIGRATE argument errors and NOKEY match redis-server', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const srv = await startTestServer();
  const oracle = await startRedisOracle();
  const ours = await RawClient.connect(srv.port);
  const theirs = await RawClient.connect(oracle.port);
  const port = String(await freePort());
  const cases: string[][] = [
    ['MIGRATE', '127.0.0.1', port, 'k', '0', '100', 'BOGUS'],
    ['MIGRATE', '127.0.0.1', port, 'k', '0', '100', 'AUTH'],
    ['MIGRATE', '127.0.0.1', port, 'k', '0', '100', 'AUTH2', 'u'],
    ['MIGRATE', '127.0.0.1', port, 'k', '0', '100', 'KEYS', 'a'],
    ['MIGRATE', '127.0.0.1', port, 'k', '0', 'x'],
    ['MIGRATE', '127.0.0.1', port, 'k', 'x', '100'],
    ['MIGRATE', '127.0.0.1', port, 'k', 'x', 'y', 'COPY', 'BOGUS'],
    ['MIGRATE', '127.0.0.1', port, 'nokey', '0', '100'],
    ['MIGRATE', '127.0.0.1', port, '', '0', '100', 'KEYS', 'n1', 'n2'],
    ['MIGRATE', '127.0.0.1', port, '', '0', '100', 'COPY', 'REPLACE', 'AUTH', 'p', 'KEYS'],
    ['MIGRATE', '127.0.0.1', port, 'nokey', '0', '100', 'copy', 'replace', 'auth2', 'u', 'p'],
    ['MIGRATE', '127.0.0.1', port, 'k', '0'],
    // the target is down: connecting fails at once
    ['SET', 'k', 'v'],
    ['MIGRATE', '127.0.0.1', port, 'k', '0', '1000'],
    ['MIGRATE', '127.0.0.1', 'notaport', 'k', '0', '1000'],
    ['MIGRATE', '127.0.0.1', '0', 'k', '0', '1000'],
    ['MIGRATE', '127.0.0.1', '-5', 'k', '0', '1000'],
    ['MIGRATE', 'no.such.host.invalid', port, 'k', '0', '1000'],
    ['EXISTS', 'k'],
  ];
  try {
    for (const argv of cases) assert.equal(await ours.call(...argv), await theirs.call(...argv), argv.join(' '));
  } finally {
    ours.close();
    theirs.close();
    await srv.close();
    await oracle.stop();
  }
});

/** A target that accepts connections and keeps what they send, answering only when told. */
async function fakeTarget(): Promise<{
  port: number;
  received: () => string;
  answer: (s: string) => void;
  connections: () => number;
  /** connections the other side has closed */
  closedByPeer: () => number;
  close: () => Promise<void>;
}> {
  const sockets: net.Socket[] = [];
  let data = '';
  let accepted = 0;
  let ended = 0;
  const server = net.createServer((s) => {
    accepted++;
    sockets.push(s);
    s.on('data', (d) => (data += d.toString('latin1')));
    s.on('end', () => ended++);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received: () => data,
    answer: (s) => sockets[sockets.length - 1]?.write(s),
    connections: () => accepted,
    closedByPeer: () => ended,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('a target that never answers: IOERR within the timeout, and the server serves others meanwhile', async () => {
  const srv = await startTestServer();
  const target = await fakeTarget();
  const c = await RawClient.connect(srv.port);
  const other = await RawClient.connect(srv.port);
  try {
    await c.call('SET', 'k', 'v');
    const started = Date.now();
    c.write(RawClient.encode(['MIGRATE', '127.0.0.1', String(target.port), 'k', '0', '300']) + RawClient.encode(['PING']));
    // the migrating client waits; everyone else is served
    for (let i = 0; i < 5; i++) assert.equal(await other.call('GET', 'k'), '$1\r\nv\r\n');
    assert.equal(await c.readReply(10_000), '-IOERR error or timeout reading to target instance\r\n');
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 8000, `answered after ${took} ms`);
    assert.equal(await c.readReply(), '+PONG\r\n');
    assert.equal(await c.call('GET', 'k'), '$1\r\nv\r\n');
    // the request was SELECT then RESTORE k
    assert.match(target.received(), /^\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*4\r\n\$7\r\nRESTORE\r\n\$1\r\nk\r\n\$1\r\n0\r\n/);
    // a timed-out exchange is not retried: one connection
    assert.equal(target.connections(), 1);
  } finally {
    c.close();
    other.close();
    await target.close();
    await srv.close();
  }
});

test('keys written while the transfer runs stay; unchanged ones leave; the connection is cached', async () => {
  const srv = await startTestServer();
  const target = await fakeTarget();
  const c = await RawClient.connect(srv.port);
  const other = await RawClient.connect(srv.port);
  try {
    const id = (await c.call('CLIENT', 'ID')).slice(1, -2);
    const feed = attachRecordingSink(srv.server);
    await c.call('SET', 'same', '1');
    await c.call('RPUSH', 'changed', 'a');
    await c.call('SET', 'replaced', 'x');
    c.write(RawClient.encode(['MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', 'same', 'changed', 'replaced']));
    const deadline = Date.now() + 5000;
    while ((target.received().match(/RESTORE/g) ?? []).length < 3) {
      assert.ok(Date.now() < deadline, 'the target never got the request');
      await new Promise((r) => setTimeout(r, 5));
    }
    // CLIENT UNBLOCK does not apply to a migrating client
    assert.equal(await other.call('CLIENT', 'UNBLOCK', id), ':0\r\n');
    assert.equal(await other.call('RPUSH', 'changed', 'b'), ':2\r\n');
    assert.equal(await other.call('SET', 'replaced', 'y'), '+OK\r\n');
    target.answer('+OK\r\n+OK\r\n+OK\r\n+OK\r\n');
    assert.equal(await c.readReply(5000), '+OK\r\n');
    assert.equal(await other.call('EXISTS', 'same'), ':0\r\n');
    assert.equal(await other.call('LRANGE', 'changed', '0', '-1'), '*2\r\n$1\r\na\r\n$1\r\nb\r\n');
    assert.equal(await other.call('GET', 'replaced'), '$1\r\ny\r\n');
    // the write feed has the deletion as DEL (Redis rewrites MIGRATE so), never MIGRATE
    const fed = feed.take().map((x) => x.argv.join(' '));
    assert.ok(fed.includes('DEL same'), fed.join(' | '));
    assert.ok(!fed.some((x) => x.startsWith('MIGRATE')), fed.join(' | '));
    // the next MIGRATE to the same target reuses the connection, without SELECT
    await c.call('SET', 'again', '1');
    const before = target.received().length;
    c.write(RawClient.encode(['MIGRATE', '127.0.0.1', String(target.port), 'again', '0', '5000']));
    const d2 = Date.now() + 5000;
    while (!target.received().slice(before).includes('again')) {
      assert.ok(Date.now() < d2, 'the second request never came');
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(!target.received().slice(before).includes('SELECT'), 'SELECT is not repeated');
    target.answer('+OK\r\n');
    assert.equal(await c.readReply(5000), '+OK\r\n');
    assert.equal(target.connections(), 1);
    // INFO counts the cached connection, as Redis's migrate_cached_sockets
    assert.match(await c.call('INFO', 'stats'), /\r\nmigrate_cached_sockets:1\r\n/);
  } finally {
    c.close();
    other.close();
    await target.close();
    await srv.close();
  }
});

test('MIGRATE inside MULTI is refused (the transfer cannot wait inside EXEC)', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('SET', 'k', 'v');
    await c.call('MULTI');
    await c.call('MIGRATE', '127.0.0.1', '1', 'k', '0', '100');
    assert.equal(
      await c.call('EXEC'),
      '*1\r\n-ERR MIGRATE cannot be used inside MULTI/EXEC or scripts: the transfer would have to block the server\r\n',
    );
    assert.equal(await c.call('GET', 'k'), '$1\r\nv\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('a cached connection is closed after 10 s unused', async () => {
  const srv = await startTestServer();
  const target = await fakeTarget();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('SET', 'k', 'v');
    c.write(RawClient.encode(['MIGRATE', '127.0.0.1', String(target.port), 'k', '0', '5000', 'COPY']));
    const deadline = Date.now() + 5000;
    while (!target.received().includes('RESTORE')) {
      assert.ok(Date.now() < deadline, 'the request never came');
      await new Promise((r) => setTimeout(r, 5));
    }
    target.answer('+OK\r\n+OK\r\n');
    assert.equal(await c.readReply(5000), '+OK\r\n');
    const answered = Date.now();
    while (target.closedByPeer() === 0) {
      assert.ok(Date.now() - answered < 20_000, 'the idle connection was never closed');
      await new Promise((r) => setTimeout(r, 100));
    }
    const idle = Date.now() - answered;
    assert.ok(idle >= 9_000, `closed after ${idle} ms idle`);
  } finally {
    c.close();
    await target.close();
    await srv.close();
  }
});
