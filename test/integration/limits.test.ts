import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';

test('maxclients: the client over the limit gets the Redis error and is closed', async () => {
  const srv = await startTestServer({ config: [['maxclients', '2']] });
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  try {
    assert.equal(await a.call('PING'), '+PONG\r\n');
    assert.equal(await b.call('PING'), '+PONG\r\n');
    const c = await RawClient.connect(srv.port);
    assert.equal(await c.readReply(), '-ERR max number of clients reached\r\n');
    assert.equal(await c.waitClosed(), true);
    assert.equal(srv.server.stats.rejectedConnections, 1);
    // the first two are unaffected
    assert.equal(await a.call('ECHO', 'still here'), '$10\r\nstill here\r\n');
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test('timeout: idle clients are closed by the cron, active ones are kept', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock, config: [['timeout', '10']] });
  const idle = await RawClient.connect(srv.port);
  const busy = await RawClient.connect(srv.port);
  try {
    assert.equal(await idle.call('PING'), '+PONG\r\n');
    clock.advance(6_000);
    assert.equal(await busy.call('PING'), '+PONG\r\n');
    clock.advance(6_000);
    srv.server.cron.tick();
    assert.equal(await idle.waitClosed(), true);
    assert.equal(busy.closed, false);
    assert.equal(await busy.call('PING'), '+PONG\r\n');
  } finally {
    idle.close();
    busy.close();
    await srv.close();
  }
});

test('proto-max-bulk-len: a longer bulk is a protocol error and closes the connection', async () => {
  const srv = await startTestServer({ config: [['proto-max-bulk-len', '1mb']] });
  const c = await RawClient.connect(srv.port);
  try {
    c.write(`*2\r\n$4\r\nECHO\r\n$${1024 * 1024 + 1}\r\n`);
    assert.equal(await c.readReply(), '-ERR Protocol error: invalid bulk length\r\n');
    assert.equal(await c.waitClosed(), true);
  } finally {
    c.close();
    await srv.close();
  }
});

test('client-query-buffer-limit: a client that exceeds it is disconnected', async () => {
  const srv = await startTestServer({ config: [['client-query-buffer-limit', '1mb']] });
  const c = await RawClient.connect(srv.port);
  try {
    // a 4 MB bulk that never completes: the pending query buffer passes the limit
    c.write(`*2\r\n$4\r\nECHO\r\n$${4 * 1024 * 1024}\r\n`);
    c.write(Buffer.alloc(2 * 1024 * 1024, 0x61));
    assert.equal(await c.waitClosed(5000), true);
    assert.equal(srv.server.stats.clientQueryBufferLimitDisconnections, 1);
  } finally {
    c.close();
    await srv.close();
  }
});

test('a large value survives the big-bulk path byte for byte', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    let big = '';
    for (let i = 0; i < 300_000; i++) big += String.fromCharCode(i % 256);
    assert.equal(await c.call('SET', 'big', big), '+OK\r\n');
    assert.equal(await c.call('GET', 'big'), `$${big.length}\r\n${big}\r\n`);
  } finally {
    c.close();
    await srv.close();
  }
});
