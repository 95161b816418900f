/**
 * MONITOR end to end: ioredis's monitor API and `redis-cli monitor` see every client's
 * commands; transactions, databases and unix-socket peers show as Redis shows them;
 * secrets never reach a monitor; MONITOR's own rules (second MONITOR unanswered, refused
 * inside EXEC, RESET ends it, CLIENT LIST flag O); and a monitor that stops reading is
 * disconnected by its output limit while the server keeps serving everyone else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findOnPath } from '../helpers/redis-oracle.js';

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

test('ioredis monitor(): every client, after-the-fact db, MULTI/EXEC as Redis shows it', async () => {
  const srv = await startTestServer();
  const io = ioredisClient(srv.port);
  const seen: { args: string[]; source: string; database: string }[] = [];
  const monitor = await io.monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string, database: string) => seen.push({ args, source, database }));
  const other = ioredisClient(srv.port);
  try {
    await other.set('k', 'v');
    await other.select(4);
    await other.multi().incr('n').get('n').exec();
    await other.ping('last');
    await waitFor(() => seen.some((s) => s.args[0] === 'ping'));
    const cmds = seen.map((s) => `${s.database} ${s.args.join(' ')}`).filter((l) => !/ (info|client|hello)/i.test(l));
    assert.deepEqual(cmds, ['0 set k v', '4 select 4', '4 multi', '4 incr n', '4 get n', '4 exec', '4 ping last']);
    assert.match(seen[0]!.source, /^127\.0\.0\.1:\d+$/);
  } finally {
    monitor.disconnect();
    io.disconnect();
    other.disconnect();
    await srv.close();
  }
});

test('redis-cli monitor prints the lines of other clients', { skip: findOnPath('redis-cli') === null ? 'redis-cli not installed' : false }, async () => {
  const srv = await startTestServer();
  const cli = spawn('redis-cli', ['-p', String(srv.port), 'monitor']);
  let out = '';
  cli.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const c = await RawClient.connect(srv.port);
  try {
    await waitFor(() => out.includes('OK'));
    await waitFor(() => srv.server.monitorFeed.count === 1);
    assert.equal(await c.call('SET', 'greeting', 'hello "world"\n'), '+OK\r\n');
    await waitFor(() => out.includes('"greeting"'));
    assert.match(out, /^OK\n\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "greeting" "hello \\"world\\"\\n"\n/);
  } finally {
    c.close();
    cli.kill();
    await srv.close();
  }
});

test('secrets never reach a monitor: AUTH, HELLO AUTH, CONFIG SET requirepass, ACL SETUSER', async () => {
  const srv = await startTestServer({ config: [['requirepass', 'admin-secret-0']] });
  const mon = await RawClient.connect(srv.port);
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await mon.call('AUTH', 'admin-secret-0'), '+OK\r\n');
    assert.equal(await mon.call('MONITOR'), '+OK\r\n');
    assert.equal(await c.call('AUTH', 'admin-secret-0'), '+OK\r\n');
    assert.match(await c.call('AUTH', 'nobody', 'wrong-secret-1'), /^-WRONGPASS/);
    assert.match(await c.call('HELLO', '2', 'AUTH', 'default', 'admin-secret-0', 'SETNAME', 'x'), /^\*/);
    assert.equal(await c.call('CONFIG', 'SET', 'requirepass', 'new-secret-2'), '+OK\r\n');
    assert.equal(await c.call('ACL', 'SETUSER', 'bob', 'on', '>bob-secret-3', '~*', '+get'), '+OK\r\n');
    assert.equal(await c.call('PING', 'done'), '$4\r\ndone\r\n');
    await waitFor(() => mon.received.includes('"done"'));
    const seen = mon.received;
    for (const secret of ['admin-secret-0', 'wrong-secret-1', 'new-secret-2', 'bob-secret-3', 'bob']) assert.ok(!seen.includes(secret), `${secret} leaked: ${seen}`);
    assert.match(seen, /"AUTH" "\(redacted\)"\r\n/);
    assert.match(seen, /"AUTH" "\(redacted\)" "\(redacted\)"\r\n/);
    assert.match(seen, /"HELLO" "2" "AUTH" "\(redacted\)" "\(redacted\)" "SETNAME" "x"\r\n/);
    assert.ok(!seen.includes('"CONFIG"') && !seen.includes('"ACL"'), 'admin commands are not shown at all');
  } finally {
    mon.close();
    c.close();
    await srv.close();
  }
});

test('MONITOR rules: second MONITOR unanswered, refused inside EXEC, RESET ends it, flag O', async () => {
  const srv = await startTestServer();
  const m = await RawClient.connect(srv.port);
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    assert.equal(await c.call('MONITOR'), '+QUEUED\r\n');
    assert.equal(await c.call('EXEC'), "*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n");
    assert.equal(await m.call('MONITOR'), '+OK\r\n');
    m.write(RawClient.encode(['MONITOR']));
    // no reply to the second MONITOR: the next reply is the PING's, then the PING's own line
    assert.equal(await m.call('PING'), '+PONG\r\n');
    assert.match(await m.readReply(), /^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "PING"\r\n$/);
    assert.match(await c.call('CLIENT', 'LIST'), /flags=O /);
    assert.equal(await m.call('RESET'), '+RESET\r\n');
    assert.equal(srv.server.monitorFeed.count, 0);
    assert.equal(await c.call('SET', 'after', 'reset'), '+OK\r\n');
    assert.equal(await m.call('PING'), '+PONG\r\n', 'no more lines after RESET');
  } finally {
    m.close();
    c.close();
    await srv.close();
  }
});

test('a unix-socket client shows as [db unix:<path>]', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'redoubt-mon-'));
  const sock = path.join(dir, 'r.sock');
  const srv = await startTestServer({ config: [['unixsocket', sock]] });
  const mon = await RawClient.connect(srv.port);
  let u: net.Socket | null = null;
  try {
    assert.equal(await mon.call('MONITOR'), '+OK\r\n');
    u = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(sock, () => resolve(s));
      s.once('error', reject);
    });
    u.write(RawClient.encode(['SET', 'via', 'unix']));
    await waitFor(() => mon.received.includes('"via"'));
    assert.ok(mon.received.includes(`[0 unix:${sock}] "SET" "via" "unix"\r\n`), mon.received);
  } finally {
    u?.destroy();
    mon.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a monitor that stops reading is disconnected by its output limit; the server keeps serving', async () => {
  // the normal class has no limit (Redis's default): a monitor then falls back to the pubsub
  // class, here 1 MB hard
  const srv = await startTestServer({ config: [['client-output-buffer-limit', 'pubsub', '1mb', '0', '0']] });
  const mon = await RawClient.connect(srv.port);
  const w = await RawClient.connect(srv.port);
  try {
    assert.equal(await mon.call('MONITOR'), '+OK\r\n');
    mon.socket.pause();
    const value = 'x'.repeat(64 * 1024);
    let sent = 0;
    // bounded: at most 600 × 64 KiB (about 38 MB of monitor lines)
    while (srv.server.monitorFeed.count > 0 && sent < 600) {
      assert.equal(await w.call('SET', `k${sent % 10}`, value), '+OK\r\n');
      sent++;
    }
    assert.equal(srv.server.monitorFeed.count, 0, `monitor still connected after ${sent} writes`);
    assert.ok(srv.server.stats.clientOutputBufferLimitDisconnections >= 1);
    assert.equal(await w.call('PING'), '+PONG\r\n');
  } finally {
    mon.close();
    w.close();
    await srv.close();
  }
});

test('the scripting hook: a script-called command shows as [db lua], redacted like any other', async () => {
  const srv = await startTestServer();
  const mon = await RawClient.connect(srv.port);
  try {
    assert.equal(await mon.call('MONITOR'), '+OK\r\n');
    const feed = srv.server.services.monitorFeed;
    assert.equal(feed.active, true);
    const table = srv.server.services.commands.table;
    feed.scriptCommand(3, table.lookup('set')!, ['set', 'k', 'v']);
    feed.scriptCommand(0, table.lookup('auth')!, ['auth', 'lua-secret']);
    await waitFor(() => mon.received.includes('"auth"'));
    assert.match(mon.received, /^\+\d+\.\d{6} \[3 lua\] "set" "k" "v"\r\n\+\d+\.\d{6} \[0 lua\] "auth" "\(redacted\)"\r\n$/);
  } finally {
    mon.close();
    await srv.close();
  }
});

test('EVAL and FCALL show themselves before the commands their script calls, which show as [db lua]', async () => {
  const srv = await startTestServer();
  const io = ioredisClient(srv.port);
  const seen: { args: string[]; source: string }[] = [];
  const monitor = await io.monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ args, source }));
  const other = ioredisClient(srv.port);
  try {
    await other.eval("redis.call('set', KEYS[1], '1') return redis.call('get', KEYS[1])", 1, 'sk');
    await other.call('FUNCTION', 'LOAD', "#!lua name=monlib\nredis.register_function('bump', function(k) return redis.call('incr', k[1]) end)");
    await other.call('FCALL', 'bump', '1', 'cnt');
    await other.ping('last');
    await waitFor(() => seen.some((s) => s.args[0] === 'ping'));
    const lines = seen
      .filter((s) => !/^(info|client|hello)$/i.test(s.args[0]!))
      .map((s) => `${s.source === 'lua' ? 'lua' : 'client'} ${s.args.slice(0, 2).join(' ')}`);
    assert.deepEqual(lines, ['client eval redis.call(\'set\', KEYS[1], \'1\') return redis.call(\'get\', KEYS[1])', 'lua set sk', 'lua get sk', 'client FUNCTION LOAD', 'client FCALL bump', 'lua incr cnt', 'client ping last']);
  } finally {
    monitor.disconnect();
    io.disconnect();
    other.disconnect();
    await srv.close();
  }
});
