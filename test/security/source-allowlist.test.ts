/**
 * The source allowlist from a real non-loopback address (a network-namespace test host on
 * 198.19.0.0/16, apart from protected-mode.test.ts's 198.18.0.0/16): an allowed source is
 * served, a refused one is closed before a byte is read — no reply, no TLS handshake —
 * counted and logged. Also: an allowlist that leaves out loopback refuses local clients.
 */
// npm test: serial — network namespaces
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../src/server/server.js';
import { startTestServer } from '../helpers/server.js';
import { createTestHost } from '../helpers/netns.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTestPki, tlsDirectives } from '../helpers/tls-certs.js';

/** A node script run inside the test host: connects, sends PING, prints what came back (base64) and how it ended. */
function probeScript(host: string, port: number, useTls: boolean): string {
  const connect = useTls
    ? `require('tls').connect({port:${port},host:'${host}',rejectUnauthorized:false})`
    : `require('net').connect(${port},'${host}')`;
  return (
    `const s=${connect};const b=[];let ev='close';` +
    `s.on('data',d=>b.push(d));s.on('error',e=>{ev='error:'+e.code});` +
    `s.on('close',()=>process.stdout.write(ev+' '+Buffer.concat(b).toString('base64')));` +
    `s.on('${useTls ? 'secureConnect' : 'connect'}',()=>s.write('SET pwned 1\\r\\nPING\\r\\n'));` +
    `setTimeout(()=>s.destroy(),3000);`
  );
}

test('allowlist from a real remote source: allowed peer served, others closed without a byte, counted and logged', async (t) => {
  const host = createTestHost({ block: 19 });
  if (host === null) {
    t.skip('!!! SKIPPED: needs root and `ip netns` to create a non-loopback test host');
    return;
  }
  const pki = makeTestPki();
  const lines: string[] = [];
  const srv = await startServer({
    port: 0,
    tlsPort: 0,
    config: [
      ['bind', host.hostAddress, '127.0.0.1'],
      // protected mode would refuse the remote peer by itself: off, so only the allowlist decides
      ['protected-mode', 'no'],
      ['source-allowlist', `${host.peerAddress}/32`, '127.0.0.0/8'],
      ...tlsDirectives(pki, 'no'),
    ],
    logSink: { write: (l) => void lines.push(l) },
  });
  try {
    // allowed: the peer's own /32
    const ok = await host.exec('redis-cli', ['-h', host.hostAddress, '-p', String(srv.port), 'PING']);
    assert.equal(ok.trim(), 'PONG');
    // now leave the peer out (loopback stays in, so this client keeps administering)
    const admin = await RawClient.connect(srv.port, '127.0.0.1');
    assert.equal(await admin.call('CONFIG', 'SET', 'source-allowlist', '10.0.0.0/8 127.0.0.0/8'), '+OK\r\n');
    const [ev, b64] = (await host.exec(process.execPath, ['-e', probeScript(host.hostAddress, srv.port, false)])).split(' ');
    assert.equal(Buffer.from(b64 ?? '', 'base64').length, 0, 'not a single byte answered');
    assert.match(ev ?? '', /^(close|error:ECONNRESET)$/);
    assert.equal(srv.server.dbs[0]!.size, 0, 'the refused peer ran nothing');
    // the TLS port refuses before the handshake: no TLS failure is even recorded
    const [tlsEv, tlsB64] = (await host.exec(process.execPath, ['-e', probeScript(host.hostAddress, srv.tlsPort, true)])).split(' ');
    assert.equal(Buffer.from(tlsB64 ?? '', 'base64').length, 0);
    assert.match(tlsEv ?? '', /^error:/, 'the TLS handshake never completed');
    assert.equal(srv.server.stats.tlsRejectedConnections, 0);
    assert.equal(srv.server.stats.rejectedConnectionsAllowlist, 2);
    const info = await admin.call('INFO', 'stats');
    assert.match(info, /\r\nrejected_connections:2\r\n/);
    assert.match(info, /\r\nrejected_connections_allowlist:2\r\n/);
    // logged once, with the source, then rate-limited
    const refusedLines = lines.filter((l) => l.includes('refused: source address not in source-allowlist'));
    assert.equal(refusedLines.length, 1);
    assert.match(refusedLines[0]!, new RegExp(`Connection from ${host.peerAddress.replace(/\./g, '\\.')}:\\d+ refused`));
    // the same peer admitted again once the list is cleared
    assert.equal(await admin.call('CONFIG', 'SET', 'source-allowlist', ''), '+OK\r\n');
    assert.equal((await host.exec('redis-cli', ['-h', host.hostAddress, '-p', String(srv.port), 'PING'])).trim(), 'PONG');
    admin.close();
  } finally {
    await srv.close();
    host.destroy();
    pki.cleanup();
  }
});

test('an allowlist without loopback refuses local clients; open connections are kept; bad blocks are rejected', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  try {
    assert.equal(
      await admin.call('CONFIG', 'SET', 'source-allowlist', '10.0.0.0/8 nope'),
      "-ERR CONFIG SET failed (possibly related to argument 'source-allowlist') - 'nope' is not an IPv4 or IPv6 address or CIDR block\r\n",
    );
    assert.equal(
      await admin.call('CONFIG', 'SET', 'source-allowlist', '10.0.0.0/33'),
      "-ERR CONFIG SET failed (possibly related to argument 'source-allowlist') - '10.0.0.0/33' has an invalid prefix length (0-32)\r\n",
    );
    assert.equal(await admin.call('CONFIG', 'SET', 'source-allowlist', '10.1.2.3/8 2001:DB8::/32'), '+OK\r\n');
    assert.equal(await admin.call('CONFIG', 'GET', 'source-allowlist'), '*2\r\n$16\r\nsource-allowlist\r\n$24\r\n10.0.0.0/8 2001:db8::/32\r\n');
    const refused = await RawClient.connect(srv.port);
    refused.write('SET pwned 1\r\n');
    assert.equal(await refused.readBytes(1, 2000), '', 'closed without a reply');
    assert.equal(refused.closed, true);
    assert.equal(srv.server.dbs[0]!.size, 0);
    // the connection accepted before the change keeps working (the list is checked at accept)
    assert.equal(await admin.call('PING'), '+PONG\r\n');
    assert.match(await admin.call('INFO', 'stats'), /\r\nrejected_connections_allowlist:1\r\n/);
    assert.equal(await admin.call('CONFIG', 'SET', 'source-allowlist', '127.0.0.1'), '+OK\r\n');
    const allowed = await RawClient.connect(srv.port);
    assert.equal(await allowed.call('PING'), '+PONG\r\n');
    allowed.close();
    // IPv6 loopback is its own address: ::1/128 admits it and not 127.0.0.1
    const v6 = await RawClient.connect(srv.port, '::1').catch(() => null);
    if (v6 !== null) {
      v6.close();
      assert.equal(await admin.call('CONFIG', 'SET', 'source-allowlist', '::1/128'), '+OK\r\n');
      const viaV6 = await RawClient.connect(srv.port, '::1');
      assert.equal(await viaV6.call('PING'), '+PONG\r\n');
      viaV6.close();
      const viaV4 = await RawClient.connect(srv.port, '127.0.0.1');
      viaV4.write('PING\r\n');
      assert.equal(await viaV4.readBytes(1, 2000), '');
      assert.equal(viaV4.closed, true);
    }
  } finally {
    admin.close();
    await srv.close();
  }
});
