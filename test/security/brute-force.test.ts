/**
 * Bounded brute-force AUTH attacks against the throttle (src/security/auth-throttle.ts):
 * failure replies are held back progressively; a loop of guesses is held to the designed
 * rate; the cap on unauthenticated connections refuses extra connections and accepts again
 * once they go; loopback and the unix socket are exempt by default and throttled when
 * configured; AUTHTHROTTLE shows the state and CLEAR resets it; events, spike alerts, INFO
 * and metrics follow; nothing secret is written anywhere. Loopback clients are throttled
 * here by `auth-throttle-exempt-loopback no` (auth-lockout.test.ts uses a non-loopback host).
 * Only lower bounds on time are asserted where the design promises slowness, and generous
 * upper bounds where it promises no delay.
 */
// npm test: serial — measures AUTH delays and rates
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';

const APP_PASS = 'Correct-Horse-9';
const GUESSES = Array.from({ length: 40 }, (_, i) => `guess-${i}-Tr0ub4dor`);
const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
const TOO_MANY = '-ERR too many unauthenticated connections from this address; authenticate or close some first\r\n';
const THROTTLE_LOOPBACK = ['auth-throttle-exempt-loopback', 'no'] as const;

function events(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'latin1')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

async function callWithin(c: RawClient, ms: number, ...argv: string[]): Promise<string> {
  c.write(RawClient.encode(argv));
  return c.readReply(ms);
}

function infoField(info: string, field: string): number {
  const m = new RegExp(`\\r\\n${field}:([^\\r]*)\\r\\n`).exec(info);
  assert.ok(m !== null, `INFO has no ${field}`);
  return Number(m[1]);
}

test('failure replies are held back progressively; AUTHTHROTTLE shows the source and CLEAR resets it; events, spikes, INFO and metrics follow', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-bf-'));
  const eventFile = join(dir, 'security.jsonl');
  const clock = new ManualClock();
  const logLines: string[] = [];
  const srv = await startTestServer({
    clock,
    metricsPort: 0,
    logSink: { write: (line: string) => void logLines.push(line) },
    config: [
      ['user', 'app', 'on', `>${APP_PASS}`, '~app:*', '+@all', '-@dangerous'],
      ['security-log-file', eventFile],
      THROTTLE_LOOPBACK,
      ['auth-throttle-free-failures', '2'],
      ['auth-throttle-checks-per-minute', '8'],
      ['auth-throttle-max-wait', '300'],
      ['auth-throttle-max-delay', '1000'],
      ['auth-spike-source-threshold', '5'],
      ['auth-spike-threshold', '0'],
      ['auth-spike-window', '60'],
    ],
  });
  const attacker = await RawClient.connect(srv.port, '127.0.0.1');
  const legit = await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.2');
  const admin = await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.3');
  try {
    assert.equal(await admin.call('AUTH', 'app', APP_PASS), '+OK\r\n');
    assert.match(await admin.call('AUTHTHROTTLE', 'LIST'), /^-NOPERM/, 'the app user (no @admin) may not see the throttle');
    // the default user (nopass: any password logs it in) is the admin here
    assert.equal(await admin.call('AUTH', 'default', 'anything'), '+OK\r\n');

    // the first free failures answer at once; the next ones are held back, doubling
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = Date.now();
      assert.equal(await callWithin(attacker, 10_000, 'AUTH', 'app', GUESSES[i]!), WRONGPASS);
      waits.push(Date.now() - t0);
      // another address is untouched: no wait, no delay
      assert.equal(await legit.call('AUTH', 'app', APP_PASS), '+OK\r\n');
    }
    // failures 3..6 are held at least 100, 200, 400, 800 ms (lower bounds only)
    assert.ok(waits[2]! >= 90 && waits[3]! >= 190 && waits[4]! >= 390 && waits[5]! >= 790, `waits ${waits.join(',')}`);
    // 6 of the 8 checks of this minute are spent (the clock is manual: no refill)
    const clients = await admin.call('CLIENT', 'LIST');
    assert.match(clients, /addr=127\.0\.0\.1:\d+ [^\n]* flags=h /, 'the throttled client is flagged h');
    assert.match(clients, /addr=127\.0\.0\.2:\d+ [^\n]* flags=N /);
    // (the default user is nopass here, so connections start logged in: none is unauthenticated)
    const list = await admin.call('AUTHTHROTTLE', 'LIST');
    assert.equal(
      list,
      '*1\r\n*20\r\n$6\r\nsource\r\n$9\r\n127.0.0.1\r\n$5\r\nstate\r\n$8\r\ndelaying\r\n$8\r\nfailures\r\n:6\r\n$13\r\nnext-delay-ms\r\n:1000\r\n' +
        '$6\r\nbudget\r\n:2\r\n$7\r\nwaiting\r\n:0\r\n$15\r\nunauthenticated\r\n:0\r\n$15\r\ndelayed-replies\r\n:4\r\n$13\r\nwaited-logins\r\n:0\r\n' +
        '$19\r\nrefused-connections\r\n:0\r\n',
    );
    // the budget runs out: two more checks, then attempts wait (≤ 300 ms here) and are checked anyway
    for (let i = 6; i < 10; i++) assert.equal(await callWithin(attacker, 15_000, 'AUTH', 'app', GUESSES[i]!), WRONGPASS);
    let sec = await admin.call('INFO', 'security');
    assert.equal(infoField(sec, 'auth_failures'), 10, 'every guess was checked');
    assert.equal(infoField(sec, 'auth_throttle_sources'), 1);
    assert.ok(infoField(sec, 'auth_throttle_waited_logins') >= 2, sec);
    assert.ok(infoField(sec, 'auth_throttle_checked_at_bound') >= 2, sec);
    assert.equal(infoField(sec, 'auth_throttle_delayed_replies'), 8);
    assert.equal(infoField(sec, 'auth_spike_sources'), 1);
    assert.match(await admin.call('AUTHTHROTTLE', 'LIST'), /\$5\r\nstate\r\n\$9\r\nrationing\r\n\$8\r\nfailures\r\n:10\r\n/);
    // ... and the right password from the attacker's own connection still gets in
    assert.equal(await callWithin(attacker, 10_000, 'AUTH', 'app', APP_PASS), '+OK\r\n');
    assert.doesNotMatch(await admin.call('CLIENT', 'LIST'), /addr=127\.0\.0\.1:\d+ [^\n]* flags=h /, 'a login clears the flag');

    // metrics follow the counters
    const scrape = await (await fetch(`http://127.0.0.1:${srv.server.metrics!.port}/metrics`)).text();
    assert.match(scrape, /^redoubt_auth_failures_total\{reason="wrongpass"\} 10$/m);
    assert.match(scrape, /^redoubt_auth_throttle_sources 1$/m);
    assert.match(scrape, /^redoubt_auth_throttle_delayed_replies_total 8$/m);
    assert.match(scrape, /^redoubt_auth_throttle_waited_logins_total [1-9]\d*$/m);
    assert.match(scrape, /^redoubt_auth_throttle_waiting 0$/m);
    assert.match(scrape, /^redoubt_auth_spike_active 1$/m);

    // CLEAR forgets the failures and refills the budget: the next failure answers at once
    assert.equal(await admin.call('AUTHTHROTTLE', 'CLEAR', '10.9.9.9'), ':0\r\n');
    assert.equal(await admin.call('AUTHTHROTTLE', 'CLEAR', '127.0.0.1'), ':1\r\n');
    assert.equal(await admin.call('AUTHTHROTTLE', 'LIST'), '*0\r\n');
    const t0 = Date.now();
    assert.equal(await attacker.call('AUTH', 'app', GUESSES[11]!), WRONGPASS);
    assert.ok(Date.now() - t0 < 1500);
    sec = await admin.call('INFO', 'security');
    assert.equal(infoField(sec, 'auth_throttle_delayed_replies'), 8, 'no delay right after CLEAR');

    // the episodes end once the failures age out (cron)
    clock.advance(200_000);
    srv.server.cron.tick();
    assert.equal(infoField(await admin.call('INFO', 'security'), 'auth_throttle_sources'), 0);
    assert.ok(await waitFor(() => events(eventFile).some((e) => e['type'] === 'auth-spike-end')));
    const ev = events(eventFile);
    assert.equal(ev.filter((e) => e['type'] === 'auth-spike-start').length, 1, 'one alert per episode, not one per failure');
    assert.equal(ev.filter((e) => e['type'] === 'auth-spike-end').length, 1);
    assert.equal(logLines.filter((l) => l.includes('Spike of failed authentications from 127.0.0.1')).length, 1);
    assert.equal(ev.filter((e) => e['type'] === 'auth-failure').length, 11);
    const throttled = ev.filter((e) => e['type'] === 'auth-throttled');
    assert.deepEqual(
      throttled.map((e) => [e['source'], e['stage']]),
      [
        ['127.0.0.1', 'delay'],
        ['127.0.0.1', 'budget'],
      ],
      'one event per stage and episode',
    );
    assert.equal(logLines.filter((l) => l.includes('Too many failed authentications from 127.0.0.1')).length, 2);
    assert.ok(ev.some((e) => e['type'] === 'acl-changed' && e['operation'] === 'throttle-clear'));
    assert.ok(ev.some((e) => e['type'] === 'auth-success' && String(e['addr']).startsWith('127.0.0.2:')));
    // nothing secret anywhere
    const text = readFileSync(eventFile, 'latin1') + logLines.join('\n');
    for (const secret of [APP_PASS, ...GUESSES.slice(0, 12)]) assert.ok(!text.includes(secret), `"${secret}" leaked`);
    assert.equal(statSync(eventFile).mode & 0o077, 0);
  } finally {
    attacker.close();
    legit.close();
    admin.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a brute-force loop from one source is held to the designed guess rate', async (t) => {
  // B checks per minute, a wait bound of 0.5 s, at most W = 2 unauthenticated connections:
  // in t seconds at most B·(1 + t/60) + W·(1 + t/0.5) checks (auth-throttle.ts, I2)
  const B = 12;
  const W = 2;
  const WAIT_S = 0.5;
  const N = 30;
  const srv = await startTestServer({
    config: [
      ['requirepass', APP_PASS],
      THROTTLE_LOOPBACK,
      ['auth-throttle-checks-per-minute', String(B)],
      ['auth-throttle-max-wait', String(WAIT_S * 1000)],
      ['auth-throttle-max-delay', '300'],
      ['auth-throttle-max-unauthenticated', String(W)],
    ],
  });
  const conns = [await RawClient.connect(srv.port), await RawClient.connect(srv.port)];
  try {
    const extra = await RawClient.connect(srv.port);
    assert.equal(await extra.readReply(), TOO_MANY, 'a third guessing connection is refused');
    extra.close();
    const t0 = Date.now();
    // each connection guesses in a loop, one at a time, as fast as it is answered
    const replies = await Promise.all(
      conns.map(async (c, ci) => {
        const out: string[] = [];
        for (let k = 0; k < N / W; k++) out.push(await callWithin(c, 15_000, 'AUTH', `loop-${ci}-${k}`));
        return out;
      }),
    );
    const elapsedS = (Date.now() - t0) / 1000;
    assert.deepEqual([...new Set(replies.flat())], [WRONGPASS], 'every guess was checked and answered WRONGPASS');
    assert.equal(srv.server.security.authFailures, N);
    // the smallest t with N ≤ B·(1 + t/60) + W·(1 + t/WAIT_S)
    const minS = (N - B - W) / (B / 60 + W / WAIT_S);
    t.diagnostic(`${N} guesses took ${elapsedS.toFixed(2)} s (designed minimum ${minS.toFixed(2)} s)`);
    assert.ok(elapsedS >= minS, `${N} guesses in ${elapsedS} s: faster than the designed ${minS.toFixed(2)} s`);
    // and the right password still answers at once-ish (≤ the 0.5 s bound, plus slack)
    const t1 = Date.now();
    assert.equal(await callWithin(conns[0]!, 10_000, 'AUTH', APP_PASS), '+OK\r\n');
    assert.ok(Date.now() - t1 < 2500);
  } finally {
    for (const c of conns) c.close();
    await srv.close();
  }
});

test('the cap on unauthenticated connections per source refuses the extra ones and accepts again once they go', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-cap-'));
  const eventFile = join(dir, 'security.jsonl');
  const srv = await startTestServer({
    config: [['requirepass', APP_PASS], THROTTLE_LOOPBACK, ['auth-throttle-max-unauthenticated', '3'], ['security-log-file', eventFile]],
  });
  const held: RawClient[] = [];
  try {
    for (let i = 0; i < 3; i++) held.push(await RawClient.connect(srv.port));
    for (const c of held) assert.equal(await c.call('PING'), '-NOAUTH Authentication required.\r\n');
    const refused = await RawClient.connect(srv.port);
    assert.equal(await refused.readReply(), TOO_MANY);
    assert.equal(await refused.waitClosed(), true, 'the refused connection is closed');
    // another address has its own cap
    const other = await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.2');
    assert.equal(await other.call('AUTH', APP_PASS), '+OK\r\n');
    // a login frees its place: a new connection is accepted
    assert.equal(await held[0]!.call('AUTH', APP_PASS), '+OK\r\n');
    const next = await RawClient.connect(srv.port);
    assert.equal(await next.call('PING'), '-NOAUTH Authentication required.\r\n');
    held.push(next);
    assert.equal(await (await RawClient.connect(srv.port)).readReply(), TOO_MANY);
    // so does a close
    held[1]!.close();
    assert.ok(await waitFor(() => srv.server.connections.size === 4));
    const after = await RawClient.connect(srv.port);
    assert.equal(await after.call('AUTH', APP_PASS), '+OK\r\n');
    held.push(after);
    const info = await other.call('INFO', 'security');
    assert.equal(infoField(info, 'auth_throttle_refused_connections'), 2);
    assert.equal(infoField(info, 'admission_refusals'), 2);
    assert.match(await other.call('AUTHTHROTTLE', 'LIST'), /\$6\r\nsource\r\n\$9\r\n127\.0\.0\.1\r\n[^]*\$15\r\nunauthenticated\r\n:2\r\n[^]*\$19\r\nrefused-connections\r\n:2\r\n/);
    assert.ok(await waitFor(() => events(eventFile).filter((e) => e['type'] === 'admission-refused').length === 2));
    const ev = events(eventFile);
    assert.ok(ev.filter((e) => e['type'] === 'admission-refused').every((e) => e['reason'] === 'throttle'));
    assert.deepEqual(
      ev.filter((e) => e['type'] === 'auth-throttled').map((e) => e['stage']),
      ['connections'],
    );
    other.close();
  } finally {
    for (const c of held) c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Sends `n` wrong AUTHs over a unix socket at once; resolves with the replies' text. */
function unixGuesses(path: string, n: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(path);
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`unix socket: ${got.split('\r\n').length - 1} reply lines in ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.split(WRONGPASS).length - 1 === n) {
        clearTimeout(timer);
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
    s.write(Array.from({ length: n }, (_, i) => RawClient.encode(['AUTH', `unix-${i}`])).join(''));
  });
}

test('loopback and the unix socket are exempt by default; throttled once the exemption is off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-lo-'));
  const sock = join(dir, 'redoubt.sock');
  const srv = await startTestServer({ config: [['requirepass', APP_PASS], ['unixsocket', sock]] });
  const conns: RawClient[] = [];
  try {
    // 40 guesses pipelined on one loopback connection: all answered, none held back
    const c = await RawClient.connect(srv.port);
    conns.push(c);
    c.write(GUESSES.map((g) => RawClient.encode(['AUTH', g])).join(''));
    for (let i = 0; i < GUESSES.length; i++) assert.equal(await c.readReply(10_000), WRONGPASS);
    // more unauthenticated loopback connections than the default cap (16)
    for (let i = 0; i < 20; i++) conns.push(await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.5'));
    for (const k of conns.slice(1)) assert.equal(await k.call('PING'), '-NOAUTH Authentication required.\r\n');
    // the unix socket likewise
    await unixGuesses(sock, 40, 10_000);
    const sec = srv.server.security;
    assert.equal(sec.authFailures, 80);
    assert.equal(sec.throttle.delayedReplies, 0);
    assert.equal(sec.throttle.waitedAttempts, 0);
    assert.equal(sec.throttle.refusedConnections, 0);
    assert.equal(sec.throttle.list().length, 0, 'exempt sources are not tracked');

    // with the exemption off, the same loop is throttled: delays, then waits for budget
    assert.equal(await c.call('AUTH', APP_PASS), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'auth-throttle-exempt-loopback', 'no'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'auth-throttle-max-wait', '200'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'auth-throttle-max-delay', '200'), '+OK\r\n');
    const guesser = await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.6');
    conns.push(guesser);
    for (let i = 0; i < 6; i++) assert.equal(await callWithin(guesser, 10_000, 'AUTH', GUESSES[i]!), WRONGPASS);
    assert.ok(sec.throttle.delayedReplies >= 3, `${sec.throttle.delayedReplies} delayed replies`);
    await unixGuesses(sock, 6, 20_000);
    assert.ok(sec.throttle.list().some((s) => s.source === 'unix' && s.failures === 6), 'the unix socket is one throttled source');
    // and the cap applies to loopback now
    assert.equal(await c.call('CONFIG', 'SET', 'auth-throttle-max-unauthenticated', '2'), '+OK\r\n');
    for (let i = 0; i < 2; i++) conns.push(await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.7'));
    for (const k of conns.slice(-2)) assert.equal(await k.call('PING'), '-NOAUTH Authentication required.\r\n');
    assert.equal(await (await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.7')).readReply(), TOO_MANY);
  } finally {
    for (const k of conns) k.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
