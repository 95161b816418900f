/**
 * The security event stream: configuration and ACL changes (secrets redacted), dangerous
 * commands, ACL denials and admission refusals are written as JSON lines; a flood is
 * rate-limited with one "events-suppressed" summary instead of unbounded output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';

function readEvents(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'latin1')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function settle(): Promise<void> {
  // the append stream writes asynchronously
  await new Promise((r) => setTimeout(r, 100));
}

test('changes, dangerous commands and denials become events; secret values never do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-ev-'));
  const file = join(dir, 'events.jsonl');
  // security-log-file is a protected config (security-log-file.test.ts)
  const srv = await startTestServer({ config: [['enable-protected-configs', 'yes']] });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CONFIG', 'SET', 'security-log-file', file), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'requirepass', 'Sup3r-Secret-Default', 'hz', '20'), '+OK\r\n');
    assert.equal(await c.call('ACL', 'SETUSER', 'bob', 'on', '>Bobs-Secret-42', '~b:*', '+get'), '+OK\r\n');
    assert.equal(await c.call('FLUSHALL'), '+OK\r\n');
    assert.equal(await c.call('AUTH', 'bob', 'Bobs-Secret-42'), '+OK\r\n');
    assert.match(await c.call('GET', 'a:1'), /^-NOPERM/);
    assert.match(await c.call('SET', 'b:1', 'x'), /^-NOPERM/);
    await settle();
    const ev = readEvents(file);
    const cfg = ev.find((e) => e['type'] === 'config-changed' && 'config.requirepass' in e)!;
    assert.equal(cfg['config.requirepass'], '(redacted)');
    assert.equal(cfg['config.hz'], '20');
    assert.match(String(cfg['addr']), /^127\.0\.0\.1:\d+$/);
    const acl = ev.find((e) => e['type'] === 'acl-changed')!;
    assert.equal(acl['operation'], 'setuser');
    assert.equal(acl['users'], 'bob');
    assert.ok(ev.some((e) => e['type'] === 'dangerous-command' && e['command'] === 'flushall' && e['user'] === 'default'));
    assert.ok(ev.some((e) => e['type'] === 'auth-success' && e['user'] === 'bob' && e['mechanism'] === 'AUTH'));
    assert.ok(ev.some((e) => e['type'] === 'acl-denied' && e['reason'] === 'key' && e['object'] === 'a:1' && e['user'] === 'bob'));
    assert.ok(ev.some((e) => e['type'] === 'acl-denied' && e['reason'] === 'command' && e['object'] === 'set'));
    for (const e of ev) assert.equal(typeof e['ts'], 'string');
    const text = readFileSync(file, 'latin1');
    assert.ok(!text.includes('Sup3r-Secret-Default') && !text.includes('Bobs-Secret-42'), 'no password in the event log');
  } finally {
    c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a flood of events is rate-limited and summarised, not written in full', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-ev-'));
  const file = join(dir, 'events.jsonl');
  const clock = new ManualClock();
  const srv = await startTestServer({ clock, config: [['security-log-file', file], ['auth-throttle', 'no']] });
  const c = await RawClient.connect(srv.port);
  try {
    // 1,000 failed logins in the same instant: far beyond the burst allowance
    const batch: string[] = [];
    for (let i = 0; i < 1000; i++) batch.push(RawClient.encode(['AUTH', 'nobody', 'x']));
    c.write(batch.join(''));
    let got = 0;
    while (got < 1000) {
      await c.readReply();
      got++;
    }
    clock.advance(5000);
    srv.server.cron.tick();
    await settle();
    const ev = readEvents(file);
    const failures = ev.filter((e) => e['type'] === 'auth-failure').length;
    assert.ok(failures >= 100 && failures <= 300, `${failures} failure events written`);
    const summary = ev.find((e) => e['type'] === 'events-suppressed');
    assert.ok(summary !== undefined, 'a summary of what was dropped');
    assert.equal(failures + (summary!['count'] as number), 1000, 'every event is either written or counted');
    assert.equal(srv.server.security.events.total, ev.length - 1 + (summary!['count'] as number));
  } finally {
    c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
