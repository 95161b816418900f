/**
 * `security-log-file` names a file the server creates and appends to, so it is a protected
 * config (CONFIG SET refused unless enable-protected-configs allows it, like dir and
 * dbfilename), is never opened through a symbolic link, and never appends to an existing
 * file that is not a security log. The same file rules hold at start-up. Each attack is
 * made for real; the victim file must stay byte-for-byte unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { StartupError } from '../../src/server/server.js';

const PROTECTED = "-ERR CONFIG SET failed (possibly related to argument 'security-log-file') - can't set protected config\r\n";

async function settle(): Promise<void> {
  // the append stream writes asynchronously
  await new Promise((r) => setTimeout(r, 100));
}

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-seclog-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('CONFIG SET security-log-file is refused by default with the protected-config error, and creates nothing', () =>
  withDir(async (dir) => {
    const file = join(dir, 'created-by-attack');
    const srv = await startTestServer();
    const c = await RawClient.connect(srv.port);
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'security-log-file', file), PROTECTED);
      assert.equal(await c.call('CONFIG', 'SET', 'hz', '11', 'security-log-file', file), PROTECTED);
      assert.equal(srv.server.config.get('hz'), '10', 'nothing of a refused CONFIG SET is applied');
      await settle();
      assert.equal(existsSync(file), false);
      assert.equal(await c.call('CONFIG', 'GET', 'security-log-file'), '*2\r\n$17\r\nsecurity-log-file\r\n$0\r\n\r\n');
      assert.equal(await c.call('PING'), '+PONG\r\n');
    } finally {
      c.close();
      await srv.close();
    }
  }));

for (const mode of ['yes', 'local']) {
  test(`enable-protected-configs ${mode}: a loopback client may set security-log-file; events are written`, () =>
    withDir(async (dir) => {
      const file = join(dir, 'events.jsonl');
      const srv = await startTestServer({ config: [['enable-protected-configs', mode]] });
      const c = await RawClient.connect(srv.port);
      try {
        assert.equal(await c.call('CONFIG', 'SET', 'security-log-file', file), '+OK\r\n');
        assert.equal(await c.call('CONFIG', 'SET', 'hz', '12'), '+OK\r\n');
        await settle();
        assert.equal(statSync(file).mode & 0o777, 0o600, 'created owner-only');
        const lines = readFileSync(file, 'latin1').trim().split('\n');
        assert.ok(lines.some((l) => (JSON.parse(l) as Record<string, unknown>)['config.hz'] === '12'), lines.join('\n'));
      } finally {
        c.close();
        await srv.close();
      }
    }));
}

test('a symbolic link is never followed (O_NOFOLLOW), even to an empty file or a security log', () =>
  withDir(async (dir) => {
    const victim = join(dir, 'victim');
    const victimText = 'root:x:0:0:root:/root:/bin/bash\n';
    writeFileSync(victim, victimText);
    const emptyTarget = join(dir, 'empty');
    writeFileSync(emptyTarget, '');
    const link = join(dir, 'link');
    symlinkSync(victim, link);
    const linkToEmpty = join(dir, 'link-to-empty');
    symlinkSync(emptyTarget, linkToEmpty);
    const srv = await startTestServer({ config: [['enable-protected-configs', 'yes']] });
    const c = await RawClient.connect(srv.port);
    try {
      for (const path of [link, linkToEmpty]) {
        assert.equal(
          await c.call('CONFIG', 'SET', 'security-log-file', path),
          `-ERR CONFIG SET failed (possibly related to argument 'security-log-file') - security log '${path}' is a symbolic link\r\n`,
        );
      }
      // events that would have gone to the file
      assert.equal(await c.call('CONFIG', 'SET', 'hz', '13'), '+OK\r\n');
      assert.equal(await c.call('AUTH', 'nobody', 'wrong'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
      await settle();
      assert.equal(readFileSync(victim, 'latin1'), victimText);
      assert.equal(readFileSync(emptyTarget, 'latin1'), '');
      assert.equal(srv.server.config.get('security-log-file'), '');
    } finally {
      c.close();
      await srv.close();
    }
  }));

test('an existing file that is not a security log is refused and left byte-for-byte unchanged', () =>
  withDir(async (dir) => {
    const victims: [string, Buffer][] = [
      ['authorized_keys', Buffer.from('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBadKey attacker@host\n', 'latin1')],
      ['no-newline', Buffer.from('just some text without a newline', 'latin1')],
      ['json-not-event', Buffer.from('{"ts":"2026-01-01T00:00:00.000Z","type":"not-an-event"}\n{"a":1}\n', 'latin1')],
      ['json-array', Buffer.from('[1,2,3]\n', 'latin1')],
      ['binary', Buffer.from([0, 1, 2, 255, 10, 13, 10])],
    ];
    const srv = await startTestServer({ config: [['enable-protected-configs', 'yes']] });
    const c = await RawClient.connect(srv.port);
    try {
      for (const [name, bytes] of victims) {
        const path = join(dir, name);
        writeFileSync(path, bytes);
        assert.equal(
          await c.call('CONFIG', 'SET', 'security-log-file', path),
          `-ERR CONFIG SET failed (possibly related to argument 'security-log-file') - '${path}' exists and is not a Redoubt security log\r\n`,
          name,
        );
      }
      assert.equal(await c.call('CONFIG', 'SET', 'hz', '14'), '+OK\r\n');
      await settle();
      for (const [name, bytes] of victims) assert.deepEqual(readFileSync(join(dir, name)), bytes, name);
    } finally {
      c.close();
      await srv.close();
    }
  }));

test('a refused path keeps the current log; an existing security log is appended to', () =>
  withDir(async (dir) => {
    const log = join(dir, 'events.jsonl');
    const srv = await startTestServer({ config: [['enable-protected-configs', 'yes'], ['security-log-file', log]] });
    const c = await RawClient.connect(srv.port);
    try {
      const other = join(dir, 'other');
      writeFileSync(other, 'not a log\n');
      assert.match(await c.call('CONFIG', 'SET', 'security-log-file', other), /not a Redoubt security log/);
      assert.equal(srv.server.config.get('security-log-file'), log);
      assert.equal(await c.call('CONFIG', 'SET', 'hz', '15'), '+OK\r\n');
      await settle();
      const before = readFileSync(log, 'latin1');
      assert.match(before, /"config\.hz":"15"/);
      // away and back: the file now starts with an event, so it is accepted and appended to
      assert.equal(await c.call('CONFIG', 'SET', 'security-log-file', ''), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'security-log-file', log), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'hz', '16'), '+OK\r\n');
      await settle();
      const after = readFileSync(log, 'latin1');
      assert.ok(after.startsWith(before), 'appended, not truncated');
      assert.match(after.slice(before.length), /"config\.hz":"16"/);
      assert.equal(readFileSync(other, 'latin1'), 'not a log\n');
    } finally {
      c.close();
      await srv.close();
    }
  }));

test('a FIFO or a directory is refused at once (the server never blocks opening it)', () =>
  withDir(async (dir) => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const srv = await startTestServer({ config: [['enable-protected-configs', 'yes']] });
    const c = await RawClient.connect(srv.port);
    try {
      assert.match(await c.call('CONFIG', 'SET', 'security-log-file', fifo), /^-ERR CONFIG SET failed \(possibly related to argument 'security-log-file'\) - /);
      assert.match(await c.call('CONFIG', 'SET', 'security-log-file', dir), /^-ERR CONFIG SET failed \(possibly related to argument 'security-log-file'\) - /);
      assert.equal(await c.call('PING'), '+PONG\r\n');
    } finally {
      c.close();
      await srv.close();
    }
  }));

test('start-up applies the same file rules to the directive from the config', () =>
  withDir(async (dir) => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    const link = join(dir, 'link');
    symlinkSync(victim, link);
    for (const path of [victim, link]) {
      await assert.rejects(
        startTestServer({ config: [['security-log-file', path]] }),
        (e: unknown) => e instanceof StartupError && e.message.startsWith("config 'security-log-file': "),
      );
    }
    assert.equal(readFileSync(victim, 'latin1'), 'precious\n');
  }));
