import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

test('ioredis can PING, SET and GET binary values', async () => {
  const srv = await startTestServer();
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.ping(), 'PONG');
    const value = Buffer.from([0, 0xff, 0x80, 0x0d, 0x0a, 0x41]);
    assert.equal(await r.set(Buffer.from([0xc3, 0x28]), value), 'OK');
    assert.deepEqual(await r.getBuffer(Buffer.from([0xc3, 0x28])), value);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('pipelined requests get their replies in order, in one batch', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    c.write('PING\r\n' + RawClient.encode(['SET', 'k', 'v']) + RawClient.encode(['GET', 'k']) + RawClient.encode(['ECHO', 'x']));
    assert.equal(await c.readBytes(26), '+PONG\r\n+OK\r\n$1\r\nv\r\n$1\r\nx\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});
