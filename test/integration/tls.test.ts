/**
 * TLS with real clients (ioredis, node-redis, Debian's redis-cli --tls), client
 * certificate modes, certificate rotation by CONFIG SET and by file change with open
 * connections surviving, session caching, and start-up failures of the real binary.
 * Certificates are made per test run by `openssl` (test/helpers/tls-certs.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer } from '../../src/server/server.js';
import { certificateIdentities } from '../../src/tls/cert-identity.js';
import { makeTestPki, tlsDirectives, type TestPki } from '../helpers/tls-certs.js';
import { serialOf, tlsAttempt } from '../helpers/tls-client.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePort } from '../helpers/redis-oracle.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
let pki: TestPki;

before(() => {
  pki = makeTestPki();
});
after(() => pki.cleanup());

function tlsIoredis(port: number, withCert = true): Redis {
  return new Redis({
    port,
    host: '127.0.0.1',
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    tls: {
      ca: readFileSync(pki.caCert),
      servername: 'localhost',
      ...(withCert ? { cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) } : {}),
    },
  });
}

function redisCli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('redis-cli', args, { encoding: 'latin1', timeout: 5000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, out: stdout + stderr });
    });
  });
}

test('TLS beside plaintext: ioredis, node-redis and redis-cli with client certificates', async () => {
  const srv = await startServer({ port: 0, tlsPort: 0, config: tlsDirectives(pki, 'yes') });
  const io = tlsIoredis(srv.tlsPort);
  const nr = createClient({
    socket: {
      host: '127.0.0.1',
      port: srv.tlsPort,
      tls: true,
      servername: 'localhost',
      ca: readFileSync(pki.caCert),
      cert: readFileSync(pki.clientCert),
      key: readFileSync(pki.clientKey),
      reconnectStrategy: false,
    },
  });
  nr.on('error', () => {});
  try {
    assert.notEqual(srv.tlsPort, 0);
    assert.notEqual(srv.tlsPort, srv.port);
    assert.equal(await io.set('k', 'via-ioredis'), 'OK');
    await nr.connect();
    assert.equal(await nr.get('k'), 'via-ioredis');
    assert.equal(await nr.set('k2', 'via-node-redis'), 'OK');
    const cli = await redisCli(['--tls', '--cacert', pki.caCert, '--cert', pki.clientCert, '--key', pki.clientKey, '-h', '127.0.0.1', '-p', String(srv.tlsPort), 'GET', 'k2']);
    assert.equal(cli.out.trim(), 'via-node-redis');
    // redis-cli without a client certificate is refused when tls-auth-clients is yes
    const noCert = await redisCli(['--tls', '--cacert', pki.caCert, '-h', '127.0.0.1', '-p', String(srv.tlsPort), 'GET', 'k2']);
    assert.doesNotMatch(noCert.out, /via-node-redis/);
    // plaintext on `port` still works beside TLS
    const raw = await RawClient.connect(srv.port);
    assert.equal(await raw.call('GET', 'k'), '$11\r\nvia-ioredis\r\n');
    raw.close();
    // TLS clients are ordinary clients: CLIENT LIST shows all of them
    const list = (await io.client('LIST')) as string;
    assert.ok(list.split('\n').filter((l) => l.length > 0).length >= 2);
    // issue 17 goal 5: a TLS write completes in a later turn, so each reply batch leaves in a
    // copy (connection.ts flush). Pipelined binary values of every size from 1 byte to past
    // the 16 KiB working buffer, and a batch whose replies queue behind each other, come
    // back byte for byte (reusing the buffer before the write completed would garble them).
    const values = Array.from({ length: 300 }, (_, i) => Buffer.from(Array.from({ length: ((i * 7919) % 33_000) + 1 }, (_, j) => (i + j * 31) & 0xff)));
    // one pipeline of SET i / GET i pairs: the client cuts it into 16 KiB TLS records, each
    // arriving as its own read with its own replies, so several flushes meet in one turn
    const batch = io.pipeline();
    values.forEach((v, i) => batch.set(`tls:bin:${i}`, v).getBuffer(`tls:bin:${i}`));
    const got = (await batch.exec()) ?? [];
    assert.equal(got.length, 2 * values.length);
    values.forEach((v, i) => {
      const [setErr, ok] = got[2 * i]!;
      const [getErr, r] = got[2 * i + 1]!;
      assert.equal(setErr, null);
      assert.equal(ok, 'OK');
      assert.equal(getErr, null);
      assert.ok(Buffer.isBuffer(r) && r.equals(v), `value ${i} (${v.length} bytes) came back changed`);
    });
    assert.equal(await io.config('GET', 'tls-port').then((r) => (r as string[])[1]), String(srv.tlsPort));
    assert.match(await io.info('server'), new RegExp(`\r\nlistener2:name=tls,bind=127\\.0\\.0\\.1,bind=-::1,port=${srv.tlsPort}\r\n`));
  } finally {
    io.disconnect();
    await nr.disconnect().catch(() => {});
    await srv.close();
  }
});

test('certificateIdentities reads the CN and SAN URI / DNS / email of a real client certificate', async () => {
  const id = pki.issue('identity-client', '/CN=app-user/O=Acme', { san: 'URI:spiffe://example.org/ns/prod/sa/app,DNS:app.internal,email:app@example.org,IP:10.0.0.7' });
  const srv = await startServer({ tlsPort: 0, config: [['port', '0'], ...tlsDirectives(pki, 'yes')] });
  const io = new Redis({
    port: srv.tlsPort,
    host: '127.0.0.1',
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    tls: { ca: readFileSync(pki.caCert), servername: 'localhost', cert: readFileSync(id.cert), key: readFileSync(id.key) },
  });
  try {
    assert.equal(await io.ping(), 'PONG');
    const conns = [...srv.server.connections.values()];
    assert.equal(conns.length, 1);
    const sock = conns[0]!.socket as tls.TLSSocket;
    assert.equal(sock.authorized, true);
    assert.deepEqual(certificateIdentities(sock.getPeerCertificate()), {
      cn: ['app-user'],
      uri: ['spiffe://example.org/ns/prod/sa/app'],
      dns: ['app.internal'],
      email: ['app@example.org'],
    });
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('TLS alone: port 0 disables plaintext, the TLS port serves', async () => {
  const srv = await startServer({ tlsPort: 0, config: [['port', '0'], ...tlsDirectives(pki, 'no')] });
  const io = tlsIoredis(srv.tlsPort, false);
  try {
    assert.equal(srv.port, 0, 'no plaintext listener');
    assert.equal(srv.server.network.servers.every((l) => l.kind === 'tls'), true);
    assert.equal(await io.ping(), 'PONG');
    assert.deepEqual(await io.config('GET', 'port'), ['port', '0']);
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('tls-auth-clients optional: no certificate is served, a certificate that fails verification is not', async () => {
  const srv = await startServer({ tlsPort: 0, config: [['port', '0'], ...tlsDirectives(pki, 'optional')] });
  try {
    const none = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, waitForBytes: 7 });
    assert.equal(none.reply, '+PONG\r\n');
    const good = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, waitForBytes: 7 });
    assert.equal(good.reply, '+PONG\r\n');
    const foreign = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.otherClientCert, key: pki.otherClientKey, request: 'SET pwned 1\r\n' });
    assert.equal(foreign.reply, '');
    const expired = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.expiredClientCert, key: pki.expiredClientKey, request: 'SET pwned 1\r\n' });
    assert.equal(expired.reply, '');
    assert.equal(srv.server.dbs[0]!.size, 0);
    assert.equal(srv.server.stats.tlsRejectedConnections, 2);
    // switched to `no` at run time: no certificate is requested at all
    srv.server.config.store(srv.server.config.def('tls-auth-clients')!, 'no');
    assert.equal(srv.server.tlsService.reload(), null);
    const after = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, waitForBytes: 7 });
    assert.equal(after.reply, '+PONG\r\n');
  } finally {
    await srv.close();
  }
});

test('TLS clients go through the same admission: maxclients answers over TLS after the handshake', async () => {
  const srv = await startServer({ tlsPort: 0, config: [['port', '0'], ['maxclients', '1'], ...tlsDirectives(pki, 'no')] });
  const first = tlsIoredis(srv.tlsPort, false);
  try {
    assert.equal(await first.ping(), 'PONG');
    const second = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, request: 'SET pwned 1\r\n' });
    assert.equal(second.handshake, true);
    assert.equal(second.reply, '-ERR max number of clients reached\r\n');
    assert.equal(srv.server.stats.rejectedConnections, 1);
    assert.equal(await first.exists('pwned'), 0);
  } finally {
    first.disconnect();
    await srv.close();
  }
});

/** Handshake with explicit client limits; resolves with the negotiated protocol and cipher, or the error. */
function negotiate(port: number, opts: tls.ConnectionOptions): Promise<{ protocol: string | null; cipher: string } | { error: string }> {
  return new Promise((resolve) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: readFileSync(pki.caCert), ...opts });
    s.on('secureConnect', () => {
      const r = { protocol: s.getProtocol(), cipher: s.getCipher().name };
      s.end();
      resolve(r);
    });
    s.on('error', (e) => resolve({ error: e.message }));
  });
}

test('tls-protocols, tls-ciphersuites, tls-ciphers and tls-dh-params-file shape the handshake', async () => {
  const only13 = await startServer({
    tlsPort: 0,
    config: [['port', '0'], ...tlsDirectives(pki, 'no'), ['tls-protocols', 'TLSv1.3'], ['tls-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256']],
  });
  const dhFile = join(pki.dir, 'dh.pem');
  execFileSync('openssl', ['dhparam', '-dsaparam', '-out', dhFile, '2048'], { stdio: 'pipe' });
  // an RSA server certificate, so that a DHE-RSA suite (which needs the DH parameters) can be chosen
  const rsa = pki.issue('server-rsa', '/CN=localhost', { san: 'DNS:localhost,IP:127.0.0.1', rsa: true });
  const only12 = await startServer({
    tlsPort: 0,
    config: [
      ['port', '0'],
      ['tls-cert-file', rsa.cert],
      ['tls-key-file', rsa.key],
      ['tls-auth-clients', 'no'],
      ['tls-protocols', 'TLSv1.2'],
      ['tls-ciphers', 'DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384'],
      ['tls-prefer-server-ciphers', 'yes'],
      ['tls-dh-params-file', dhFile],
    ],
  });
  try {
    assert.deepEqual(await negotiate(only13.tlsPort, {}), { protocol: 'TLSv1.3', cipher: 'TLS_CHACHA20_POLY1305_SHA256' });
    assert.ok('error' in (await negotiate(only13.tlsPort, { maxVersion: 'TLSv1.2' })), 'TLS 1.2 refused by tls-protocols TLSv1.3');
    // the server's order wins (tls-prefer-server-ciphers): DHE first, usable thanks to the DH file
    assert.deepEqual(await negotiate(only12.tlsPort, { ciphers: 'ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256' }), {
      protocol: 'TLSv1.2',
      cipher: 'DHE-RSA-AES128-GCM-SHA256',
    });
    assert.ok('error' in (await negotiate(only12.tlsPort, { minVersion: 'TLSv1.3' })));
    assert.ok('error' in (await negotiate(only12.tlsPort, { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' })), 'a cipher outside tls-ciphers is refused');
    // switched at run time by CONFIG SET, like the other tls-* directives
    only12.server.config.store(only12.server.config.def('tls-protocols')!, 'TLSv1.2 TLSv1.3');
    assert.equal(only12.server.tlsService.reload(), null);
    assert.equal(((await negotiate(only12.tlsPort, {})) as { protocol: string }).protocol, 'TLSv1.3');
    // a bad DH file is refused with the file named
    writeFileSync(join(pki.dir, 'bad-dh.pem'), '-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----\n');
    only12.server.config.store(only12.server.config.def('tls-dh-params-file')!, join(pki.dir, 'bad-dh.pem'));
    assert.match(only12.server.tlsService.reload() ?? '', /^Failed to load DH params file: \S*bad-dh\.pem: /);
  } finally {
    await only13.close();
    await only12.close();
  }
});

test('tls-ca-cert-dir: client certificates verify against a CA directory', async () => {
  const caDir = join(pki.dir, 'ca-dir');
  mkdirSync(caDir, { recursive: true });
  copyFileSync(pki.caCert, join(caDir, 'main-ca.pem'));
  writeFileSync(join(caDir, 'README'), 'not a certificate\n');
  const srv = await startServer({
    tlsPort: 0,
    config: [
      ['port', '0'],
      ['tls-cert-file', pki.serverCert],
      ['tls-key-file', pki.serverKey],
      ['tls-ca-cert-dir', caDir],
    ],
  });
  try {
    const good = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, waitForBytes: 7 });
    assert.equal(good.reply, '+PONG\r\n');
    const foreign = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.otherClientCert, key: pki.otherClientKey });
    assert.equal(foreign.reply, '');
  } finally {
    await srv.close();
  }
});

test('CONFIG SET of certificate and key reloads without dropping open connections; invalid files keep the old context', async () => {
  const next = pki.issue('server-next', '/CN=localhost', { san: 'DNS:localhost,IP:127.0.0.1' });
  const lines: string[] = [];
  const srv = await startServer({ tlsPort: 0, config: [['port', '0'], ...tlsDirectives(pki, 'yes')], logSink: { write: (l) => void lines.push(l) } });
  const io = tlsIoredis(srv.tlsPort);
  try {
    assert.equal(await io.set('before', '1'), 'OK');
    const first = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, waitForBytes: 7 });
    assert.equal(first.serverSerial, serialOf(pki.serverCert));
    assert.equal(await io.config('SET', 'tls-cert-file', next.cert, 'tls-key-file', next.key), 'OK');
    // the open connection keeps working, new ones get the new certificate
    assert.equal(await io.get('before'), '1');
    const second = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, waitForBytes: 7 });
    assert.equal(second.serverSerial, serialOf(next.cert));
    assert.equal(second.reply, '+PONG\r\n');
    // a certificate whose key does not match: refused with Redis's text, old context kept
    await assert.rejects(io.config('SET', 'tls-cert-file', pki.serverCert), {
      message: "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.",
    });
    assert.ok(lines.some((l) => l.includes(`Failed to load private key: ${next.key}:`) && /key values mismatch/.test(l)), lines.join(''));
    assert.deepEqual(await io.config('GET', 'tls-cert-file'), ['tls-cert-file', next.cert]);
    await assert.rejects(io.config('SET', 'tls-ca-cert-file', join(pki.dir, 'missing.pem')), /Unable to update TLS configuration/);
    assert.ok(lines.some((l) => l.includes(`Failed to configure CA certificate(s) file/directory: ${join(pki.dir, 'missing.pem')}: No such file or directory`)));
    const third = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, waitForBytes: 7 });
    assert.equal(third.serverSerial, serialOf(next.cert));
    assert.equal(await io.get('before'), '1');
    // an encrypted key: a wrong passphrase is refused, the right one loads; neither is logged
    const encKey = join(pki.dir, 'server-next-enc.key');
    execFileSync('openssl', ['pkey', '-in', next.key, '-aes256', '-passout', 'pass:s3cret-pass', '-out', encKey], { stdio: 'pipe' });
    await assert.rejects(io.config('SET', 'tls-key-file', encKey, 'tls-key-file-pass', 'wrong-pass'), /Unable to update TLS configuration/);
    assert.deepEqual(await io.config('GET', 'tls-key-file'), ['tls-key-file', next.key]);
    assert.equal(await io.config('SET', 'tls-key-file', encKey, 'tls-key-file-pass', 's3cret-pass'), 'OK');
    const fourth = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, waitForBytes: 7 });
    assert.equal(fourth.reply, '+PONG\r\n');
    assert.ok(!lines.some((l) => l.includes('wrong-pass') || l.includes('s3cret-pass')), 'the passphrase never reaches the log');
    assert.equal(await io.get('before'), '1');
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('tls-auto-reload: replacing the files on disk rotates the certificate; a broken file is logged and ignored', async () => {
  const live = { cert: join(pki.dir, 'live.crt'), key: join(pki.dir, 'live.key') };
  copyFileSync(pki.serverCert, live.cert);
  copyFileSync(pki.serverKey, live.key);
  const next = pki.issue('server-rotated', '/CN=localhost', { san: 'DNS:localhost,IP:127.0.0.1' });
  const lines: string[] = [];
  const srv = await startServer({
    tlsPort: 0,
    config: [['port', '0'], ['tls-cert-file', live.cert], ['tls-key-file', live.key], ['tls-ca-cert-file', pki.caCert], ['tls-auto-reload', 'yes'], ['hz', '100']],
    logSink: { write: (l) => void lines.push(l) },
  });
  const io = tlsIoredis(srv.tlsPort);
  const serialNow = async () => (await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, waitForBytes: 7 })).serverSerial;
  const waitFor = async (cond: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + 8000;
    while (!(await cond())) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  };
  try {
    assert.equal(await io.set('k', 'v'), 'OK');
    assert.equal(await serialNow(), serialOf(pki.serverCert));
    // key first, then certificate: between the two the pair mismatches, which must not stick
    copyFileSync(next.key, live.key);
    copyFileSync(next.cert, live.cert);
    assert.ok(await waitFor(async () => (await serialNow()) === serialOf(next.cert)), `not rotated; log: ${lines.join('')}`);
    assert.ok(lines.some((l) => l.includes('TLS configuration reloaded')));
    assert.equal(await io.get('k'), 'v', 'the connection opened before the rotation survives');
    // a truncated certificate: logged, the running certificate stays
    writeFileSync(live.cert, '-----BEGIN CERTIFICATE-----\nAAAA\n');
    assert.ok(await waitFor(() => lines.some((l) => l.includes('could not be loaded, keeping the previous configuration'))));
    assert.equal(await serialNow(), serialOf(next.cert));
    assert.equal(await io.get('k'), 'v');
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('tls-session-caching: a session is resumed when on, never when off', async () => {
  const resumed = async (port: number): Promise<[boolean, boolean]> => {
    const connect = (session?: Buffer) =>
      new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
        let saved: Buffer | undefined;
        const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: readFileSync(pki.caCert), ...(session !== undefined ? { session } : {}) });
        s.on('session', (sess: Buffer) => (saved = sess));
        s.on('error', reject);
        s.on('secureConnect', () => s.write('PING\r\n'));
        s.on('data', () => {
          const reused = s.isSessionReused();
          s.end();
          s.on('close', () => resolve({ reused, session: saved }));
        });
      });
    const a = await connect();
    assert.ok(a.session !== undefined);
    const b = await connect(a.session);
    return [a.reused, b.reused];
  };
  const on = await startServer({ tlsPort: 0, config: [['port', '0'], ...tlsDirectives(pki, 'no')] });
  const off = await startServer({ tlsPort: 0, config: [['port', '0'], ...tlsDirectives(pki, 'no'), ['tls-session-caching', 'no']] });
  try {
    assert.deepEqual(await resumed(on.tlsPort), [false, true]);
    assert.deepEqual(await resumed(off.tlsPort), [false, false]);
    assert.equal(off.server.tls!.sessions.size, 0, 'nothing cached server-side');
    assert.ok(on.server.tls!.sessions.size > 0);
  } finally {
    await on.close();
    await off.close();
  }
});

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

// a does-not-hang bound: a real binary's start takes well under a second idle, several on a busy machine
function runServer(args: string[], timeoutMs = 30_000): Promise<Exit> {
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

test('bad TLS files fail the start of the real binary with the file and the OpenSSL reason', async () => {
  const port = await freePort();
  const base = ['--port', '0', '--tls-port', String(port), '--save', ''];
  const garbage = join(pki.dir, 'garbage.pem');
  writeFileSync(garbage, 'this is not PEM\n');
  const cases: { args: string[]; expect: RegExp }[] = [
    {
      args: ['--tls-cert-file', join(pki.dir, 'nope.crt'), '--tls-key-file', pki.serverKey, '--tls-ca-cert-file', pki.caCert],
      expect: /Failed to load certificate: \S*nope\.crt: No such file or directory/,
    },
    { args: ['--tls-cert-file', garbage, '--tls-key-file', pki.serverKey, '--tls-ca-cert-file', pki.caCert], expect: /Failed to load certificate: \S*garbage\.pem: error:\S+/ },
    {
      args: ['--tls-cert-file', pki.serverCert, '--tls-key-file', pki.clientKey, '--tls-ca-cert-file', pki.caCert],
      expect: /Failed to load private key: \S*client\.key: .*key values mismatch/,
    },
    {
      args: ['--tls-cert-file', pki.serverCert, '--tls-key-file', pki.serverKey, '--tls-ca-cert-file', garbage],
      expect: /Failed to configure CA certificate\(s\) file\/directory: \S*garbage\.pem: /,
    },
    { args: ['--tls-cert-file', pki.serverCert, '--tls-key-file', pki.serverKey], expect: /Either tls-ca-cert-file or tls-ca-cert-dir must be specified/ },
    { args: ['--tls-key-file', pki.serverKey, '--tls-auth-clients', 'no'], expect: /No tls-cert-file configured!/ },
    {
      args: ['--tls-cert-file', pki.serverCert, '--tls-key-file', pki.serverKey, '--tls-auth-clients', 'no', '--tls-protocols', 'SSLv3'],
      expect: /Invalid tls-protocols specified/,
    },
  ];
  for (const c of cases) {
    const r = await runServer([...base, ...c.args]);
    assert.equal(r.code, 1, `exit code for ${c.args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, c.expect, `stderr for ${c.args.join(' ')}`);
    assert.match(r.stdout, /Failed to configure TLS\. Check logs for more info\./);
  }
});

test('the real binary serves TLS only (port 0) to redis-cli and logs the TLS listener', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--tls-port', String(port), '--save', '', ...tlsDirectives(pki, 'yes').flatMap(([k, v]) => [`--${k}`, v])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  try {
    const deadline = Date.now() + 30_000;
    while (!out.includes('Ready to accept connections tls') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /Ready to accept connections tls/);
    assert.doesNotMatch(out, /Ready to accept connections tcp/);
    assert.match(out, /Security: .*TLS on port \d+ \(client certificates: yes/);
    const r = await redisCli(['--tls', '--cacert', pki.caCert, '--cert', pki.clientCert, '--key', pki.clientKey, '-p', String(port), 'PING']);
    assert.equal(r.out.trim(), 'PONG');
  } finally {
    child.kill('SIGKILL');
  }
});

test('issue 15: an mTLS refusal is logged at warning level (address, reason; rate-limited), an event, and counted in INFO and metrics', async () => {
  const lines: string[] = [];
  const events: string[] = [];
  const srv = await startServer({ tlsPort: 0, metricsPort: 0, config: [['port', '0'], ...tlsDirectives(pki, 'yes')], logSink: { write: (l) => void lines.push(l) } });
  srv.server.security.events.listener = (l) => void events.push(l);
  try {
    const none = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, request: 'SET pwned 1\r\n' });
    assert.equal(none.reply, '');
    const deadline = Date.now() + 5000;
    while (!lines.some((l) => l.includes('Error accepting a client connection')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const logged = lines.filter((l) => l.includes('Error accepting a client connection'));
    assert.equal(logged.length, 1, lines.join(''));
    // Redis 7: "Error accepting a client connection: error:…:peer did not return a certificate (addr=…)"
    assert.match(logged[0]!, / # Error accepting a client connection: .*peer did not return a certificate.* \(addr=127\.0\.0\.1:\d+\)\n$/);
    const ev = events.map((e) => JSON.parse(e) as { type: string; addr?: string; reason?: string }).filter((e) => e.type === 'tls-refused');
    assert.equal(ev.length, 1);
    assert.match(ev[0]!.addr ?? '', /^127\.0\.0\.1:\d+$/);
    assert.match(ev[0]!.reason ?? '', /peer did not return a certificate/);
    // the same refusal again inside the 10 s window is counted and evented, not logged again
    const again = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, request: 'SET pwned 1\r\n' });
    assert.equal(again.reply, '');
    const deadline2 = Date.now() + 5000;
    while (srv.server.stats.tlsRejectedConnections < 2 && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lines.filter((l) => l.includes('Error accepting a client connection')).length, 1, 'rate-limited');
    // another kind of refusal is logged at once
    const foreign = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.otherClientCert, key: pki.otherClientKey, request: 'SET pwned 1\r\n' });
    assert.equal(foreign.reply, '');
    const deadline3 = Date.now() + 5000;
    while (srv.server.stats.tlsRejectedConnections < 3 && Date.now() < deadline3) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lines.filter((l) => l.includes('Error accepting a client connection')).length, 2, lines.join(''));
    assert.equal(events.filter((e) => e.includes('"type":"tls-refused"')).length, 3);
    assert.equal(srv.server.dbs[0]!.size, 0);
    const good = tlsIoredis(srv.tlsPort);
    try {
      const info = String(await good.info('security'));
      assert.match(info, /^tls_rejected_connections:3\r$/m);
    } finally {
      good.disconnect();
    }
    const metrics = await (await fetch(`http://127.0.0.1:${srv.server.metrics!.port}/metrics`)).text();
    assert.match(metrics, /^redoubt_tls_handshake_failures_total 3$/m);
  } finally {
    await srv.close();
  }
});
