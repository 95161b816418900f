/**
 * `redoubt audit --config`: a bad redis.conf (with directives Redoubt itself refuses), a
 * requirepass-only one, includes and ACL files, and the output of `redoubt harden`, which
 * must audit clean.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { auditJson, find, ids, runCli } from '../helpers/cli.js';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-cli-conf-'));
}

const BAD_CONF = `# the article's "before" picture, and then some
bind 0.0.0.0
protected-mode no
port 6379
tls-port 6380
tls-cert-file /etc/redis/tls/redis.crt
tls-key-file /etc/redis/tls/redis.key
tls-ca-cert-file /etc/redis/tls/ca.crt
tls-auth-clients no
rename-command FLUSHALL "MGMT_FLUSH_8831"
rename-command CONFIG "MGMT_CONFIG_2219"
rename-command SHUTDOWN ""
enable-debug-command yes
enable-module-command local
`;

test('audit --config: a bad redis.conf yields every expected finding, exit 1', async () => {
  const dir = tmpDir();
  try {
    const file = path.join(dir, 'redis.conf');
    fs.writeFileSync(file, BAD_CONF);
    const r = await auditJson(['--config', file]);
    assert.equal(r.code, 1);
    assert.deepEqual(ids(r.findings), [
      'bind-all-interfaces',
      'debug-command-enabled',
      'default-user-nopass',
      'module-command-enabled',
      'plaintext-port-beside-tls',
      'protected-mode-off',
      'rename-command-instead-of-acl',
      'renamed-dangerous-command',
      'tls-auth-clients-off',
    ]);
    assert.equal(find(r.findings, 'default-user-nopass')!.severity, 'critical');
    assert.equal(find(r.findings, 'bind-all-interfaces')!.severity, 'critical');
    assert.equal(find(r.findings, 'debug-command-enabled')!.severity, 'high');
    assert.equal(find(r.findings, 'module-command-enabled')!.severity, 'low');
    assert.equal(find(r.findings, 'rename-command-instead-of-acl')!.severity, 'medium', 'no ACL users at all');
    // FLUSHALL and CONFIG are renamed (still callable); SHUTDOWN "" is disabled, not reported.
    const renamed = r.findings.filter((f) => f.id === 'renamed-dangerous-command').map((f) => f.title);
    assert.equal(renamed.length, 2);
    assert.ok(renamed.some((t) => t.startsWith('FLUSHALL')) && renamed.some((t) => t.startsWith('CONFIG')));
    // TLS is on, so the cleartext exposure is the plaintext port beside it, on every interface.
    assert.equal(find(r.findings, 'plaintext-port-beside-tls')!.severity, 'high');
    assert.deepEqual(find(r.findings, 'plaintext-port-beside-tls')!.fix, ['port 0']);
    assert.deepEqual(find(r.findings, 'tls-auth-clients-off')!.fix, ['tls-auth-clients yes']);
    assert.ok(r.findings.every((f) => f.source === 'config' && f.origin === file));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('audit --config: user lines, an include and an aclfile are graded', async () => {
  const dir = tmpDir();
  try {
    fs.writeFileSync(path.join(dir, 'users.acl'), ['user default on nopass ~* +@all', 'user reports on #' + 'a'.repeat(64) + ' ~* +@read', ''].join('\n'));
    fs.writeFileSync(path.join(dir, 'net.conf'), 'bind 127.0.0.1 10.0.5.15\nport 6379\n');
    const file = path.join(dir, 'redis.conf');
    fs.writeFileSync(file, `include ${path.join(dir, 'net.conf')}\naclfile ${path.join(dir, 'users.acl')}\n`);
    const r = await auditJson(['--config', file]);
    const got = ids(r.findings);
    assert.ok(got.includes('non-loopback-without-tls'), got.join(', '));
    assert.match(find(r.findings, 'non-loopback-without-tls')!.evidence, /10\.0\.5\.15/);
    assert.ok(!got.includes('bind-all-interfaces'));
    // Protected mode (on by default) still refuses remote clients of a password-less default user.
    assert.equal(find(r.findings, 'default-user-nopass')!.severity, 'high');
    assert.ok(r.findings.some((f) => f.id === 'app-user-allkeys' && f.title.includes('reports')));
    assert.ok(!r.raw.includes('a'.repeat(64)), 'digests are redacted from evidence');

    // user lines in the config itself, with requirepass only: one shared password.
    const rp = path.join(dir, 'rp.conf');
    fs.writeFileSync(rp, 'bind 127.0.0.1 -::1\nrequirepass "s3cret pass"\n', { mode: 0o600 });
    const r2 = await auditJson(['--config', rp]);
    assert.equal(r2.code, 1);
    assert.deepEqual(ids(r2.findings), ['no-tls', 'requirepass-only']);
    assert.ok(!r2.raw.includes('s3cret'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('audit --config: plaintext passwords in files other users can read are flagged (never printed)', async () => {
  const dir = tmpDir();
  try {
    // The article's app user, written as most operators write it: mode 0644.
    const file = path.join(dir, 'redis.conf');
    fs.writeFileSync(file, 'bind 127.0.0.1 -::1\nuser default off\nuser app_cache on >StrongPassword123! ~cache:* +@all -@dangerous\n');
    fs.chmodSync(file, 0o644);
    const r = await auditJson(['--config', file]);
    assert.equal(r.code, 1);
    const f = find(r.findings, 'plaintext-secret-readable');
    assert.ok(f !== undefined, ids(r.findings).join(', '));
    assert.equal(f.severity, 'high');
    assert.match(f.evidence, /mode 0644; line 3: user app_cache >…/);
    assert.equal(f.fix[0], `chmod 600 ${file}`);
    assert.ok(!r.raw.includes('StrongPassword123!'));

    // Group-readable requirepass / masterauth: medium.
    const grp = path.join(dir, 'grp.conf');
    fs.writeFileSync(grp, 'bind 127.0.0.1\nrequirepass Shared-Secret-1\nmasterauth Other-Secret-2\n');
    fs.chmodSync(grp, 0o640);
    const g = find((await auditJson(['--config', grp])).findings, 'plaintext-secret-readable')!;
    assert.equal(g.severity, 'medium');
    assert.match(g.evidence, /line 2: requirepass; line 3: masterauth/);

    // An aclfile with a clear password, world-readable, is flagged too; owner-only it is low.
    const acl = path.join(dir, 'users.acl');
    fs.writeFileSync(acl, 'user default off\nuser ops on >Ops-Password-77 ~* &* +@all\n');
    fs.chmodSync(acl, 0o604);
    const withAcl = path.join(dir, 'acl.conf');
    fs.writeFileSync(withAcl, `bind 127.0.0.1\naclfile ${acl}\n`, { mode: 0o600 });
    const a = find((await auditJson(['--config', withAcl])).findings, 'plaintext-secret-readable')!;
    assert.equal(a.severity, 'high');
    assert.ok(a.title.startsWith(acl));
    fs.chmodSync(acl, 0o600);
    const owner = await auditJson(['--config', withAcl]);
    assert.ok(!ids(owner.findings).includes('plaintext-secret-readable'));
    assert.equal(find(owner.findings, 'plaintext-user-password')?.severity, 'low');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('audit --config: Debian\'s stock redis.conf: loopback, but the default user is open', async (t) => {
  if (!fs.existsSync('/etc/redis/redis.conf')) {
    t.skip('no /etc/redis/redis.conf');
    return;
  }
  const r = await auditJson(['--config', '/etc/redis/redis.conf']);
  assert.equal(r.code, 1);
  assert.deepEqual(ids(r.findings), ['default-user-nopass', 'no-tls']);
  assert.equal(find(r.findings, 'default-user-nopass')!.severity, 'high');
});

test('audit --config: missing file and unbalanced quotes', async () => {
  const dir = tmpDir();
  try {
    const missing = await runCli(['audit', '--config', path.join(dir, 'nope.conf')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read config file/);
    const file = path.join(dir, 'q.conf');
    fs.writeFileSync(file, 'bind 127.0.0.1\nrequirepass "unterminated\n');
    const r = await auditJson(['--config', file]);
    assert.equal(find(r.findings, 'audit-incomplete')?.severity, 'low');
    assert.match(find(r.findings, 'audit-incomplete')!.evidence, /q\.conf:2: unbalanced quotes/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');

function testConfig(file: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, file, '--test-config'], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, out: stdout + stderr });
    });
  });
}

test('harden: files 0600, passwords printed once and stored as SHA-256 digests, output audits clean and loads in Redoubt', async () => {
  const dir = path.join(tmpDir(), 'out');
  try {
    const h = await runCli(['harden', '--out-dir', dir, '--app', 'cache=cache:', '--app', 'sessions=sess:,tok:', '--admin', 'ops', '--allow-from', '10.0.5.20']);
    assert.equal(h.code, 0, h.stderr);
    // Allowed from 10.0.5.20 but bound to loopback only: contradictory, said so.
    assert.match(h.stderr, /^warning: --allow-from 10\.0\.5\.20 but bound to loopback only .*cannot connect; add --bind/m);
    const conf = path.join(dir, 'redoubt.conf');
    const acl = path.join(dir, 'users.acl');
    assert.equal(fs.statSync(conf).mode & 0o777, 0o600);
    assert.equal(fs.statSync(acl).mode & 0o777, 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    const pw = new Map([...h.stdout.matchAll(/^ {2}(\S+) ([0-9a-f]{64})$/gm)].map((m) => [m[1]!, m[2]!]));
    assert.deepEqual([...pw.keys()].sort(), ['cache', 'ops', 'sessions']);
    assert.equal(new Set(pw.values()).size, 3, 'every password differs');
    const aclText = fs.readFileSync(acl, 'utf8');
    for (const [user, pass] of pw) {
      assert.ok(!aclText.includes(pass) && !fs.readFileSync(conf, 'utf8').includes(pass), `${user}'s password is stored in clear`);
      assert.ok(aclText.includes(`user ${user} on #${crypto.createHash('sha256').update(pass).digest('hex')} `), `${user}'s digest`);
    }
    assert.match(aclText, /^user default off /m);
    assert.match(aclText, /^user sessions on #[0-9a-f]{64} resetkeys ~sess:\* ~tok:\* resetchannels &sess:\* &tok:\* \+@all -@dangerous$/m);
    const confText = fs.readFileSync(conf, 'utf8');
    assert.match(confText, /^bind 127\.0\.0\.1 -::1$/m);
    assert.match(confText, /^protected-mode yes$/m);
    assert.match(confText, /^source-allowlist 10\.0\.5\.20 127\.0\.0\.1\/32 ::1\/128$/m);
    assert.match(confText, /^# {3}ufw allow from 10\.0\.5\.20 to any port 6379 proto tcp$/m);
    assert.doesNotMatch(confText, /^tls-/m, 'no TLS lines without certificates');

    const r = await auditJson(['--config', conf]);
    assert.equal(r.code, 0, JSON.stringify(r.findings));
    assert.deepEqual(ids(r.findings), ['admin-user', 'no-tls']);

    // Redoubt itself accepts the generated config.
    const tc = await testConfig(conf);
    assert.equal(tc.code, 0, tc.out);
    assert.match(tc.out, /Configuration OK/);

    // Files are not overwritten without --force.
    const again = await runCli(['harden', '--out-dir', dir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists \(use --force/);
  } finally {
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('harden with certificates: TLS only, mTLS, private bind; audits clean', async () => {
  const dir = tmpDir();
  try {
    const h = await runCli([
      'harden', '--out-dir', dir, '--bind', '127.0.0.1', '--bind', '10.0.5.15', '--port', '6379', '--app', 'app_cache=cache:',
      '--ca-cert', '/etc/redis/tls/ca.crt', '--cert', '/etc/redis/tls/redis.crt', '--key', '/etc/redis/tls/redis.key',
    ]);
    assert.equal(h.code, 0, h.stderr);
    assert.equal(h.stderr, '', 'no warning when TLS covers the private address');
    const confText = fs.readFileSync(path.join(dir, 'redoubt.conf'), 'utf8');
    for (const line of ['bind 127.0.0.1 10.0.5.15', 'port 0', 'tls-port 6379', 'tls-cert-file /etc/redis/tls/redis.crt', 'tls-key-file /etc/redis/tls/redis.key', 'tls-ca-cert-file /etc/redis/tls/ca.crt', 'tls-auth-clients yes']) {
      assert.ok(confText.split('\n').includes(line), `missing line: ${line}`);
    }
    const r = await auditJson(['--config', path.join(dir, 'redoubt.conf')]);
    assert.equal(r.code, 0, JSON.stringify(r.findings));
    assert.deepEqual(ids(r.findings), ['admin-user']);

    // A private bind without certificates is written with a warning, and the audit flags it.
    const plain = path.join(dir, 'plain');
    const w = await runCli(['harden', '--out-dir', plain, '--bind', '10.0.5.15']);
    assert.equal(w.code, 0);
    assert.match(w.stderr, /without TLS/);
    const r2 = await auditJson(['--config', path.join(plain, 'redoubt.conf')]);
    assert.equal(r2.code, 1);
    assert.ok(ids(r2.findings).includes('non-loopback-without-tls'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('harden: bad flags exit 2 and write nothing', async () => {
  const dir = path.join(tmpDir(), 'out');
  try {
    const bad = [['--bind', '0.0.0.0'], ['--app', 'bad name=x'], ['--app', 'x=pre*'], ['--cert', '/tmp/a.crt'], ['--allow-from', 'not-an-ip'], ['--port', '70000']];
    // the children run side by side (each is mostly node's start-up); none may write anything
    const results = await Promise.all(bad.map((args) => runCli(['harden', '--out-dir', dir, ...args])));
    bad.forEach((args, i) => assert.equal(results[i]!.code, 2, `${args.join(' ')}: ${results[i]!.stderr}`));
    assert.ok(!fs.existsSync(path.join(dir, 'redoubt.conf')), 'no bad flag wrote the config');
    const noDir = await runCli(['harden']);
    assert.equal(noDir.code, 2);
    assert.match(noDir.stderr, /--out-dir/);
  } finally {
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('--help for each subcommand', async () => {
  const subs = [['audit', '--cacert'], ['harden', '--allow-from'], ['certs', '--client-user']] as const;
  const helps = await Promise.all(subs.map(([sub]) => runCli([sub, '--help'])));
  for (const [i, [sub, flag]] of subs.entries()) {
    const r = helps[i]!;
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`Usage: redoubt ${sub}`));
    assert.ok(r.stdout.includes(flag), `${sub} --help lists ${flag}`);
  }
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /audit[\s\S]*harden[\s\S]*certs/);
});

test('harden --replica-of: a replica config with the replication user that audits clean and loads', async () => {
  const dir = tmpDir();
  try {
    // the primary: a least-privilege replication user, its password printed once
    const p = await runCli(['harden', '--out-dir', path.join(dir, 'primary'), '--replication-user', 'repl']);
    assert.equal(p.code, 0, p.stderr);
    const replPass = /^ {2}repl ([0-9a-f]{64})$/m.exec(p.stdout)?.[1];
    assert.ok(replPass !== undefined, p.stdout);
    const primaryAcl = fs.readFileSync(path.join(dir, 'primary', 'users.acl'), 'utf8');
    assert.match(primaryAcl, /^user repl on #[0-9a-f]{64} resetkeys resetchannels -@all \+psync \+replconf \+ping$/m);
    const authFile = path.join(dir, 'repl.pass');
    fs.writeFileSync(authFile, replPass + '\n', { mode: 0o600 });
    // the replica, over TLS to a private address
    const out = path.join(dir, 'replica');
    const r = await runCli([
      'harden', '--out-dir', out, '--replica-of', '10.0.5.15:6379', '--replication-user', 'repl', '--master-auth-file', authFile,
      '--ca-cert', '/etc/redis/tls/ca.crt', '--cert', '/etc/redis/tls/redis.crt', '--key', '/etc/redis/tls/redis.key',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /repl [0-9a-f]{64}/, 'a given password is not printed again');
    const confText = fs.readFileSync(path.join(out, 'redoubt.conf'), 'utf8');
    for (const line of ['replicaof 10.0.5.15 6379', 'masteruser repl', `masterauth ${replPass}`, 'replica-read-only yes', 'tls-replication yes']) {
      assert.ok(confText.split('\n').includes(line), `missing line: ${line}`);
    }
    assert.equal(/^user repl .*$/m.exec(fs.readFileSync(path.join(out, 'users.acl'), 'utf8'))?.[0], /^user repl .*$/m.exec(primaryAcl)?.[0]);
    const a = await auditJson(['--config', path.join(out, 'redoubt.conf')]);
    assert.equal(a.code, 0, JSON.stringify(a.findings));
    assert.ok(!ids(a.findings).includes('masterauth-without-tls') && !ids(a.findings).includes('replica-writable'));
    // a loopback replica without certificates loads in Redoubt
    const local = path.join(dir, 'local');
    const l = await runCli(['harden', '--out-dir', local, '--port', '6380', '--replica-of', '127.0.0.1:6379', '--master-auth-file', authFile]);
    assert.equal(l.code, 0, l.stderr);
    assert.match(fs.readFileSync(path.join(local, 'redoubt.conf'), 'utf8'), /^masteruser replica$/m);
    const la = await auditJson(['--config', path.join(local, 'redoubt.conf')]);
    assert.equal(la.code, 0, JSON.stringify(la.findings));
    const tc = await testConfig(path.join(local, 'redoubt.conf'));
    assert.equal(tc.code, 0, tc.out);
    // refused: a remote primary without TLS, no password file
    const bad = await Promise.all([
      runCli(['harden', '--out-dir', path.join(dir, 'b1'), '--replica-of', '10.0.5.15:6379', '--master-auth-file', authFile]),
      runCli(['harden', '--out-dir', path.join(dir, 'b2'), '--replica-of', '127.0.0.1:6379']),
      runCli(['harden', '--out-dir', path.join(dir, 'b3'), '--replica-of', '127.0.0.1', '--master-auth-file', authFile]),
    ]);
    for (const b of bad) assert.equal(b.code, 2, b.stderr);
    assert.match(bad[0]!.stderr, /cleartext/);
    assert.ok(!fs.existsSync(path.join(dir, 'b1')), 'nothing written');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('audit --config on gateway configs: passwords to a remote upstream or Sentinel without TLS, an upstream reached without credentials, the passwords in a readable file (never printed)', async () => {
  const dir = tmpDir();
  try {
    const base = 'bind 127.0.0.1 -::1\nport 6379\nuser default off\nuser admin on #' + crypto.createHash('sha256').update('x').digest('hex') + ' ~* &* +@all\n';
    const write = (name: string, text: string, mode: number): string => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, base + text);
      fs.chmodSync(file, mode);
      return file;
    };
    const remote = write('remote.conf', 'gateway-upstream 10.0.5.15:6379 10.0.5.16:6379\ngateway-upstream-user gw\ngateway-upstream-pass Gw-Upstream-Secret-1\n', 0o644);
    const sentinel = write('sentinel.conf', 'gateway-sentinel 10.0.5.20:26379\ngateway-sentinel 127.0.0.1:26379\ngateway-sentinel-master main\ngateway-sentinel-pass Gw-Sentinel-Secret-2\n', 0o600);
    const good = write(
      'good.conf',
      'gateway-upstream 10.0.5.15:6379\ngateway-upstream-user gw\ngateway-upstream-pass Gw-Upstream-Secret-1\ngateway-upstream-tls yes\ngateway-upstream-tls-ca-cert-file /etc/redoubt/ca.crt\n',
      0o600,
    );
    const local = write('local.conf', 'gateway-upstream 127.0.0.1:7000\n', 0o600);
    const [r, s, g, l] = await Promise.all([auditJson(['--config', remote]), auditJson(['--config', sentinel]), auditJson(['--config', good]), auditJson(['--config', local])]);

    const clear = find(r.findings, 'gateway-password-without-tls')!;
    assert.equal(clear.severity, 'high');
    assert.equal(clear.evidence, 'gateway-upstream 10.0.5.15:6379 10.0.5.16:6379 with gateway-upstream-pass set and gateway-upstream-tls no');
    assert.ok(clear.fix.includes('gateway-upstream-tls yes'));
    const readable = find(r.findings, 'plaintext-secret-readable')!;
    assert.equal(readable.severity, 'high');
    assert.match(readable.evidence, /^mode 0644; line 7: gateway-upstream-pass$/);
    assert.ok(!ids(r.findings).includes('gateway-upstream-unauthenticated'));

    // every gateway-sentinel line counts; the data nodes are reached without credentials
    const sClear = s.findings.filter((f) => f.id === 'gateway-password-without-tls');
    assert.deepEqual(sClear.map((f) => f.evidence), ['gateway-sentinel 10.0.5.20:26379 with gateway-sentinel-pass set and gateway-upstream-tls no']);
    assert.match(sClear[0]!.title, /Sentinel password/);
    assert.equal(find(s.findings, 'gateway-upstream-unauthenticated')!.severity, 'medium');
    assert.ok(!ids(s.findings).includes('plaintext-secret-readable'), 'owner-only file');

    assert.deepEqual(g.findings.filter((f) => f.id.startsWith('gateway-') || f.id.startsWith('plaintext-')), []);
    assert.equal(find(l.findings, 'gateway-upstream-unauthenticated')!.severity, 'low', 'a loopback upstream: only local processes get around the gateway');
    for (const out of [r, s, g, l]) assert.ok(!out.raw.includes('Gw-Upstream-Secret-1') && !out.raw.includes('Gw-Sentinel-Secret-2'), 'a password printed');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
