/**
 * syslog-enabled (issue 15 item 11): the server log and the security events reach the local
 * syslog socket through a util-linux `logger` child. The socket here is the test's own unix
 * datagram listener (a small python3 script appending each datagram to a file), named by the
 * Redoubt directive `syslog-socket`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/redis-oracle.js';
import { ConfigStore } from '../../src/config/config-store.js';
import { configTable } from '../../src/config/config-table.js';
import { formatFatalConfigError, loadConfigText, type ConfigLineError } from '../../src/config/config-file.js';
import { eventSeverity } from '../../src/security/security-events.js';
import { startServer } from '../../src/server/server.js';
import { loggerOnPath, SYSLOG_FACILITIES, SyslogOutput, syslogLine, syslogPri } from '../../src/server/syslog-output.js';
import { RawClient } from '../helpers/raw-client.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const LISTENER = `
import socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("ready", flush=True)
with open(out, "ab") as f:
    while True:
        d = s.recv(65536)
        f.write(d.replace(b"\\n", b" ") + b"\\n")
        f.flush()
`;

const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;
const hasLogger = loggerOnPath();
const skipWhy = !hasPython ? 'python3 is not available' : !hasLogger ? "util-linux 'logger' is not on PATH" : null;
if (skipWhy !== null) process.stderr.write(`\n*** SKIPPING the syslog end-to-end test: ${skipWhy} ***\n\n`);

/** The test's syslog socket: each datagram appended to `out` as one line. */
async function startListener(sock: string, out: string): Promise<ChildProcess> {
  const listener = spawn('python3', ['-c', LISTENER, sock, out], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    listener.stdout!.once('data', () => resolve());
    listener.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
  });
  return listener;
}

function receivedLines(out: string): string[] {
  return existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((l) => l !== '') : [];
}

async function until<T>(what: string, probe: () => T | null, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('PRI is facility * 8 + severity, for every facility Redis accepts', () => {
  assert.equal(syslogPri('local3', 'warning'), 19 * 8 + 4);
  assert.equal(syslogPri('local3', 'notice'), 19 * 8 + 5);
  assert.equal(syslogPri('local0', 'info'), 16 * 8 + 6);
  assert.equal(syslogPri('user', 'debug'), 1 * 8 + 7);
  assert.equal(syslogPri('local7', 'warning'), 23 * 8 + 4);
  // the table covers exactly the values the syslog-facility directive accepts
  assert.deepEqual(Object.keys(SYSLOG_FACILITIES).sort(), [...configTable.find((d) => d.name === 'syslog-facility')!.values!].sort());
  assert.throws(() => syslogPri('kern', 'notice'), RangeError);
});

test('a message is one line: CR and LF inside it cannot start another message', () => {
  const line = syslogLine(156, 'user "a\r\n<0>forged" failed\nagain\r');
  assert.equal(line, '<156>user "a  <0>forged" failed again \n');
  assert.equal(line.split('\n').length, 2);
});

test('event severities: refusals and failures are warnings, the rest notices', () => {
  for (const t of ['auth-failure', 'acl-denied', 'admission-refused', 'tls-refused', 'auth-throttled', 'auth-spike-start', 'events-suppressed'] as const) {
    assert.equal(eventSeverity(t), 'warning', t);
  }
  for (const t of ['auth-success', 'config-changed', 'acl-changed', 'dangerous-command', 'auth-spike-end'] as const) {
    assert.equal(eventSeverity(t), 'notice', t);
  }
});

test('syslog-enabled yes without logger on PATH is a fatal config error naming the line', () => {
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent-dir';
  let err: ReturnType<typeof loadConfigText>;
  try {
    assert.equal(loggerOnPath(), false);
    err = loadConfigText(new ConfigStore(configTable), 'port 0\nsyslog-enabled yes\n');
  } finally {
    process.env.PATH = saved;
  }
  assert.ok(err !== null && 'lineNumber' in err, 'the config must be refused');
  const text = formatFatalConfigError(err as ConfigLineError);
  assert.match(text, /at line 2\n>>> 'syslog-enabled yes'\n/);
  assert.match(text, /logger/);
  // with logger on PATH (and "no" in any case) the same text loads
  assert.equal(loadConfigText(new ConfigStore(configTable), 'port 0\nsyslog-enabled no\n'), null);
});

test('syslog-* and syslog-socket cannot be changed by CONFIG SET (immutable, as in Redis)', () => {
  for (const name of ['syslog-enabled', 'syslog-ident', 'syslog-facility', 'syslog-socket']) {
    const def = configTable.find((d) => d.name === name);
    assert.ok(def?.flags?.includes('immutable'), name);
    assert.equal(def?.status, 'active', name);
  }
});

test('the log and the security events reach the syslog socket with PRI, ident and event JSON', { skip: skipWhy ?? false, timeout: 60_000 }, async () => {
  const dir = scratchDir();
  const sock = join(dir, 'log.sock');
  const out = join(dir, 'received.txt');
  const listener = await startListener(sock, out);
  try {
    const running = await startServer({
      port: 0,
      config: [
        ['dir', dir],
        ['syslog-enabled', 'yes'],
        ['syslog-ident', 'redoubt-test'],
        ['syslog-facility', 'local3'],
        ['syslog-socket', sock],
        ['requirepass', 'right-password'],
      ],
    });
    const { server } = running;
    assert.ok(server.syslog !== null);
    const c = await RawClient.connect(running.port);
    try {
      assert.match(await c.call('AUTH', 'wrong-password'), /^-WRONGPASS/);
      assert.equal(await c.call('AUTH', 'right-password'), '+OK\r\n');
      assert.equal(await c.call('ACL', 'SETUSER', 'limited', 'on', '>limited-pw', '+ping', '~*'), '+OK\r\n');
      assert.equal(await c.call('AUTH', 'limited', 'limited-pw'), '+OK\r\n');
      assert.match(await c.call('GET', 'k'), /^-NOPERM/);
    } finally {
      c.close();
    }
    const received = (): string[] => receivedLines(out);
    const find = (re: RegExp): string | null => received().find((l) => re.test(l)) ?? null;

    // logger's local format: <PRI>timestamp ident: message
    const authLine = await until('the auth-failure event', () => find(/"type":"auth-failure"/));
    assert.match(authLine, new RegExp(`^<${19 * 8 + 4}>.* redoubt-test: \\{"ts":"[^"]+","type":"auth-failure",.*"user":"default"`));
    assert.doesNotMatch(authLine, /wrong-password/);
    const deniedLine = await until('the acl-denied event', () => find(/"type":"acl-denied"/));
    assert.match(deniedLine, new RegExp(`^<${19 * 8 + 4}>.* redoubt-test: \\{.*"user":"limited"`));
    // a notice-level event: the successful logins
    const okLine = await until('the auth-success event', () => find(/"type":"auth-success"/));
    assert.match(okLine, new RegExp(`^<${19 * 8 + 5}>.* redoubt-test: \\{`));
    // the server log's start-up line, at notice (local3.notice)
    const startLine = await until('the start-up log line', () => find(/Syslog output: the log and the security events/));
    assert.match(startLine, new RegExp(`^<${19 * 8 + 5}>.* redoubt-test: Syslog output: .*'${sock.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'.*facility local3`));

    // shutdown: the last log lines (warning) still arrive after the listeners closed
    await server.shutdown();
    const bye = await until('the shutdown log line', () => find(/ready to exit, bye bye/));
    assert.match(bye, new RegExp(`^<${19 * 8 + 4}>`));
    assert.equal(server.syslog.lost, 0);
    for (const l of received()) assert.match(l, /^<\d+>/, 'every datagram is one whole message');
  } finally {
    listener.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a logger child that dies is reported once, lines meanwhile are counted, and it restarts after 10 s', { skip: skipWhy ?? false, timeout: 60_000 }, async () => {
  const dir = scratchDir();
  const sock = join(dir, 'log.sock');
  const out = join(dir, 'received.txt');
  const listener = await startListener(sock, out);
  let now = 1_000_000;
  const warnings: string[] = [];
  const syslog = new SyslogOutput({ ident: 'redoubt-test', facility: 'user', socket: sock, clock: () => now, onStopped: (m) => void warnings.push(m) });
  try {
    syslog.send('notice', 'before the kill');
    await until('the first line', () => receivedLines(out).find((l) => l.includes('before the kill')) ?? null);
    const first = syslog.pid;
    assert.ok(first !== null);
    process.kill(first, 'SIGKILL');
    await until('the stop to be noticed', () => (syslog.pid === null ? true : null));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /Syslog output stopped: logger exited \(SIGKILL\).*syslog_lost_lines/);
    // within 10 s of the last start: no restart, every line is counted as lost
    now += 9_999;
    syslog.send('warning', 'lost one');
    syslog.send('warning', 'lost two');
    assert.equal(syslog.lost, 2);
    assert.equal(syslog.pid, null);
    // 10 s after the last start: the next line restarts the child and is delivered
    now += 1;
    syslog.send('warning', 'after the restart');
    assert.ok(syslog.pid !== null && syslog.pid !== first);
    const line = await until('the line after the restart', () => receivedLines(out).find((l) => l.includes('after the restart')) ?? null);
    assert.match(line, /^<12>.* redoubt-test: after the restart$/);
    assert.equal(syslog.lost, 2);
    assert.equal(warnings.length, 1, 'the stop is reported once');
    assert.ok(!receivedLines(out).some((l) => l.includes('lost one')));
  } finally {
    syslog.close();
    listener.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

test('redoubt-server: the first start-up lines, INFO and the last shutdown line go through syslog', { skip: skipWhy ?? false, timeout: 60_000 }, async () => {
  const dir = scratchDir();
  const sock = join(dir, 'log.sock');
  const out = join(dir, 'received.txt');
  const listener = await startListener(sock, out);
  const port = await freePort();
  const args = ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--syslog-enabled', 'yes', '--syslog-ident', 'redoubt-main'];
  const child = spawn(process.execPath, [MAIN, ...args, '--syslog-facility', 'local3', '--syslog-socket', sock], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    await until('the server to be ready', () => (/Ready to accept connections tcp\n/.test(stdout) ? true : null));
    const find = (re: RegExp): string | null => receivedLines(out).find((l) => re.test(l)) ?? null;
    // main.ts's first line, logged before the server exists
    const first = await until('the first start-up line', () => find(/Redoubt is starting/));
    assert.match(first, new RegExp(`^<${19 * 8 + 5}>.* redoubt-main: oO0OoO0OoO0Oo Redoubt is starting oO0OoO0OoO0Oo$`));
    await until('the ready line', () => find(/redoubt-main: Ready to accept connections tcp$/));
    // no longer listed as accepted without effect
    assert.doesNotMatch(stdout, /Accepted but without effect.*syslog/);
    const c = await RawClient.connect(port);
    try {
      assert.match(await c.call('INFO', 'security'), /\r\nsyslog_lost_lines:0\r\n/);
      assert.match(await c.call('CONFIG', 'SET', 'syslog-ident', 'other'), /^-ERR CONFIG SET failed \(possibly related to argument 'syslog-ident'\) - can't set immutable config/);
    } finally {
      c.close();
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const bye = await until('the last shutdown line', () => find(/bye bye/));
    assert.match(bye, new RegExp(`^<${19 * 8 + 4}>.* redoubt-main: Redoubt is now ready to exit, bye bye\.\.\.$`));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    listener.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('redoubt-server: syslog-enabled yes without logger on PATH stops the start with the FATAL block naming the line', async () => {
  const dir = scratchDir();
  try {
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, 'port 0\nsyslog-enabled yes\n');
    const child = spawn(process.execPath, [MAIN, conf], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: '/nonexistent-dir' } });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    assert.equal(code, 1);
    assert.match(stderr, /\*\*\* FATAL CONFIG FILE ERROR \(Redis 7\.2\.4\) \*\*\*\nReading the configuration file, at line 2\n>>> 'syslog-enabled yes'\n.*logger.*not on PATH/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
