/** `redoubt audit` against Redoubt itself, started in-process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { auditJson, find, ids, runCli } from '../helpers/cli.js';
import { startServer } from '../../src/server/server.js';

test('audit of Redoubt as shipped: loopback and protected mode, but the default user needs no password', async () => {
  const srv = await startTestServer();
  try {
    const r = await auditJson(['-p', String(srv.port)]);
    assert.equal(r.code, 1);
    const got = ids(r.findings);
    assert.ok(got.includes('default-user-nopass'), got.join(', '));
    // Loopback only: serious, but not the internet-facing critical case.
    assert.equal(find(r.findings, 'default-user-nopass')!.severity, 'high');
    assert.equal(find(r.findings, 'no-tls')!.severity, 'info');
    assert.match(find(r.findings, 'redoubt-version')!.evidence, /^redoubt_version:\d+\.\d+\.\d+/);
    // Redoubt has no Lua and no Redis C code: no Redis CVE applies.
    assert.ok(!got.some((id) => id.startsWith('cve-')), got.join(', '));
    for (const id of ['bind-all-interfaces', 'protected-mode-off', 'non-loopback-without-tls', 'rename-command-instead-of-acl']) assert.ok(!got.includes(id), `unexpected ${id}`);
  } finally {
    await srv.close();
  }
});

test("audit of Redoubt with the article's blueprint (default off, app user, one admin) is clean", async () => {
  const srv = await startTestServer({
    config: [
      ['user', 'default', 'off'],
      ['user', 'app_cache', 'on', '>StrongPassword123!', '~cache:*', '+@all', '-@dangerous'],
      ['user', 'ops', 'on', '>Ops-Password-77', '~*', '&*', '+@all'],
    ],
  });
  try {
    const r = await auditJson(['-p', String(srv.port), '--user', 'ops', '--pass', 'Ops-Password-77']);
    assert.equal(r.code, 0, JSON.stringify(r.findings));
    assert.deepEqual(ids(r.findings), ['admin-user', 'no-tls', 'redoubt-version']);
    assert.ok(!r.raw.includes('StrongPassword123!'));

    // An app user that may not read the configuration gets a partial audit, said so.
    const limited = await auditJson(['-p', String(srv.port), '--user', 'app_cache', '--pass', 'StrongPassword123!']);
    assert.equal(limited.code, 1);
    const gap = find(limited.findings, 'audit-incomplete');
    assert.ok(gap !== undefined && gap.severity === 'medium');
    assert.match(gap.evidence, /CONFIG GET \* refused \(NOPERM/);
  } finally {
    await srv.close();
  }
});

test('audit of Redoubt with requirepass only', async () => {
  const srv = await startTestServer({ config: [['requirepass', 'only-one-Secret']] });
  try {
    const r = await auditJson(['-p', String(srv.port), '-a', 'only-one-Secret']);
    assert.equal(r.code, 1);
    assert.equal(find(r.findings, 'requirepass-only')?.severity, 'medium', ids(r.findings).join(', '));
    assert.ok(!ids(r.findings).includes('default-user-nopass'));
  } finally {
    await srv.close();
  }
});

test('audit --config with connection flags grades both, each finding tagged with its source', async () => {
  const srv = await startTestServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-cli-both-'));
  try {
    const file = path.join(dir, 'redis.conf');
    fs.writeFileSync(file, 'bind 0.0.0.0\nprotected-mode no\n');
    const r = await auditJson(['--config', file, '-p', String(srv.port)]);
    assert.equal(r.code, 1);
    const fromFile = r.findings.filter((f) => f.source === 'config').map((f) => f.id).sort();
    const fromLive = r.findings.filter((f) => f.source === 'live').map((f) => f.id).sort();
    assert.ok(fromFile.includes('bind-all-interfaces') && fromFile.includes('protected-mode-off'), fromFile.join(', '));
    assert.ok(!fromLive.includes('bind-all-interfaces') && fromLive.includes('redoubt-version'), fromLive.join(', '));
    assert.ok(r.findings.filter((f) => f.source === 'live').every((f) => f.origin === `127.0.0.1:${srv.port}`));
    // --config alone does not connect anywhere.
    const only = await auditJson(['--config', file]);
    assert.ok(only.findings.every((f) => f.source === 'config'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await srv.close();
  }
});

test('audit of Redoubt sees rename-command: renamed FLUSHALL reported, renamed CONFIG is not blamed on the user', async () => {
  const srv = await startTestServer({
    config: [
      ['rename-command', 'FLUSHALL', 'MGMT_FLUSH_8831'],
      ['rename-command', 'CONFIG', 'MGMT_CONFIG_2219'],
      ['user', 'default', 'off'],
      ['user', 'ops', 'on', '>Ops-Password-77', '~*', '&*', '+@all'],
    ],
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-cli-rename-'));
  try {
    const r = await auditJson(['-p', String(srv.port), '--user', 'ops', '--pass', 'Ops-Password-77']);
    assert.equal(r.code, 1);
    const renamed = find(r.findings, 'rename-command-instead-of-acl');
    assert.ok(renamed !== undefined, ids(r.findings).join(', '));
    assert.match(renamed.evidence, /FLUSHALL, CONFIG exist in Redoubt but are not callable under their names/);
    // The audit ran as an admin: the gap names the rename, not a missing permission.
    const gap = find(r.findings, 'audit-incomplete')!;
    assert.match(gap.evidence, /CONFIG is renamed or disabled/);
    assert.ok(!gap.fix.some((l) => /admin user/.test(l)), gap.fix.join(' | '));
    assert.ok(gap.fix.some((l) => /--config/.test(l)));
    assert.ok(!r.raw.includes('Redoubt refuses rename-command') && !r.raw.includes('MONITOR'));

    // With the config file, CONFIG is called by its new name and the network checks run.
    const file = path.join(dir, 'redoubt.conf');
    fs.writeFileSync(file, 'bind 127.0.0.1\nrename-command FLUSHALL MGMT_FLUSH_8831\nrename-command CONFIG MGMT_CONFIG_2219\nuser default off\nuser ops on >Ops-Password-77 ~* &* +@all\n', { mode: 0o600 });
    const both = await auditJson(['--config', file, '-p', String(srv.port), '--user', 'ops', '--pass', 'Ops-Password-77']);
    const live = both.findings.filter((f) => f.source === 'live');
    assert.ok(!live.some((f) => f.id === 'audit-incomplete'), JSON.stringify(live));
    assert.ok(live.some((f) => f.id === 'no-tls'), 'network checks ran through the renamed CONFIG');
    const fileRenames = both.findings.filter((f) => f.source === 'config' && f.id === 'renamed-dangerous-command');
    assert.equal(fileRenames.length, 2);
    assert.ok(fileRenames.every((f) => !/MONITOR/.test(f.evidence)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await srv.close();
  }
});

test('audit of a Redoubt TLS port without --tls says the port speaks TLS', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-cli-tlshint-'));
  try {
    const certs = await runCli(['certs', '--out-dir', dir]);
    assert.equal(certs.code, 0, certs.stderr);
    const f = (n: string): string => path.join(dir, n);
    const srv = await startServer({ port: 0, tlsPort: 0, config: [['tls-cert-file', f('server.crt')], ['tls-key-file', f('server.key')], ['tls-ca-cert-file', f('ca.crt')], ['tls-auth-clients', 'yes']] });
    try {
      const r = await runCli(['audit', '-p', String(srv.tlsPort)]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /this port speaks TLS: use --tls/);
      // The cleartext port of the same server is audited normally, and its no-tls fix names its port.
      const plain = await auditJson(['-p', String(srv.port)]);
      assert.ok(!ids(plain.findings).includes('no-tls'), 'TLS is on');
    } finally {
      await srv.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the no-tls fix names the configured port, and `redoubt -h` prints help', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-cli-notls-'));
  try {
    const file = path.join(dir, 'redis.conf');
    fs.writeFileSync(file, 'bind 127.0.0.1\nport 7001\n', { mode: 0o600 });
    const r = await auditJson(['--config', file]);
    assert.deepEqual(find(r.findings, 'no-tls')!.fix.slice(0, 2), ['port 0', 'tls-port 7001']);
    const help = await runCli(['-h']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: redoubt /m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
