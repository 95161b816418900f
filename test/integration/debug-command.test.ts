/**
 * DEBUG behind enable-debug-command, end to end: the switch (no / yes / local), the reloads
 * (RELOAD saves and reads the RDB back, LOADAOF replays the AOF), SET-ACTIVE-EXPIRE and
 * PAUSE-CRON really stopping background work, SLEEP stopping the whole server, the security
 * event a DEBUG run leaves, and the ACL: a user without @admin / @dangerous is refused
 * DEBUG, MONITOR and PFDEBUG.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { Client } from '../../src/server/client.js';
import { protectedActionAllowed } from '../../src/security/protected-action.js';

const REFUSED =
  '-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, ' +
  'otherwise you need to set this option in the configuration file, and then restart the server.\r\n';

test('DEBUG is refused by default, with Redis text, after authentication and before ACL', async () => {
  const srv = await startTestServer({ config: [['requirepass', 'pw']] });
  const c = await RawClient.connect(srv.port);
  try {
    // not logged in: NOAUTH (Redis checks the switch first and so tells anyone whether
    // DEBUG is enabled; Redoubt tells nothing before the login)
    assert.equal(await c.call('DEBUG', 'SLEEP', '0'), '-NOAUTH Authentication required.\r\n');
    assert.equal(await c.call('DEBUG'), "-ERR wrong number of arguments for 'debug' command\r\n", 'arity is checked before');
    assert.equal(await c.call('AUTH', 'pw'), '+OK\r\n');
    assert.equal(await c.call('DEBUG', 'DIGEST'), REFUSED);
    assert.match(await c.call('MODULE', 'LOAD', '/tmp/x.so'), /^-ERR MODULE command not allowed\. If the enable-module-command option/);
    assert.equal(await c.call('MODULE', 'LIST'), '*0\r\n', 'MODULE LIST is not a protected subcommand');
  } finally {
    c.close();
    await srv.close();
  }
});

test("enable-debug-command local: loopback and unix socket clients only (Redis's connIsLocal)", async () => {
  const srv = await startTestServer();
  const u = srv.server.acl.defaultUser;
  await srv.close();
  const client = (addr: string, unix = false) => new Client(1, addr, addr, 1, 0, u, unix);
  assert.equal(protectedActionAllowed('local', client('127.0.0.1:5000')), true);
  assert.equal(protectedActionAllowed('local', client('127.8.9.1:5000')), true);
  assert.equal(protectedActionAllowed('local', client('::1:5000')), true);
  assert.equal(protectedActionAllowed('local', client('/tmp/r.sock:0', true)), true);
  assert.equal(protectedActionAllowed('local', client('10.0.0.7:5000')), false);
  assert.equal(protectedActionAllowed('local', client('::ffff:10.0.0.7:5000')), false);
  assert.equal(protectedActionAllowed('local', client('1270.0.0.1:5000')), false);
  assert.equal(protectedActionAllowed('no', client('127.0.0.1:5000')), false);
  assert.equal(protectedActionAllowed('yes', client('10.0.0.7:5000')), true);
});

test('DEBUG RELOAD saves and reloads the RDB; digests agree; options and errors', async () => {
  const srv = await startTestServer({ config: [['enable-debug-command', 'yes']] });
  const io = ioredisClient(srv.port);
  try {
    await io.set('s', 'v');
    await io.rpush('l', 'a', 'b', 'c');
    await io.zadd('z', 1.5, 'm', 2, 'n');
    await io.hset('h', 'f', 'v');
    await io.xadd('x', '1-1', 'f', 'v');
    await io.set('t', 'v', 'EX', 1000);
    const before = await io.call('DEBUG', 'DIGEST');
    assert.notEqual(before, '0'.repeat(40));
    assert.equal(await io.call('DEBUG', 'RELOAD'), 'OK');
    assert.equal(await io.call('DEBUG', 'DIGEST'), before);
    assert.equal(await io.dbsize(), 6);
    assert.ok((await io.ttl('t')) > 990);
    // NOSAVE: the file on disk is read back, so a change since the last save is lost
    await io.set('later', '1');
    assert.equal(await io.call('DEBUG', 'RELOAD', 'NOSAVE'), 'OK');
    assert.equal(await io.exists('later'), 0);
    // NOFLUSH without MERGE: a key already present fails the load; MERGE replaces it
    await assert.rejects(io.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH'), /Error trying to load the RDB dump, check server logs\./);
    await io.set('extra', '1');
    assert.equal(await io.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'), 'OK');
    assert.equal(await io.get('extra'), '1');
    assert.equal(await io.get('s'), 'v');
    await assert.rejects(io.call('DEBUG', 'RELOAD', 'FAST'), /DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options\./);
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('DEBUG LOADAOF replays the AOF (and nothing is written back to it); without an AOF it fails', async () => {
  const srv = await startTestServer({ config: [['enable-debug-command', 'yes'], ['appendonly', 'yes']] });
  const io = ioredisClient(srv.port);
  const other = ioredisClient(srv.port);
  try {
    await io.set('a', '1');
    await io.incr('a');
    await io.rpush('l', 'x', 'y');
    await io.lpop('l');
    const before = await io.call('DEBUG', 'DIGEST');
    const aofBefore = ((await io.info('persistence')).match(/aof_current_size:(\d+)/) ?? [])[1];
    // pipelined after LOADAOF on the same connection: answered after the replay, in order
    const [loaded, after, got] = await Promise.all([io.call('DEBUG', 'LOADAOF'), io.call('DEBUG', 'DIGEST'), io.get('a')]);
    assert.equal(loaded, 'OK');
    assert.equal(after, before);
    assert.equal(got, '2');
    assert.deepEqual(await other.lrange('l', 0, -1), ['y']);
    const aofAfter = ((await io.info('persistence')).match(/aof_current_size:(\d+)/) ?? [])[1];
    assert.equal(aofAfter, aofBefore, 'the replay is not appended to the AOF again');
    await io.set('b', '1');
    assert.equal(await io.call('DEBUG', 'LOADAOF'), 'OK');
    assert.equal(await io.get('b'), '1', 'writes after the replay reach the AOF again');
  } finally {
    io.disconnect();
    other.disconnect();
    await srv.close();
  }
  const noAof = await startTestServer({ config: [['enable-debug-command', 'yes']] });
  const c = ioredisClient(noAof.port);
  try {
    await c.set('k', 'v');
    await assert.rejects(c.call('DEBUG', 'LOADAOF'), /Error trying to load the AOF files, check server logs\./);
    assert.equal(await c.dbsize(), 0, 'as Redis: the dataset was emptied before the load failed');
  } finally {
    c.disconnect();
    await noAof.close();
  }
});

test('DEBUG SET-ACTIVE-EXPIRE 0 and PAUSE-CRON 1 stop the background expiry; back on, keys go', async () => {
  const srv = await startTestServer({ config: [['enable-debug-command', 'yes'], ['hz', '100']] });
  const io = ioredisClient(srv.port);
  try {
    assert.equal(await io.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
    for (let i = 0; i < 20; i++) await io.set(`k${i}`, 'v', 'PX', 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await io.dbsize(), 20, 'expired keys stay until touched');
    assert.equal(await io.call('DEBUG', 'PAUSE-CRON', '1'), 'OK');
    assert.equal(await io.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), 'OK');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await io.dbsize(), 20, 'the cron is paused');
    assert.equal(await io.call('DEBUG', 'PAUSE-CRON', '0'), 'OK');
    const deadline = Date.now() + 5000;
    while ((await io.dbsize()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await io.dbsize(), 0);
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('DEBUG SLEEP stops the whole server: another client is answered after it', async () => {
  const srv = await startTestServer({ config: [['enable-debug-command', 'yes']] });
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  try {
    const order: string[] = [];
    a.write(RawClient.encode(['DEBUG', 'SLEEP', '0.3']));
    await new Promise((r) => setTimeout(r, 50));
    const pb = b.call('PING').then((r) => order.push(`b:${r.trim()}`));
    const pa = a.readReply(5000).then((r) => order.push(`a:${r.trim()}`));
    await Promise.all([pa, pb]);
    assert.deepEqual(order, ['a:+OK', 'b:+PONG']);
    assert.equal(await a.call('DEBUG', 'SLEEP', '0'), '+OK\r\n');
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test('a DEBUG run is a security event; a user without @admin gets NOPERM for DEBUG, MONITOR, PFDEBUG', async () => {
  const srv = await startTestServer({ config: [['enable-debug-command', 'yes']] });
  const lines: string[] = [];
  srv.server.security.events.listener = (line) => lines.push(line);
  const admin = await RawClient.connect(srv.port);
  const app = await RawClient.connect(srv.port);
  try {
    assert.equal(await admin.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), '+OK\r\n');
    const ev = lines.map((l) => JSON.parse(l) as { type: string; command?: string }).find((e) => e.type === 'dangerous-command');
    assert.equal(ev?.command, 'debug');
    assert.equal(await admin.call('ACL', 'SETUSER', 'app', 'on', '>apppw', '~*', '+@all', '-@dangerous'), '+OK\r\n');
    assert.equal(await app.call('AUTH', 'app', 'apppw'), '+OK\r\n');
    assert.match(await app.call('DEBUG', 'DIGEST'), /^-NOPERM User app has no permissions to run the 'debug' command\r\n$/);
    assert.match(await app.call('MONITOR'), /^-NOPERM User app has no permissions to run the 'monitor' command\r\n$/);
    assert.match(await app.call('PFDEBUG', 'GETREG', 'h'), /^-NOPERM User app has no permissions to run the 'pfdebug' command\r\n$/);
    assert.equal(await app.call('PING'), '+PONG\r\n', 'still connected, not monitoring');
  } finally {
    admin.close();
    app.close();
    await srv.close();
  }
});

test('DEBUG OBJECT, POPULATE, DIGEST-VALUE, HELP', async () => {
  const srv = await startTestServer({ config: [['enable-debug-command', 'yes']] });
  const io = ioredisClient(srv.port);
  try {
    await io.set('n', '123');
    await io.call('CONFIG', 'SET', 'list-max-listpack-size', '4');
    await io.rpush('big', ...Array.from({ length: 20 }, (_, i) => `e${i}`));
    assert.match(String(await io.call('DEBUG', 'OBJECT', 'n')), /^Value at:0x[0-9a-f]+ refcount:2147483647 encoding:int serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+$/);
    assert.match(String(await io.call('DEBUG', 'OBJECT', 'big')), /encoding:quicklist .* ql_nodes:5 ql_avg_node:4\.00 ql_listpack_max:4 ql_compressed:0 ql_uncompressed_size:\d+$/);
    assert.equal(await io.call('DEBUG', 'POPULATE', '10', 'pre', '3'), 'OK');
    assert.equal(await io.get('pre:7'), 'val');
    assert.deepEqual(await io.call('DEBUG', 'DIGEST-VALUE', 'missing'), ['0'.repeat(40)]);
    // 7.2 writes sorted-set scores as fpconv_dtoa does (0.1, not 7.0's 0.10000000000000001):
    // this digest is what redis-server 7.2.4 answers for the same sorted set
    await io.zadd('z72', 1.5, 'm', 2, 'n', -0.1, 'q', 1e30, 'big', 0.1, 't');
    assert.deepEqual(await io.call('DEBUG', 'DIGEST-VALUE', 'z72'), ['65dca753cf05ad0b45f68a817636f69da0deea66']);
    const help = (await io.call('DEBUG', 'HELP')) as string[];
    assert.match(help[0]!, /^DEBUG <subcommand>/);
    assert.ok(help.includes('RELOAD [MERGE] [NOFLUSH] [NOSAVE]'));
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('DEBUG SET-SKIP-CHECKSUM-VALIDATION 1: RESTORE takes a payload whose CRC is wrong', async () => {
  const srv = await startTestServer({ config: [['enable-debug-command', 'yes']] });
  const io = ioredisClient(srv.port);
  try {
    await io.set('src', 'hello');
    const payload = (await io.dumpBuffer('src'))!;
    payload.writeUInt8(payload.readUInt8(payload.length - 1) ^ 0xff, payload.length - 1);
    await assert.rejects(io.restore('dst', 0, payload), /DUMP payload version or checksum are wrong/);
    assert.equal(await io.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'), 'OK');
    assert.equal(await io.restore('dst', 0, payload), 'OK');
    assert.equal(await io.get('dst'), 'hello');
    assert.equal(await io.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0'), 'OK');
    await assert.rejects(io.restore('dst2', 0, payload), /checksum/);
  } finally {
    io.disconnect();
    await srv.close();
  }
});
