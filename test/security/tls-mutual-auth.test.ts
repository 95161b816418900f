/**
 * Mutual TLS as an attacker meets it: with `tls-auth-clients yes`, a client without a
 * certificate, with an expired one, with one from another CA or with a self-signed one
 * (even claiming the legitimate CN) never gets a command run; the legitimate client does.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { startServer } from '../../src/server/server.js';
import { TlsAcceptor } from '../../src/tls/tls-acceptor.js';
import { buildTlsSettings } from '../../src/tls/tls-config.js';
import { makeTestPki, tlsDirectives, type TestPki } from '../helpers/tls-certs.js';
import { tlsAttempt } from '../helpers/tls-client.js';

let pki: TestPki;
before(() => {
  pki = makeTestPki();
});
after(() => pki.cleanup());

test('mTLS required: no certificate, expired, foreign CA and self-signed clients all fail; the valid one is served', async () => {
  const lines: string[] = [];
  const srv = await startServer({ tlsPort: 0, config: [['port', '0'], ...tlsDirectives(pki, 'yes'), ['loglevel', 'verbose']], logSink: { write: (l) => void lines.push(l) } });
  const attack = 'SET pwned 1\r\n';
  try {
    const none = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, request: attack });
    const expired = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.expiredClientCert, key: pki.expiredClientKey, request: attack });
    const foreign = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.otherClientCert, key: pki.otherClientKey, request: attack });
    const selfSigned = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.selfSignedCert, key: pki.selfSignedKey, request: attack });
    for (const [name, a] of Object.entries({ none, expired, foreign, selfSigned })) {
      assert.equal(a.reply, '', `${name}: the server must not answer`);
    }
    assert.match(none.error ?? '', /certificate required/, 'no certificate fails in the handshake');
    assert.equal(srv.server.dbs[0]!.size, 0, 'no attacker command ran');
    assert.equal(srv.server.connections.size, 0, 'no refused client became a connection');
    assert.equal(srv.server.stats.tlsRejectedConnections, 4);
    assert.equal(srv.server.stats.totalConnections, 0);
    const good = await tlsAttempt(srv.tlsPort, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, request: 'SET legit 1\r\n', waitForBytes: 5 });
    assert.equal(good.reply, '+OK\r\n');
    assert.equal(srv.server.dbs[0]!.size, 1);
    const log = lines.join('');
    assert.match(log, /Error accepting a client connection: .*peer did not return a certificate.* \(addr=127\.0\.0\.1:\d+\)/);
    assert.match(log, /Error accepting a client connection: client certificate rejected: CERT_HAS_EXPIRED \(addr=127\.0\.0\.1:\d+\)/);
    assert.match(log, /client certificate rejected: UNABLE_TO_VERIFY_LEAF_SIGNATURE|client certificate rejected: UNABLE_TO_GET_ISSUER_CERT/);
    assert.match(log, /client certificate rejected: DEPTH_ZERO_SELF_SIGNED_CERT/);
  } finally {
    await srv.close();
  }
});

test('redis-cli without a client certificate, or speaking plaintext to the TLS port, is refused', async () => {
  const srv = await startServer({ tlsPort: 0, config: [['port', '0'], ...tlsDirectives(pki, 'yes')] });
  try {
    const out = await new Promise<string>((resolve) =>
      execFile('redis-cli', ['--tls', '--cacert', pki.caCert, '-p', String(srv.tlsPort), 'SET', 'pwned', '1'], { timeout: 5000 }, (_e, so, se) => resolve(`${so}${se}`)),
    );
    assert.doesNotMatch(out, /^OK/m);
    // plaintext RESP to the TLS port is a failed handshake, never a command
    const plain = await new Promise<string>((resolve) => {
      const s = net.connect(srv.tlsPort, '127.0.0.1', () => s.write('*3\r\n$3\r\nSET\r\n$5\r\npwned\r\n$1\r\n1\r\n'));
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString('latin1')));
      s.on('error', () => {});
      s.on('close', () => resolve(got));
      setTimeout(() => s.destroy(), 3000);
    });
    assert.doesNotMatch(plain, /\+OK/);
    assert.equal(srv.server.dbs[0]!.size, 0);
  } finally {
    await srv.close();
  }
});

test('a client that opens the TLS port and never finishes the handshake is cut off (slowloris guard)', async () => {
  const values: Record<string, string> = {
    'tls-cert-file': pki.serverCert,
    'tls-key-file': pki.serverKey,
    'tls-ca-cert-file': pki.caCert,
    'tls-auth-clients': 'yes',
    'tls-session-caching': 'yes',
    'tls-session-cache-size': '100',
    'tls-session-cache-timeout': '300',
  };
  // the acceptor alone, with a 300 ms handshake limit instead of the server's 10 s
  const settings = buildTlsSettings((n) => values[n] ?? '');
  assert.ok(!('error' in settings));
  const rejects: string[] = [];
  let secured = 0;
  const acceptor = new TlsAcceptor(settings, { onSecure: () => secured++, onReject: (_peer, reason) => rejects.push(reason) }, 300);
  const listener = net.createServer({ pauseOnConnect: true }, (raw) => acceptor.handle(raw));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
  const port = (listener.address() as net.AddressInfo).port;
  try {
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => resolve(Date.now() - started));
      // a partial ClientHello record header, then silence
      s.on('connect', () => s.write(Buffer.from([0x16, 0x03, 0x01])));
      setTimeout(() => s.destroy(), 9000);
    });
    // the 300 ms limit closed it, not the server's 10 s one nor our 9 s give-up (the upper
    // bound leaves a busy machine seconds of slack)
    assert.ok(closedAfter >= 250 && closedAfter < 6000, `closed after ${closedAfter} ms`);
    assert.equal(secured, 0);
    assert.equal(rejects.length, 1);
    assert.match(rejects[0]!, /timed out|timeout/i);
  } finally {
    await new Promise<void>((r) => listener.close(() => r()));
  }
});
