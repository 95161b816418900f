/**
 * CONFIG SET port / bind / tls-port at run time (server/listener-config.ts): the new
 * listener is opened first, the old one closes only then, established connections stay;
 * a failure answers Redis's error and leaves the old listener serving. The rebound
 * listener is guarded as at start-up (protected mode, TLS client certificates), the
 * "Security: listening on" line is logged again and CONFIG REWRITE writes the new values.
 * Error texts are compared with redis-server 7.0.15 (same in 7.2.4's config.c).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { ConfigStore } from '../../src/config/config-store.js';
import { configTable } from '../../src/config/config-table.js';
import { loadConfigText } from '../../src/config/config-file.js';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, freePort, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { makeTestPki, tlsDirectives } from '../helpers/tls-certs.js';

/** Sends PING on a fresh connection: the reply's bytes, or the connection error's code. */
function pingAt(host: string, port: number, localAddress?: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, localAddress });
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(got === '' ? 'TIMEOUT' : got);
    }, 5000);
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.endsWith('\r\n')) {
        clearTimeout(timer);
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(got !== '' ? got : (e.code ?? e.message));
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got === '' ? 'CLOSED' : got);
    });
  });
}

/** A listener holding a free port (the "port in use" case). */
async function occupy(): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => srv.listen({ host: '127.0.0.1', port, exclusive: true }, r));
  return { port, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

function hasIPv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

/** An address of this machine beyond loopback (a source that protected mode refuses), or null. */
function nonLoopbackAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

const PORT_ERROR = "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n";
const BIND_ERROR = "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n";

test('CONFIG SET port: new connections on the new port, the old one refuses, an open connection stays; REWRITE writes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-rebind-'));
  const file = join(dir, 'redis.conf');
  writeFileSync(file, `dir ${dir}\n`);
  const store = new ConfigStore(configTable);
  assert.equal(loadConfigText(store, readFileSync(file, 'latin1')), null);
  store.configFile = file;
  const lines: string[] = [];
  const srv = await startTestServer({ store, logSink: { write: (l) => void lines.push(l) } });
  const oldPort = srv.port;
  const events: string[] = [];
  srv.server.security.events.listener = (l) => void events.push(l);
  const c = await RawClient.connect(oldPort);
  try {
    const newPort = await freePort();
    assert.equal(await c.call('CONFIG', 'SET', 'port', String(newPort)), '+OK\r\n');
    // the security event of a configuration change, once the new listener is up
    const changed = events.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e['type'] === 'config-changed');
    assert.equal(changed.length, 1, events.join('\n'));
    assert.equal(changed[0]!['config.port'], String(newPort));
    assert.equal(await pingAt('127.0.0.1', newPort), '+PONG\r\n');
    assert.equal(await pingAt('127.0.0.1', oldPort), 'ECONNREFUSED');
    // the connection made before the change is still served
    assert.equal(await c.call('PING'), '+PONG\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'port'), `*2\r\n$4\r\nport\r\n$${String(newPort).length}\r\n${newPort}\r\n`);
    assert.ok(
      lines.some((l) => l.includes(`Security: listening on 127.0.0.1:${newPort}`) && l.includes(`tcp port ${newPort}`)),
      lines.join('\n'),
    );
    assert.equal(await c.call('CONFIG', 'REWRITE'), '+OK\r\n');
    assert.match(readFileSync(file, 'latin1'), new RegExp(`^port ${newPort}$`, 'm'));
    // pipelined behind the change: answered after it, in order
    const third = await freePort();
    c.write(RawClient.encode(['CONFIG', 'SET', 'port', String(third)]) + RawClient.encode(['CONFIG', 'GET', 'port']) + RawClient.encode(['PING']));
    assert.equal(await c.readReply(), '+OK\r\n');
    assert.equal(await c.readReply(), `*2\r\n$4\r\nport\r\n$${String(third).length}\r\n${third}\r\n`);
    assert.equal(await c.readReply(), '+PONG\r\n');
    assert.equal(await pingAt('127.0.0.1', third), '+PONG\r\n');
  } finally {
    c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CONFIG SET port to a port in use: Redis\'s error, nothing changes, the old port still serves', async () => {
  const srv = await startTestServer();
  const busy = await occupy();
  const c = await RawClient.connect(srv.port);
  const before = srv.server.network.addresses('tcp');
  try {
    assert.equal(await c.call('CONFIG', 'SET', 'port', String(busy.port)), PORT_ERROR);
    assert.equal(await c.call('CONFIG', 'GET', 'port'), `*2\r\n$4\r\nport\r\n$${String(srv.port).length}\r\n${srv.port}\r\n`);
    assert.equal(await pingAt('127.0.0.1', srv.port), '+PONG\r\n');
    assert.ok(before.includes(`127.0.0.1:${srv.port}`), before.join(' '));
    assert.deepEqual(srv.server.network.addresses('tcp'), before);
    // several names at once: all or nothing (maxmemory set before port is put back)
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '12345', 'port', String(busy.port)), PORT_ERROR);
    assert.equal(await c.call('CONFIG', 'GET', 'maxmemory'), '*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n');
  } finally {
    c.close();
    await busy.close();
    await srv.close();
  }
});

test('CONFIG SET port inside MULTI/EXEC is refused and changes nothing', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const newPort = await freePort();
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'port', String(newPort)), '+QUEUED\r\n');
    assert.equal(await c.call('EXEC'), "*1\r\n-ERR CONFIG SET failed (possibly related to argument 'port') - cannot be changed inside MULTI/EXEC\r\n");
    assert.equal(await pingAt('127.0.0.1', newPort), 'ECONNREFUSED');
    assert.equal(await pingAt('127.0.0.1', srv.port), '+PONG\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('CONFIG SET bind moves between 127.0.0.1 and ::1; an address the machine lacks is refused as by Redis', async (t) => {
  const srv = await startTestServer({ config: [['bind', '127.0.0.1']] });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CONFIG', 'SET', 'bind', '192.0.2.254'), BIND_ERROR);
    assert.equal(await pingAt('127.0.0.1', srv.port), '+PONG\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'bind'), '*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.1\r\n');
    // to every IPv4 address on the same port: collides with the 127.0.0.1 listener, so that
    // one closes first (Redis's order); then back
    assert.equal(await c.call('CONFIG', 'SET', 'bind', '*'), '+OK\r\n');
    assert.deepEqual(srv.server.network.addresses('tcp'), [`0.0.0.0:${srv.port}`]);
    assert.equal(await pingAt('127.0.0.1', srv.port), '+PONG\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1'), '+OK\r\n');
    assert.deepEqual(srv.server.network.addresses('tcp'), [`127.0.0.1:${srv.port}`]);
    if (!(await hasIPv6Loopback())) {
      t.skip('no IPv6 loopback on this machine: the move to ::1 cannot be tested');
      return;
    }
    assert.equal(await c.call('CONFIG', 'SET', 'bind', '::1'), '+OK\r\n');
    assert.equal(await pingAt('::1', srv.port), '+PONG\r\n');
    assert.equal(await pingAt('127.0.0.1', srv.port), 'ECONNREFUSED');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    // both: the ::1 listener is kept, 127.0.0.1 is added on the same port
    assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 ::1'), '+OK\r\n');
    assert.deepEqual(srv.server.network.addresses('tcp').sort(), [`127.0.0.1:${srv.port}`, `[::1]:${srv.port}`]);
    assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1'), '+OK\r\n');
    assert.equal(await pingAt('::1', srv.port), 'ECONNREFUSED');
    assert.equal(await pingAt('127.0.0.1', srv.port), '+PONG\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('CONFIG SET bind beyond loopback with protected mode on refuses that source exactly as a start-up bind does', async (t) => {
  const ip = nonLoopbackAddress();
  if (ip === null) {
    t.skip('no non-loopback IPv4 address on this machine');
    return;
  }
  const lines: string[] = [];
  const rebound = await startTestServer({ config: [['bind', '127.0.0.1']], logSink: { write: (l) => void lines.push(l) } });
  const atStart = await startTestServer({ config: [['bind', `127.0.0.1 ${ip}`]] });
  const c = await RawClient.connect(rebound.port);
  try {
    assert.equal(await c.call('CONFIG', 'SET', 'bind', `127.0.0.1 ${ip}`), '+OK\r\n');
    const expected = await pingAt(ip, atStart.port, ip);
    assert.match(expected, /^-DENIED /);
    assert.equal(await pingAt(ip, rebound.port, ip), expected);
    assert.ok(lines.some((l) => l.includes(`Security: listening on 127.0.0.1:${rebound.port}, ${ip}:${rebound.port}`)), lines.join('\n'));
    // protected mode off: the exposure warning is logged with the new listening line
    assert.equal(await c.call('CONFIG', 'SET', 'protected-mode', 'no'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'bind', ip), '+OK\r\n');
    assert.ok(lines.some((l) => l.includes('WARNING: protected mode is off')), lines.join('\n'));
  } finally {
    c.close();
    await rebound.close();
    await atStart.close();
  }
});

test('CONFIG SET tls-port turns TLS on with the configured certificates (client certificates required) and off again', async () => {
  const pki = makeTestPki();
  const srv = await startTestServer({ config: [['tls-port', '0'], ...tlsDirectives(pki, 'yes')] });
  const c = await RawClient.connect(srv.port);
  const tlsPing = (port: number, withCert: boolean): Promise<string> =>
    new Promise((resolve) => {
      const s = tls.connect({
        host: '127.0.0.1',
        port,
        ca: readFileSync(pki.caCert),
        servername: 'localhost',
        ...(withCert ? { cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) } : {}),
      });
      let got = '';
      const done = (v: string) => {
        clearTimeout(timer);
        s.destroy();
        resolve(v);
      };
      const timer = setTimeout(() => done(got === '' ? 'TIMEOUT' : got), 5000);
      s.on('secureConnect', () => s.write('PING\r\n'));
      s.on('data', (d) => {
        got += d.toString('latin1');
        if (got.endsWith('\r\n')) done(got);
      });
      s.on('error', (e: NodeJS.ErrnoException) => done(got !== '' ? got : (e.code ?? e.message)));
      s.on('close', () => done(got === '' ? 'CLOSED' : got));
    });
  try {
    const tlsPort = await freePort();
    assert.equal(await c.call('CONFIG', 'SET', 'tls-port', String(tlsPort)), '+OK\r\n');
    assert.equal(await tlsPing(tlsPort, true), '+PONG\r\n');
    // tls-auth-clients yes holds on the listener opened at run time
    assert.notEqual(await tlsPing(tlsPort, false), '+PONG\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'tls-port', '0'), '+OK\r\n');
    assert.equal(await tlsPing(tlsPort, true), 'ECONNREFUSED');
    assert.equal(await c.call('PING'), '+PONG\r\n');
  } finally {
    c.close();
    await srv.close();
    pki.cleanup();
  }
});

test('the same error texts as redis-server for a busy port, an unbindable address, TLS without certificates and the immutable unix socket', { skip: findRedisServer() === null ? NO_ORACLE_MESSAGE : false }, async () => {
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const busy = await occupy();
  const a = await RawClient.connect(oracle.port);
  const b = await RawClient.connect(srv.port);
  try {
    const cases: string[][] = [
      ['CONFIG', 'SET', 'port', String(busy.port)],
      ['CONFIG', 'SET', 'bind', '192.0.2.254'],
      // no certificate configured: TLS cannot start
      ['CONFIG', 'SET', 'tls-port', String(busy.port)],
      ['CONFIG', 'SET', 'unixsocket', join(tmpdir(), 'redoubt-never.sock')],
      ['CONFIG', 'SET', 'unixsocketperm', '700'],
    ];
    for (const argv of cases) {
      const fromRedis = await a.call(...argv);
      assert.match(fromRedis, /^-ERR CONFIG SET failed/, argv.join(' '));
      assert.equal(await b.call(...argv), fromRedis, argv.join(' '));
    }
    // both still serve on their old ports
    assert.equal(await pingAt('127.0.0.1', oracle.port), '+PONG\r\n');
    assert.equal(await pingAt('127.0.0.1', srv.port), '+PONG\r\n');
  } finally {
    a.close();
    b.close();
    await busy.close();
    await srv.close();
    await oracle.stop();
  }
});
