/**
 * Listeners: several bind addresses, `-` optional ones, `*`, a failing address that
 * names itself and aborts, `port 0`, and the unix socket with its permissions (redis-cli
 * -s), both in-process and with the real binary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListenError, startServer } from '../../src/server/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePort } from '../helpers/redis-oracle.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

function hasIPv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('redis-cli', args, { encoding: 'latin1', timeout: 5000 }, (_e, so, se) => resolve(`${so}${se}`)));
}

test('several bind addresses, optional ones skipped with a warning when the machine lacks them', async () => {
  const lines: string[] = [];
  const srv = await startServer({ port: 0, config: [['bind', '127.0.0.1', '-10.9.9.9', '-::1']], logSink: { write: (l) => void lines.push(l) } });
  try {
    const addrs = srv.server.network.addresses('tcp');
    assert.ok(addrs.includes(`127.0.0.1:${srv.port}`), addrs.join(' '));
    assert.equal((await hasIPv6Loopback()) ? addrs.includes(`[::1]:${srv.port}`) : true, true);
    assert.ok(!addrs.some((a) => a.startsWith('10.9.9.9')));
    assert.match(lines.join(''), new RegExp(`Warning: Could not create server TCP listening socket 10\\.9\\.9\\.9:0: bind: Cannot assign requested address`));
    const c = await RawClient.connect(srv.port, '127.0.0.1');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
    // every address shares the port (the first one's when it was ephemeral)
    assert.equal(new Set(addrs.map((a) => a.slice(a.lastIndexOf(':') + 1))).size, 1);
  } finally {
    await srv.close();
  }
});

test('a mandatory address that cannot be bound fails the start, naming it, and leaves nothing open', async () => {
  const port = await freePort();
  const lines: string[] = [];
  await assert.rejects(
    startServer({ config: [['port', String(port)], ['bind', '127.0.0.1', '10.9.9.9']], logSink: { write: (l) => void lines.push(l) } }),
    (e: unknown) => e instanceof ListenError && e.reason === 'Cannot assign requested address',
  );
  const log = lines.join('');
  assert.match(log, new RegExp(`Warning: Could not create server TCP listening socket 10\\.9\\.9\\.9:${port}: bind: Cannot assign requested address`));
  assert.match(log, new RegExp(`Failed listening on port ${port} \\(tcp\\), aborting\\.`));
  // the 127.0.0.1 listener opened before the failure was closed again
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((r) => probe.close(() => r()));
});

test('bind * listens on every IPv4 address', async () => {
  const srv = await startServer({ port: 0, config: [['bind', '*']] });
  try {
    assert.deepEqual(srv.server.network.addresses('tcp'), [`0.0.0.0:${srv.port}`]);
    const c = await RawClient.connect(srv.port, '127.0.0.1');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
  } finally {
    await srv.close();
  }
});

test('unix socket: unixsocketperm applied, redis-cli -s served, CLIENT LIST shows the path, file removed on close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-unix-'));
  const path = join(dir, 'redoubt.sock');
  // no TCP at all: port 0 without the test's ephemeral port
  const srv = await startServer({ config: [['port', '0'], ['unixsocket', path], ['unixsocketperm', '700']] });
  try {
    assert.equal(srv.port, 0);
    assert.equal(statSync(path).isSocket(), true);
    assert.equal(statSync(path).mode & 0o777, 0o700);
    assert.equal((await redisCli(['-s', path, 'SET', 'k', 'over-unix'])).trim(), 'OK');
    assert.equal((await redisCli(['-s', path, 'GET', 'k'])).trim(), 'over-unix');
    const list = await redisCli(['-s', path, 'CLIENT', 'LIST']);
    assert.match(list, new RegExp(`addr=${path.replace(/[.]/g, '\\.')}:0 laddr=${path.replace(/[.]/g, '\\.')}:0 .*flags=U`));
    assert.deepEqual((await redisCli(['-s', path, 'CONFIG', 'GET', 'unixsocket'])).trim().split('\n'), ['unixsocket', path]);
  } finally {
    await srv.close();
    assert.equal(existsSync(path), false, 'the socket file is removed on close');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale socket file is replaced, but a regular file at the path is never deleted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-unix-'));
  const path = join(dir, 's.sock');
  try {
    const first = await startServer({ config: [['port', '0'], ['unixsocket', path]] });
    // simulate a crash: the first server forgets its listener, so the file stays behind
    const orphaned = first.server.network.servers.splice(0);
    const again = await startServer({ config: [['port', '0'], ['unixsocket', path]] });
    assert.equal((await redisCli(['-s', path, 'PING'])).trim(), 'PONG');
    await again.close();
    await first.close();
    for (const { srv } of orphaned) srv.close();
    const regular = join(dir, 'regular');
    const { writeFileSync, readFileSync } = await import('node:fs');
    writeFileSync(regular, 'keep me');
    await assert.rejects(startServer({ config: [['port', '0'], ['unixsocket', regular]] }), ListenError);
    assert.equal(readFileSync(regular, 'latin1'), 'keep me');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CONFIG SET unixsocket / unixsocketperm are refused at run time, as in Redis 7.2 (port, bind, tls-port: config-rebind.test.ts)', async () => {
  const srv = await startServer({ port: 0 });
  const c = await RawClient.connect(srv.port);
  try {
    for (const name of ['unixsocket', 'unixsocketperm']) {
      assert.equal(
        await c.call('CONFIG', 'SET', name, name === 'unixsocket' ? '/tmp/x.sock' : '700'),
        `-ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config\r\n`,
      );
    }
  } finally {
    c.close();
    await srv.close();
  }
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runToExit(args: string[], timeoutMs = 10_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: scratchDir() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('the real binary: a bind failure names the address and exits 1; port 0 alone listens nowhere', async () => {
  const port = await freePort();
  const r = await runToExit(['--port', String(port), '--bind', '127.0.0.1', '10.9.9.9', '--save', '']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`# Warning: Could not create server TCP listening socket 10\\.9\\.9\\.9:${port}: bind: Cannot assign requested address`));
  assert.match(r.stdout, new RegExp(`# Failed listening on port ${port} \\(tcp\\), aborting\\.`));
  assert.match(r.stderr, /Failed listening on port \d+ \(tcp\): Cannot assign requested address/);
  const nowhere = await runToExit(['--port', '0', '--save', '']);
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.stdout, /Configured to not listen anywhere, exiting\./);
});

test('the real binary with port 0 and a unix socket serves redis-cli -s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-unix-'));
  const path = join(dir, 'main.sock');
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--unixsocket', path, '--unixsocketperm', '770', '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'], cwd: scratchDir() });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  try {
    const deadline = Date.now() + 10_000;
    while (!out.includes('Ready to accept connections unix') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /Ready to accept connections unix/);
    assert.doesNotMatch(out, /Ready to accept connections tcp/);
    assert.equal(statSync(path).mode & 0o777, 0o770);
    assert.equal((await redisCli(['-s', path, 'PING'])).trim(), 'PONG');
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
