/**
 * A bounded brute-force AUTH attack on loopback: the attacker (127.0.0.1) is slowed, then
 * refused; a legitimate client from another address (127.0.0.2) with the right password
 * keeps working; the spike alert fires once per episode and ends once; the event log
 * and the server log never contain a password; AUTHTHROTTLE lists and lifts the block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';

const APP_PASS = 'Correct-Horse-9';
const GUESSES = Array.from({ length: 12 }, (_, i) => `guess-${i}-Tr0ub4dor`);
const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';

function events(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'latin1')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

test('brute force from one address is delayed, then refused; a legitimate client elsewhere keeps working', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-bf-'));
  const eventFile = join(dir, 'security.jsonl');
  const clock = new ManualClock();
  const logLines: string[] = [];
  const srv = await startTestServer({
    clock,
    logSink: { write: (line: string) => void logLines.push(line) },
    config: [
      ['user', 'app', 'on', `>${APP_PASS}`, '~app:*', '+@all', '-@dangerous'],
      ['security-log-file', eventFile],
      ['auth-throttle-free-failures', '2'],
      ['auth-throttle-threshold', '6'],
      ['auth-throttle-source-threshold', '0'],
      ['auth-throttle-block-time', '30'],
      ['auth-spike-source-threshold', '5'],
      ['auth-spike-threshold', '0'],
      ['auth-spike-window', '60'],
    ],
  });
  const attacker = await RawClient.connect(srv.port, '127.0.0.1');
  const legit = await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.2');
  try {
    // the first free failures answer at once; the next ones are held back progressively
    const replies: string[] = [];
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = Date.now();
      replies.push(await attacker.call('AUTH', 'app', GUESSES[i]!, ));
      waits.push(Date.now() - t0);
      // meanwhile the legitimate client is unaffected
      assert.equal(await legit.call('AUTH', 'app', APP_PASS), '+OK\r\n');
    }
    assert.deepEqual(replies, Array(6).fill(WRONGPASS));
    // failures 3, 4, 5, 6 are delayed by at least 100, 200, 400, 800 ms (lower bounds only)
    assert.ok(waits[2]! >= 90 && waits[3]! >= 190 && waits[4]! >= 390 && waits[5]! >= 790, `waits ${waits.join(',')}`);
    // blocked now: even the right password is refused from the attacker's address
    const refused = await attacker.call('AUTH', 'app', APP_PASS);
    assert.match(refused, /^-ERR too many failed authentication attempts from this address; retry in 30 seconds\r\n$/);
    assert.equal(await attacker.call('AUTH', 'app', GUESSES[7]!), refused);
    // ... while the legitimate client (another address) still logs in and works
    assert.equal(await legit.call('AUTH', 'app', APP_PASS), '+OK\r\n');
    assert.equal(await legit.call('SET', 'app:k', 'v'), '+OK\r\n');
    // the block is visible and can be lifted
    const list = await legit.call('AUTHTHROTTLE', 'LIST');
    assert.match(list, /NOPERM/, 'the app user (no @admin) may not list blocks');
    const admin = await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.3');
    try {
    // the throttled client is marked in CLIENT LIST (flag h); the legitimate one is not
    const clients = await admin.call('CLIENT', 'LIST');
    assert.match(clients, /addr=127\.0\.0\.1:\d+ [^\n]* flags=h /);
    assert.match(clients, /addr=127\.0\.0\.2:\d+ [^\n]* flags=N /);
      const blocks = await admin.call('AUTHTHROTTLE', 'LIST');
      assert.match(blocks, /\$4\r\npair\r\n\$6\r\nsource\r\n\$9\r\n127\.0\.0\.1\r\n\$4\r\nuser\r\n\$3\r\napp\r\n/);
      const sec = await admin.call('INFO', 'security');
      assert.match(sec, /auth_failures:6\r\n/);
      assert.match(sec, /auth_throttle_blocks:1\r\n/);
      assert.match(sec, /auth_throttle_refusals:2\r\n/);
      assert.match(sec, /auth_spike_sources:1\r\n/);
      // after the block time the pair may try again
      clock.advance(31_000);
      assert.equal(await attacker.call('AUTH', 'app', APP_PASS), '+OK\r\n');
      // and an operator can lift a block at once
      for (let i = 0; i < 6; i++) await attacker.call('AUTH', 'app', GUESSES[i]!);
      assert.match(await attacker.call('AUTH', 'app', APP_PASS), /^-ERR too many failed/);
      assert.equal(await admin.call('AUTHTHROTTLE', 'CLEAR', '127.0.0.1'), ':1\r\n');
      assert.equal(await attacker.call('AUTH', 'app', APP_PASS), '+OK\r\n');
      // the spike episode ends once the failures age out of the window (cron)
      clock.advance(200_000);
      srv.server.cron();
    } finally {
      admin.close();
    }
    await waitFor(() => events(eventFile).some((e) => e['type'] === 'auth-spike-end'));
    const ev = events(eventFile);
    const starts = ev.filter((e) => e['type'] === 'auth-spike-start');
    const ends = ev.filter((e) => e['type'] === 'auth-spike-end');
    assert.equal(starts.length, 1, 'one alert per episode, not one per failure');
    assert.equal(starts[0]!['source'], '127.0.0.1');
    assert.equal(ends.length, 1);
    assert.equal(logLines.filter((l) => l.includes('Spike of failed authentications from 127.0.0.1')).length, 1);
    assert.ok(ev.filter((e) => e['type'] === 'auth-failure').length >= 12);
    assert.ok(ev.some((e) => e['type'] === 'auth-success' && e['addr'] !== undefined && String(e['addr']).startsWith('127.0.0.2:')));
    assert.ok(ev.some((e) => e['type'] === 'auth-throttled' && e['block_started'] === true));
    // nothing secret anywhere
    const text = readFileSync(eventFile, 'latin1') + logLines.join('\n');
    for (const secret of [APP_PASS, ...GUESSES]) assert.ok(!text.includes(secret), `"${secret}" leaked`);
    // the event file is owner-only
    assert.equal(statSync(eventFile).mode & 0o077, 0);
  } finally {
    attacker.close();
    legit.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a source failing across many users is blocked entirely: its new connections are closed unread', async () => {
  const srv = await startTestServer({
    config: [
      ['auth-throttle-free-failures', '100'],
      ['auth-throttle-threshold', '100'],
      ['auth-throttle-source-threshold', '5'],
    ],
  });
  const attacker = await RawClient.connect(srv.port, '127.0.0.1');
  try {
    for (let i = 0; i < 5; i++) assert.equal(await attacker.call('AUTH', `user${i}`, 'x'), WRONGPASS);
    assert.match(await attacker.call('AUTH', 'default', 'x'), /^-ERR too many failed authentication attempts/);
    const again = await RawClient.connect(srv.port, '127.0.0.1');
    assert.equal(await again.waitClosed(), true, 'a new connection from the blocked source is closed');
    again.close();
    const other = await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.2');
    assert.equal(await other.call('PING'), '+PONG\r\n');
    other.close();
    assert.match(await (await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.4')).call('INFO', 'security'), /admission_refusals:1\r\n/);
  } finally {
    attacker.close();
    await srv.close();
  }
});

test('loopback can be exempted; throttling can be turned off', async () => {
  const srv = await startTestServer({ config: [['auth-throttle-threshold', '2'], ['auth-throttle-exempt-loopback', 'yes']] });
  const c = await RawClient.connect(srv.port);
  try {
    for (let i = 0; i < 5; i++) assert.equal(await c.call('AUTH', 'nobody', 'x'), WRONGPASS);
    assert.equal(await c.call('CONFIG', 'SET', 'auth-throttle-exempt-loopback', 'no'), '+OK\r\n');
    for (let i = 0; i < 2; i++) assert.equal(await c.call('AUTH', 'nobody', 'x'), WRONGPASS);
    assert.match(await c.call('AUTH', 'nobody', 'x'), /^-ERR too many failed/);
    assert.equal(await c.call('CONFIG', 'SET', 'auth-throttle', 'no'), '+OK\r\n');
    assert.equal(await c.call('AUTH', 'nobody', 'x'), WRONGPASS);
  } finally {
    c.close();
    await srv.close();
  }
});
