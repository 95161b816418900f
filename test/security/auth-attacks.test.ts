/**
 * Authentication under attack: a bounded brute-force AUTH loop, user enumeration through
 * reply differences, secrets leaking into introspection (CLIENT LIST, SLOWLOG, ACL LOG,
 * the server log, ACL LIST/GETUSER), the unauthenticated request limits, NOAUTH for every
 * command that needs a login, and disabled users. No timing is asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
const NOAUTH = '-NOAUTH Authentication required.\r\n';

async function infoField(c: RawClient, section: string, field: string): Promise<string | undefined> {
  const raw = await c.call('INFO', section);
  const m = new RegExp(`\\r\\n${field}:([^\\r]*)\\r\\n`).exec(raw);
  return m === null ? undefined : m[1];
}

/** Sends many requests at once and reads exactly that many replies. */
async function pipeline(c: RawClient, requests: string[][]): Promise<string[]> {
  c.write(requests.map((r) => RawClient.encode(r)).join(''));
  const out: string[] = [];
  for (let i = 0; i < requests.length; i++) out.push(await c.readReply(5000));
  return out;
}

test('brute-force AUTH: every attempt WRONGPASS, one grouped ACL LOG entry, counters exact, server still answers', async () => {
  // throttling off: this test is about ACL LOG grouping and counters under a raw flood
  // (test/security/brute-force.test.ts covers the throttle)
  const srv = await startTestServer({ config: [['user', 'victim', 'on', '>correct-horse', '~*', '+@all'], ['auth-throttle', 'no']] });
  const conns: RawClient[] = [];
  try {
    const admin = await RawClient.connect(srv.port);
    const ATTEMPTS_PER_CONN = 500;
    const CONNS = 4;
    for (let i = 0; i < CONNS; i++) conns.push(await RawClient.connect(srv.port));
    const results = await Promise.all(
      conns.map((c, ci) => pipeline(c, Array.from({ length: ATTEMPTS_PER_CONN }, (_, k) => ['AUTH', 'victim', `guess-${ci}-${k}`]))),
    );
    const all = results.flat();
    assert.equal(all.length, CONNS * ATTEMPTS_PER_CONN);
    assert.deepEqual([...new Set(all)], [WRONGPASS]);
    for (const c of conns) assert.equal(c.closed, false, 'failed AUTH does not drop the connection');
    for (const c of conns) assert.equal(await c.call('ACL', 'WHOAMI'), '$7\r\ndefault\r\n');

    assert.equal(await infoField(admin, 'stats', 'acl_access_denied_auth'), String(CONNS * ATTEMPTS_PER_CONN));
    const log = await admin.call('ACL', 'LOG');
    assert.match(log, /^\*1\r\n/, 'the attempts are grouped into one entry');
    assert.match(log, new RegExp(`\\$5\\r\\ncount\\r\\n:${CONNS * ATTEMPTS_PER_CONN}\\r\\n`));
    assert.match(log, /\$6\r\nreason\r\n\$4\r\nauth\r\n/);
    assert.match(log, /\$6\r\nobject\r\n\$4\r\nAUTH\r\n/);
    assert.match(log, /\$8\r\nusername\r\n\$6\r\nvictim\r\n/);
    assert.ok(!log.includes('guess-'), 'attempted passwords are not logged');

    // the right password still works afterwards, and the server answers normally
    assert.equal(await conns[0]!.call('AUTH', 'victim', 'correct-horse'), '+OK\r\n');
    assert.equal(await admin.call('PING'), '+PONG\r\n');
    admin.close();
  } finally {
    for (const c of conns) c.close();
    await srv.close();
  }
});

test('unknown user and wrong password are indistinguishable; a disabled user with the right password too', async () => {
  const srv = await startTestServer({
    config: [
      ['user', 'real', 'on', '>pw', '+@all'],
      ['user', 'sleeper', 'off', '>pw', '+@all'],
    ],
  });
  try {
    const c = await RawClient.connect(srv.port);
    const unknown = await c.call('AUTH', 'nobody', 'pw');
    const wrong = await c.call('AUTH', 'real', 'nope');
    const disabled = await c.call('AUTH', 'sleeper', 'pw');
    assert.equal(unknown, WRONGPASS);
    assert.equal(wrong, unknown);
    assert.equal(disabled, unknown);
    // the same through HELLO, in both protocol versions
    assert.equal(await c.call('HELLO', '3', 'AUTH', 'nobody', 'pw'), WRONGPASS);
    assert.equal(await c.call('HELLO', '3', 'AUTH', 'real', 'nope'), WRONGPASS);
    assert.equal(await c.call('HELLO', '2', 'AUTH', 'sleeper', 'pw'), WRONGPASS);
    assert.equal(await c.call('ACL', 'WHOAMI'), '$7\r\ndefault\r\n');
    c.close();
  } finally {
    await srv.close();
  }
});

test('passwords never show in CLIENT LIST, SLOWLOG, ACL LOG, the server log, ACL LIST/GETUSER', async () => {
  const logLines: string[] = [];
  const SECRETS = ['Secr3t-Alpha', 'Secr3t-Beta', 'Secr3t-Gamma', 'Secr3t-Delta', 'Secr3t-Wrong'];
  const srv = await startTestServer({
    logSink: { write: (line) => void logLines.push(line) },
    config: [
      ['loglevel', 'debug'],
      ['user', 'alpha', 'on', '>Secr3t-Alpha', '~*', '+@all'],
      ['user', 'quiet', '>Secr3t-Delta', '+select|0'],
    ],
  });
  try {
    const admin = await RawClient.connect(srv.port);
    assert.equal(await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0'), '+OK\r\n');
    assert.equal(await admin.call('SLOWLOG', 'RESET'), '+OK\r\n');
    const a = await RawClient.connect(srv.port);
    assert.equal(await a.call('AUTH', 'alpha', 'Secr3t-Alpha'), '+OK\r\n');
    assert.match(await a.call('HELLO', '2', 'AUTH', 'alpha', 'Secr3t-Alpha'), /^\*14\r\n/);
    assert.equal(await a.call('AUTH', 'alpha', 'Secr3t-Wrong'), WRONGPASS);
    assert.equal(await admin.call('ACL', 'SETUSER', 'beta', 'on', '>Secr3t-Beta', '+select|0'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'beta', '<Secr3t-Beta', '>Secr3t-Beta'), '+OK\r\n');
    assert.match(await admin.call('ACL', 'SETUSER', 'beta', '<Secr3t-Wrong'), /^-ERR Error in ACL SETUSER modifier '<\(redacted\)'|^-ERR/);
    assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', 'Secr3t-Gamma'), '+OK\r\n');
    const b = await RawClient.connect(srv.port);
    assert.equal(await b.call('AUTH', 'Secr3t-Gamma'), '+OK\r\n');
    assert.equal(await b.call('AUTH', 'alpha', 'Secr3t-Wrong'), WRONGPASS);
    assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', ''), '+OK\r\n');

    const places: Record<string, string> = {
      'CLIENT LIST': await admin.call('CLIENT', 'LIST'),
      'CLIENT INFO': await a.call('CLIENT', 'INFO'),
      'SLOWLOG GET': await admin.call('SLOWLOG', 'GET', '128'),
      'ACL LOG': await admin.call('ACL', 'LOG'),
      'ACL LIST': await admin.call('ACL', 'LIST'),
      'ACL GETUSER alpha': await admin.call('ACL', 'GETUSER', 'alpha'),
      'ACL GETUSER beta': await admin.call('ACL', 'GETUSER', 'beta'),
      'CONFIG GET requirepass': await admin.call('CONFIG', 'GET', 'requirepass'),
      'server log': logLines.join(''),
    };
    for (const [where, text] of Object.entries(places)) {
      for (const s of SECRETS) assert.ok(!text.includes(s), `${s} appears in ${where}:\n${text.slice(0, 2000)}`);
    }
    // the checks looked at something real
    assert.match(places['SLOWLOG GET']!, /\$4\r\nauth\r\n|\$4\r\nAUTH\r\n/i);
    assert.match(places['SLOWLOG GET']!, /\(redacted\)/);
    assert.match(places['SLOWLOG GET']!, /setuser/i);
    assert.match(places['SLOWLOG GET']!, /requirepass/i);
    assert.match(places['ACL LOG']!, /\$6\r\nreason\r\n\$4\r\nauth\r\n/);
    assert.match(places['ACL LIST']!, /user alpha on sanitize-payload #[0-9a-f]{64} /);
    assert.match(places['ACL GETUSER beta']!, /\$9\r\npasswords\r\n\*1\r\n\$64\r\n[0-9a-f]{64}\r\n/);
    // the server did log ACL events (the deprecated first-arg form from SETUSER, the disabled user)
    assert.ok(
      places['server log']!.includes(
        '# Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and may get disabled in the future (offender: +select|0)',
      ),
      places['server log'],
    );
    assert.match(places['server log']!, /The user 'quiet' is disabled/);
    for (const c of [admin, a, b]) c.close();
  } finally {
    await srv.close();
  }
});

test('unauthenticated request limits: more than 10 arguments or a bulk over 16 KiB close the connection', async () => {
  const srv = await startTestServer({ config: [['requirepass', 'pw']] });
  try {
    // at the limits: still parsed, answered NOAUTH
    const ok = await RawClient.connect(srv.port);
    assert.equal(await ok.call('ECHO', 'x'.repeat(16 * 1024)), NOAUTH);
    assert.equal(await ok.call('DEL', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'), NOAUTH);
    assert.equal(ok.closed, false);
    ok.close();

    const many = await RawClient.connect(srv.port);
    many.write(RawClient.encode(['DEL', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']));
    assert.equal(await many.readReply(), '-ERR Protocol error: unauthenticated multibulk length\r\n');
    assert.equal(await many.waitClosed(), true);

    const big = await RawClient.connect(srv.port);
    big.write(`*2\r\n$4\r\nECHO\r\n$${16 * 1024 + 1}\r\n`);
    assert.equal(await big.readReply(), '-ERR Protocol error: unauthenticated bulk length\r\n');
    assert.equal(await big.waitClosed(), true);

    // once authenticated, the limits are gone
    const authed = await RawClient.connect(srv.port);
    assert.equal(await authed.call('AUTH', 'pw'), '+OK\r\n');
    assert.equal(await authed.call('DEL', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'), ':0\r\n');
    assert.equal(await authed.call('ECHO', 'y'.repeat(64 * 1024)), `$${64 * 1024}\r\n${'y'.repeat(64 * 1024)}\r\n`);
    authed.close();
  } finally {
    await srv.close();
  }
});

test('NOAUTH for every command that needs a login, before AUTH', async () => {
  const srv = await startTestServer({ config: [['requirepass', 'pw']] });
  try {
    const admin = await RawClient.connect(srv.port);
    assert.equal(await admin.call('AUTH', 'pw'), '+OK\r\n');
    const anon = await RawClient.connect(srv.port);
    const names = parseBulks(await admin.call('COMMAND', 'LIST'));
    let checked = 0;
    for (const name of names) {
      // QUIT (no_auth) would end the probing connection itself
      if (name === 'quit') continue;
      const info = await admin.call('COMMAND', 'INFO', name);
      // [name, arity, flags...]: container commands are checked through their subcommands
      const arity = Number(/^\*1\r\n\*\d+\r\n\$\d+\r\n[^\r]*\r\n:(-?\d+)\r\n/.exec(info)?.[1]);
      assert.ok(Number.isFinite(arity), `COMMAND INFO ${name}: ${info.slice(0, 80)}`);
      const noAuth = info.includes('+no_auth\r\n');
      if (!name.includes('|') && /\$\d+\r\n[a-z-]+\|[a-z-]+\r\n/.test(info)) continue;
      const base = name.split('|');
      const argc = Math.abs(arity);
      const argv = [...base];
      while (argv.length < argc) argv.push('x');
      const r = await anon.call(...argv);
      if (noAuth) {
        assert.notEqual(r, NOAUTH, `${name} is no_auth`);
      } else {
        // a rejected EXEC answers EXECABORT with the reason, as Redis's rejectCommand does
        const expected = name === 'exec' ? '-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n' : NOAUTH;
        assert.equal(r, expected, `${argv.join(' ')}`);
        checked++;
      }
      if (anon.closed) break;
    }
    assert.ok(checked > 100, `only ${checked} commands checked`);
    assert.equal(await anon.call('AUTH', 'pw'), '+OK\r\n');
    for (const c of [admin, anon]) c.close();
  } finally {
    await srv.close();
  }
});

/** Bulk strings of a flat RESP2 array reply. */
function parseBulks(raw: string): string[] {
  const out: string[] = [];
  let i = raw.indexOf('\r\n') + 2;
  while (i < raw.length) {
    const nl = raw.indexOf('\r\n', i);
    const n = Number(raw.slice(i + 1, nl));
    out.push(raw.slice(nl + 2, nl + 2 + n));
    i = nl + 2 + n + 2;
  }
  return out;
}

test('an unauthenticated client that floods without reading its errors is disconnected (output bounded)', async () => {
  const srv = await startTestServer({ config: [['requirepass', 'pw']] });
  const net = await import('node:net');
  const s = net.connect(srv.port, '127.0.0.1');
  try {
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.pause(); // never read: every -NOAUTH reply stays in the server's output
    s.on('error', () => {});
    const chunk = Buffer.from('PING\r\n'.repeat(20000), 'latin1');
    for (let i = 0; i < 100 && !s.destroyed; i++) s.write(chunk);
    // a paused socket sees no 'close' before it reads: watch the server's side
    for (let i = 0; i < 100 && srv.server.stats.clientOutputBufferLimitDisconnections === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(srv.server.connections.size, 0, 'the server closed the connection');
    assert.ok(srv.server.stats.clientOutputBufferLimitDisconnections >= 1);
    // an authenticated client is unaffected
    const ok = await RawClient.connect(srv.port);
    assert.equal(await ok.call('AUTH', 'pw'), '+OK\r\n');
    assert.equal(await ok.call('PING'), '+PONG\r\n');
    ok.close();
  } finally {
    s.resume();
    s.destroy();
    await srv.close();
  }
});
