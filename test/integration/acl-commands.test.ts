/**
 * ACL users and authentication end to end, with real clients: ioredis and node-redis
 * logging in with username/password options, redis-cli --user/--pass; requirepass from
 * the config and CONFIG SET; `user` directives; the aclfile (SAVE/LOAD round trip, a
 * broken file compared with redis-server's error text, connections of vanished users);
 * DELUSER and `off` on live connections; INFO counters; RESET; and the start-up errors of
 * the real server process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findOnPath, findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

function redisCli(port: number, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('redis-cli', ['-p', String(port), ...args], { encoding: 'latin1', timeout: 5000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, out: stdout + stderr });
    });
  });
}

/** INFO field value of a RawClient's server. */
async function infoField(c: RawClient, section: string, field: string): Promise<string | undefined> {
  const raw = await c.call('INFO', section);
  const m = new RegExp(`\\r\\n${field}:([^\\r]*)\\r\\n`).exec(raw);
  return m === null ? undefined : m[1];
}

async function login(port: number, user: string, pass: string): Promise<RawClient> {
  const c = await RawClient.connect(port);
  assert.equal(await c.call('AUTH', user, pass), '+OK\r\n', `login ${user}`);
  return c;
}

test('ioredis and node-redis log in with username/password; wrong ones are refused', async () => {
  const srv = await startTestServer({ config: [['user', 'alice', 'on', '>alicepw', '~a:*', '+get', '+set', '+acl|whoami', '+ping', '+hello', '+client|setinfo', '+info']] });
  const io = ioredisClient(srv.port, { username: 'alice', password: 'alicepw' });
  const bad = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false }, username: 'alice', password: 'nope' });
  bad.on('error', () => {});
  const nr = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false }, username: 'alice', password: 'alicepw' });
  nr.on('error', () => {});
  try {
    assert.equal(await io.call('ACL', 'WHOAMI'), 'alice');
    assert.equal(await io.set('a:1', 'v'), 'OK');
    await assert.rejects(io.set('b:1', 'v'), /NOPERM No permissions to access a key/);
    await assert.rejects(io.del('a:1'), /NOPERM User alice has no permissions to run the 'del' command/);
    await assert.rejects(bad.connect(), /WRONGPASS invalid username-password pair or user is disabled\./);

    await nr.connect();
    assert.equal(await nr.sendCommand(['ACL', 'WHOAMI']), 'alice');
    assert.equal(await nr.get('a:1'), 'v');
    await assert.rejects(nr.get('b:1'), /NOPERM/);
  } finally {
    io.disconnect();
    if (bad.isOpen) await bad.disconnect();
    if (nr.isOpen) await nr.quit();
    await srv.close();
  }
});

test('redis-cli --user/--pass, and the article commands: app_cache user, default user switched off', { skip: findOnPath('redis-cli') === null }, async () => {
  const srv = await startTestServer();
  try {
    const set = await redisCli(srv.port, ['ACL', 'SETUSER', 'app_cache', 'on', '>StrongPassword123!', '~cache:*', '+@all', '-@dangerous']);
    assert.equal(set.out.trim(), 'OK');
    const ok = await redisCli(srv.port, ['--user', 'app_cache', '--pass', 'StrongPassword123!', '--no-auth-warning', 'SET', 'cache:1', 'x']);
    assert.equal(ok.out.trim(), 'OK');
    const denied = await redisCli(srv.port, ['--user', 'app_cache', '--pass', 'StrongPassword123!', '--no-auth-warning', 'SET', 'other', 'x']);
    assert.match(denied.out, /NOPERM No permissions to access a key/);
    const dangerous = await redisCli(srv.port, ['--user', 'app_cache', '--pass', 'StrongPassword123!', '--no-auth-warning', 'FLUSHALL']);
    assert.match(dangerous.out, /NOPERM User app_cache has no permissions to run the 'flushall' command/);
    const wrong = await redisCli(srv.port, ['--user', 'app_cache', '--pass', 'nope', '--no-auth-warning', 'PING']);
    assert.match(wrong.out, /WRONGPASS/);
    // the article's `ACL SETUSER default off`: new connections are NOAUTH until they log in
    const admin = await login(srv.port, 'default', 'x');
    assert.equal(await admin.call('ACL', 'SETUSER', 'default', 'off'), '+OK\r\n');
    const anon = await redisCli(srv.port, ['GET', 'cache:1']);
    assert.match(anon.out, /NOAUTH Authentication required\./);
    const named = await redisCli(srv.port, ['--user', 'app_cache', '--pass', 'StrongPassword123!', '--no-auth-warning', 'GET', 'cache:1']);
    assert.equal(named.out.trim(), 'x');
    // the already-authenticated default connection keeps working
    assert.equal(await admin.call('PING'), '+PONG\r\n');
    admin.close();
  } finally {
    await srv.close();
  }
});

test('requirepass from the config, then CONFIG SET requirepass: old connections stay, new ones need AUTH', async () => {
  const srv = await startTestServer({ config: [['requirepass', 'first']] });
  const io = ioredisClient(srv.port, { password: 'first' });
  try {
    const anon = await RawClient.connect(srv.port);
    assert.equal(await anon.call('GET', 'k'), '-NOAUTH Authentication required.\r\n');
    assert.equal(await anon.call('AUTH', 'wrong'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.equal(await anon.call('AUTH', 'first'), '+OK\r\n');
    assert.equal(await anon.call('ACL', 'WHOAMI'), '$7\r\ndefault\r\n');
    assert.equal(await io.ping(), 'PONG');

    assert.equal(await anon.call('CONFIG', 'SET', 'requirepass', 'second'), '+OK\r\n');
    assert.equal(await anon.call('PING'), '+PONG\r\n', 'the connection that changed it stays authenticated');
    assert.equal(await io.ping(), 'PONG', 'other existing connections stay authenticated');
    const fresh = await RawClient.connect(srv.port);
    assert.equal(await fresh.call('PING'), '-NOAUTH Authentication required.\r\n');
    assert.equal(await fresh.call('AUTH', 'first'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.equal(await fresh.call('AUTH', 'default', 'second'), '+OK\r\n');
    assert.equal(await fresh.call('CONFIG', 'GET', 'requirepass'), '*2\r\n$11\r\nrequirepass\r\n$6\r\nsecond\r\n');
    assert.match(await fresh.call('ACL', 'GETUSER', 'default'), /\$9\r\npasswords\r\n\*1\r\n\$64\r\n[0-9a-f]{64}\r\n/);

    assert.equal(await fresh.call('CONFIG', 'SET', 'requirepass', ''), '+OK\r\n');
    const open = await RawClient.connect(srv.port);
    assert.equal(await open.call('PING'), '+PONG\r\n');
    assert.match(await open.call('ACL', 'LIST'), /user default on nopass/);
    assert.equal(await open.call('AUTH', 'x'), '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n');
    for (const c of [anon, fresh, open]) c.close();
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('user directives define users at start-up; a user without "on" is disabled', async () => {
  const srv = await startTestServer({
    config: [
      ['user', 'alice', 'on', '>pw', '~a:*', '+get'],
      ['user', 'bob', '>pw', '+@all', '~*'],
      ['user', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-flushall'],
    ],
  });
  try {
    const c = await RawClient.connect(srv.port);
    const list = await c.call('ACL', 'LIST');
    assert.match(list, /user alice on sanitize-payload #[0-9a-f]{64} ~a:\* resetchannels -@all \+get\r\n/);
    assert.match(list, /user bob off sanitize-payload #[0-9a-f]{64} ~\* resetchannels \+@all\r\n/);
    assert.match(list, /user default on nopass sanitize-payload ~\* &\* \+@all -flushall\r\n/);
    assert.equal(await c.call('FLUSHALL'), "-NOPERM User default has no permissions to run the 'flushall' command\r\n");
    assert.equal(await c.call('AUTH', 'bob', 'pw'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.equal(await c.call('AUTH', 'alice', 'pw'), '+OK\r\n');
    assert.equal(await c.call('GET', 'a:1'), '$-1\r\n');
    c.close();
  } finally {
    await srv.close();
  }
});

test('aclfile: ACL SAVE writes an owner-only file, ACL LOAD restores it; vanished users lose their connections', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-acl-'));
  const file = join(dir, 'users.acl');
  writeFileSync(file, 'user default on nopass ~* &* +@all\nuser keep on >pw ~k:* +@all\nuser gone on >pw ~* +@all\n');
  const srv = await startTestServer({ config: [['aclfile', file]] });
  try {
    const admin = await RawClient.connect(srv.port);
    assert.equal(await admin.call('ACL', 'USERS'), '*3\r\n$7\r\ndefault\r\n$4\r\ngone\r\n$4\r\nkeep\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'added', 'on', '>newpw', '%R~r:*', '(+set ~w:*)'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'SAVE'), '+OK\r\n');
    const saved = readFileSync(file, 'latin1');
    const listed = (await admin.call('ACL', 'LIST')).split('\r\n').filter((l) => l.startsWith('user ')).join('\n') + '\n';
    assert.equal(saved, listed, 'the file holds exactly the ACL LIST lines');
    assert.ok(!saved.includes('newpw'), 'no clear-text password in the file');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the saved file is readable by its owner only');

    // change things in memory, then LOAD brings the saved state back
    assert.equal(await admin.call('ACL', 'SETUSER', 'added', 'off', '~x'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'temp', 'on'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'LOAD'), '+OK\r\n');
    assert.equal((await admin.call('ACL', 'LIST')).split('\r\n').filter((l) => l.startsWith('user ')).join('\n') + '\n', saved);

    // A file without "gone": as Redis 7.2 (ACLFreeUsersSet kills the clients of every old
    // user but default), both "gone" and "keep" connections are closed, default ones stay
    // (Redis's own suite, unit/acl "ACL load and save", checks the caller is dropped too).
    let keep = await login(srv.port, 'keep', 'pw');
    const gone = await login(srv.port, 'gone', 'pw');
    writeFileSync(file, 'user default on nopass ~* &* +@all\nuser keep on >pw ~k:* +@all\n');
    assert.equal(await admin.call('ACL', 'LOAD'), '+OK\r\n');
    assert.equal(await gone.waitClosed(), true, "the vanished user's connection is closed");
    assert.equal(await keep.waitClosed(), true, "a redefined user's connection is closed too (Redis 7.2)");
    keep.close();
    keep = await login(srv.port, 'keep', 'pw');
    assert.equal(await keep.call('ACL', 'WHOAMI'), '$4\r\nkeep\r\n');
    assert.equal(await admin.call('PING'), '+PONG\r\n');
    assert.equal(await admin.call('AUTH', 'gone', 'pw'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');

    // ACL LOAD run by a user that vanishes: the reply is sent, then its connection closes
    const self = await RawClient.connect(srv.port);
    writeFileSync(file, 'user default on nopass ~* &* +@all\nuser keep on >pw ~k:* +@all\nuser admin2 on >pw +@all ~*\n');
    assert.equal(await self.call('ACL', 'LOAD'), '+OK\r\n');
    const a2 = await login(srv.port, 'admin2', 'pw');
    writeFileSync(file, 'user default on nopass ~* &* +@all\n');
    assert.equal(await a2.call('ACL', 'LOAD'), '+OK\r\n');
    assert.equal(await a2.waitClosed(), true);
    assert.equal(await keep.waitClosed(), true);
    for (const c of [admin, keep, gone, self, a2]) c.close();
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ACL LOAD of a broken file changes nothing and answers with redis-server\'s error text', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-acl-'));
  const file = join(dir, 'users.acl');
  const good = 'user default on nopass ~* &* +@all\nuser alice on >pw ~a:* +get\n';
  writeFileSync(file, good);
  const srv = await startTestServer({ config: [['aclfile', file]] });
  const oracle = await startRedisOracle(['--aclfile', file]);
  try {
    const mine = await RawClient.connect(srv.port);
    const theirs = await RawClient.connect(oracle.port);
    const alice = await login(srv.port, 'alice', 'pw');
    const before = await mine.call('ACL', 'LIST');
    const broken = [
      'user default on nopass ~* &* +@all\nuser alice on >pw ~a:* +get +nosuchcommand\nuser bob on >pw\n',
      'user default on nopass ~* &* +@all\nnot a user line\nuser carol on >pw\nuser\n',
      'user default on nopass ~* &* +@all\nuser dave on >pw bogus %X~y\nuser dave on\n',
      'user default on nopass ~* &* +@all\nuser e\u00a0f on\nuser g on #abc\n',
      'user default on nopass ~* &* +@all\nuser h on allkeys ~x &* allchannels &y <nope\n',
    ];
    for (const content of broken) {
      writeFileSync(file, content, 'latin1');
      const r1 = await mine.call('ACL', 'LOAD');
      const r2 = await theirs.call('ACL', 'LOAD');
      assert.equal(r1, r2, `ACL LOAD of ${JSON.stringify(content)}`);
      assert.match(r1, /WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n$/);
      assert.equal(await mine.call('ACL', 'LIST'), before, 'nothing changed');
      assert.equal(await alice.call('GET', 'a:1'), '$-1\r\n', "alice's connection is untouched");
    }
    // An unclosed selector: Redis 7.0.15 and 7.2 dereference a NULL argument list here and
    // crash, so the oracle is not asked; Redoubt reports the line and changes nothing.
    writeFileSync(file, 'user default on nopass ~* &* +@all\nuser carol on (+get ~x\n');
    const unmatched = await mine.call('ACL', 'LOAD');
    assert.ok(unmatched.startsWith(`-ERR ${file}:2: Unmatched parenthesis in selector definition.`), unmatched);
    assert.match(unmatched, /WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n$/);
    assert.equal(await mine.call('ACL', 'LIST'), before);

    // an unreadable file
    rmSync(file);
    const r1 = await mine.call('ACL', 'LOAD');
    const r2 = await theirs.call('ACL', 'LOAD');
    assert.equal(r1, r2);
    assert.equal(await mine.call('ACL', 'LIST'), before);
    for (const c of [mine, theirs, alice]) c.close();
  } finally {
    await srv.close();
    await oracle.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ACL SAVE / LOAD without an aclfile are refused with Redis\'s text', async () => {
  const srv = await startTestServer();
  try {
    const c = await RawClient.connect(srv.port);
    const text =
      '-ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.\r\n';
    assert.equal(await c.call('ACL', 'SAVE'), text);
    assert.equal(await c.call('ACL', 'LOAD'), text);
    c.close();
  } finally {
    await srv.close();
  }
});

test('DELUSER closes only that user\'s connections; SETUSER off keeps existing ones; RESET returns to default', async () => {
  const srv = await startTestServer();
  try {
    const admin = await RawClient.connect(srv.port);
    for (const u of ['u1', 'u2']) assert.equal(await admin.call('ACL', 'SETUSER', u, 'on', '>pw', '~*', '+@all'), '+OK\r\n');
    const a = await login(srv.port, 'u1', 'pw');
    const a2 = await login(srv.port, 'u1', 'pw');
    const b = await login(srv.port, 'u2', 'pw');
    assert.equal(await admin.call('ACL', 'DELUSER', 'u1'), ':1\r\n');
    assert.equal(await a.waitClosed(), true);
    assert.equal(await a2.waitClosed(), true);
    assert.equal(await b.call('ACL', 'WHOAMI'), '$2\r\nu2\r\n');
    assert.equal(b.closed, false);

    // DELUSER of oneself: the reply arrives, then the connection closes
    assert.equal(await b.call('ACL', 'DELUSER', 'u2'), ':1\r\n');
    assert.equal(await b.waitClosed(), true);

    // off: existing connection keeps working, new AUTH fails
    assert.equal(await admin.call('ACL', 'SETUSER', 'u3', 'on', '>pw', '~*', '+@all'), '+OK\r\n');
    const c = await login(srv.port, 'u3', 'pw');
    assert.equal(await admin.call('ACL', 'SETUSER', 'u3', 'off'), '+OK\r\n');
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    assert.equal(await c.call('ACL', 'WHOAMI'), '$2\r\nu3\r\n');
    const d = await RawClient.connect(srv.port);
    assert.equal(await d.call('AUTH', 'u3', 'pw'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    // a failed AUTH leaves the connection as it was
    assert.equal(await d.call('ACL', 'WHOAMI'), '$7\r\ndefault\r\n');

    // rules tightened on a live connection apply to its next command
    assert.equal(await admin.call('ACL', 'SETUSER', 'u3', '-set'), '+OK\r\n');
    assert.equal(await c.call('SET', 'k', 'v'), "-NOPERM User u3 has no permissions to run the 'set' command\r\n");

    // RESET: back to the default user (and to NOAUTH when default needs a password)
    assert.equal(await c.call('RESET'), '+RESET\r\n');
    assert.equal(await c.call('ACL', 'WHOAMI'), '$7\r\ndefault\r\n');
    assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', 'pw0'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'u4', 'on', '>pw', '+@all'), '+OK\r\n');
    const e = await login(srv.port, 'u4', 'pw');
    assert.equal(await e.call('RESET'), '+RESET\r\n');
    assert.equal(await e.call('PING'), '-NOAUTH Authentication required.\r\n');

    // HELLO AUTH logs in, and WHOAMI says so; SETNAME is applied with it
    const h = await RawClient.connect(srv.port);
    const hello = await h.call('HELLO', '3', 'AUTH', 'u4', 'pw', 'SETNAME', 'conn-u4');
    assert.match(hello, /^%7\r\n/);
    assert.equal(await h.call('ACL', 'WHOAMI'), '$2\r\nu4\r\n');
    assert.equal(await h.call('CLIENT', 'GETNAME'), '$7\r\nconn-u4\r\n');
    assert.equal(await h.call('HELLO', '3', 'AUTH', 'u4', 'bad'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.equal(await h.call('ACL', 'WHOAMI'), '$2\r\nu4\r\n');
    for (const x of [admin, a, a2, b, c, d, e, h]) x.close();
  } finally {
    await srv.close();
  }
});

test('INFO stats acl_access_denied_* and errorstats count denials', async () => {
  const srv = await startTestServer();
  try {
    const admin = await RawClient.connect(srv.port);
    assert.equal(await admin.call('ACL', 'SETUSER', 'lim', 'on', '>pw', '~a:*', '+get', '+set'), '+OK\r\n');
    const u = await login(srv.port, 'lim', 'pw');
    const fields = ['acl_access_denied_auth', 'acl_access_denied_cmd', 'acl_access_denied_key', 'acl_access_denied_channel'];
    for (const f of fields) assert.equal(await infoField(admin, 'stats', f), '0', f);
    await u.call('DEL', 'a:1');
    await u.call('DEL', 'a:1');
    await u.call('GET', 'b');
    await u.call('SET', 'b', 'x');
    await u.call('SET', 'a:1', 'x');
    await u.call('AUTH', 'lim', 'wrong');
    await u.call('AUTH', 'nobody', 'wrong');
    await u.call('AUTH', 'nobody', 'wrong');
    assert.equal(await infoField(admin, 'stats', 'acl_access_denied_cmd'), '2');
    assert.equal(await infoField(admin, 'stats', 'acl_access_denied_key'), '2');
    assert.equal(await infoField(admin, 'stats', 'acl_access_denied_auth'), '3');
    assert.equal(await infoField(admin, 'stats', 'acl_access_denied_channel'), '0');
    assert.equal(await infoField(admin, 'errorstats', 'errorstat_NOPERM'), 'count=4');
    assert.equal(await infoField(admin, 'errorstats', 'errorstat_WRONGPASS'), 'count=3');
    assert.equal(await admin.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
    assert.equal(await infoField(admin, 'stats', 'acl_access_denied_key'), '0');
    assert.equal(await infoField(admin, 'errorstats', 'errorstat_NOPERM'), undefined);
    u.close();
    admin.close();
  } finally {
    await srv.close();
  }
});

// ---- the real process: start-up errors --------------------------------------------------

interface Finished {
  code: number | null;
  out: string;
}
// a does-not-hang bound: these starts end in well under a second idle, several seconds on a busy machine
function runServer(args: string[], timeoutMs = 30_000): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: scratchDir() });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('start-up: a bad user line is a FATAL config error naming line and reason, never the password', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-acl-'));
  try {
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, 'port 0\nuser alice on >Sup3rSecretPw ~a:* +nosuchcommand\n');
    const r = await runServer([conf]);
    assert.equal(r.code, 1);
    assert.match(r.out, /\*\*\* FATAL CONFIG FILE ERROR \(Redis [\d.]+\) \*\*\*/);
    assert.match(r.out, /Reading the configuration file, at line 2\n/);
    assert.match(r.out, /Error in user declaration '\+nosuchcommand': Unknown command or category name in ACL/);
    assert.ok(!r.out.includes('Sup3rSecretPw'), `password printed:\n${r.out}`);

    // a bad password operation itself is reported without its text
    writeFileSync(conf, 'port 0\nuser alice on <Sup3rSecretPw\n');
    const r2 = await runServer([conf]);
    assert.equal(r2.code, 1);
    assert.match(r2.out, /FATAL CONFIG FILE ERROR/);
    assert.match(r2.out, /The password you are trying to remove from the user does not exist/);
    assert.ok(!r2.out.includes('Sup3rSecretPw'), `password printed:\n${r2.out}`);

    // the same via the command line
    const r3 = await runServer(['--port', '0', '--user', 'bob', 'on', '>CmdLinePw', '+@nosuchcat']);
    assert.equal(r3.code, 1);
    assert.match(r3.out, /Unknown command or category name in ACL/);
    assert.ok(!r3.out.includes('CmdLinePw'), `password printed:\n${r3.out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('start-up: aclfile plus user lines is refused; an aclfile with errors aborts start-up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-acl-'));
  try {
    const acl = join(dir, 'users.acl');
    writeFileSync(acl, 'user default on nopass ~* &* +@all\nuser bob on >FilePw +nosuch\n');
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, `port 0\naclfile ${acl}\nuser alice on >pw +get\n`);
    const both = await runServer([conf]);
    assert.equal(both.code, 1);
    assert.match(both.out, /Configuring Redis with users defined in redis\.conf and at the same setting an ACL file path is invalid/);

    writeFileSync(conf, `port 0\nbind 127.0.0.1\naclfile ${acl}\n`);
    const bad = await runServer([conf]);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /Aborting Redis startup because of ACL errors: .*users\.acl:2: Error in applying operation '\+nosuch': Unknown command or category name in ACL/);
    assert.ok(!bad.out.includes('FilePw'));

    writeFileSync(acl, 'user default on nopass ~* &* +@all\n');
    rmSync(acl);
    const missing = await runServer([conf]);
    assert.equal(missing.code, 1);
    assert.match(missing.out, /Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '.*users\.acl': No such file or directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
