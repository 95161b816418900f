// npm test: serial — network namespaces
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { createTestHost } from '../helpers/netns.js';
import { RawClient } from '../helpers/raw-client.js';
import { isLoopbackAddress, protectedModeRefuses, PROTECTED_MODE_DENIED } from '../../src/security/protected-mode.js';

test('loopback is 127.0.0.0/8 and ::1, including IPv4-mapped forms', () => {
  assert.equal(isLoopbackAddress('127.0.0.1'), true);
  assert.equal(isLoopbackAddress('127.9.8.7'), true);
  assert.equal(isLoopbackAddress('::ffff:127.0.0.1'), true);
  assert.equal(isLoopbackAddress('::1'), true);
  assert.equal(isLoopbackAddress('10.0.0.1'), false);
  assert.equal(isLoopbackAddress('::ffff:10.0.0.1'), false);
  assert.equal(isLoopbackAddress('128.0.0.1'), false);
  assert.equal(isLoopbackAddress('fe80::1'), false);
  assert.equal(protectedModeRefuses(true, true, '198.18.0.2'), true);
  assert.equal(protectedModeRefuses(false, true, '198.18.0.2'), false);
  assert.equal(protectedModeRefuses(true, false, '198.18.0.2'), false);
  assert.equal(protectedModeRefuses(true, true, '127.0.0.1'), false);
});

test('a client from a non-loopback address gets DENIED and is closed; loopback is served', async (t) => {
  const host = createTestHost();
  if (host === null) {
    t.skip('!!! SKIPPED: needs root and `ip netns` to create a non-loopback test host');
    return;
  }
  const srv = await startTestServer({ config: [['bind', host.hostAddress, '127.0.0.1']] });
  try {
    const out = await host.exec('redis-cli', ['-h', host.hostAddress, '-p', String(srv.port), 'SET', 'pwned', '1']);
    assert.match(out, /^DENIED Redis is running in protected mode because protected mode is enabled/);
    assert.equal(srv.server.dbs[0]!.size, 0, 'the remote command must not have run');
    assert.equal(srv.server.stats.rejectedConnections, 1);
    // the exact bytes, via a raw socket from the test host
    const script =
      `const s=require('net').connect(${srv.port},'${host.hostAddress}');const b=[];` +
      `s.on('data',d=>b.push(d));s.on('close',()=>process.stdout.write(Buffer.concat(b).toString('base64')));s.write('PING\\r\\n');`;
    const raw = Buffer.from(await host.exec(process.execPath, ['-e', script]), 'base64').toString('latin1');
    assert.equal(raw, PROTECTED_MODE_DENIED);
    // loopback clients are served as usual
    const local = await RawClient.connect(srv.port, '127.0.0.1');
    assert.equal(await local.call('PING'), '+PONG\r\n');
    local.close();
    // with protected mode off the remote client is served
    srv.server.config.store(srv.server.config.def('protected-mode')!, 'no');
    assert.equal((await host.exec('redis-cli', ['-h', host.hostAddress, '-p', String(srv.port), 'PING'])).trim(), 'PONG');
  } finally {
    await srv.close();
    host.destroy();
  }
});
