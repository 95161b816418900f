/**
 * XREAD / XREADGROUP with BLOCK on the blocking registry: a waiting reader is served by a
 * later XADD (with `$` meaning the last ID at the time of the call), times out with a
 * null reply, and an XREADGROUP waiter is told when its stream key disappears (Redis's
 * "-UNBLOCKED the stream key no longer exists").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('XREAD BLOCK waits for new entries; $ is the last ID at call time; timeouts answer null', async () => {
  const srv = await startTestServer();
  const reader = await RawClient.connect(srv.port);
  const writer = await RawClient.connect(srv.port);
  try {
    assert.equal(await writer.call('XADD', 's', '1-1', 'old', '1'), '$3\r\n1-1\r\n');
    reader.write(RawClient.encode(['XREAD', 'BLOCK', '5000', 'STREAMS', 's', '$']));
    await pause(40);
    assert.equal(srv.server.blocking.size, 1);
    assert.equal(await writer.call('XADD', 's', '2-1', 'new', '2'), '$3\r\n2-1\r\n');
    assert.equal(await reader.readReply(), '*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$3\r\nnew\r\n$1\r\n2\r\n');
    // nothing arrives: the null array after the timeout
    const t0 = Date.now();
    assert.equal(await reader.call('XREAD', 'BLOCK', '100', 'STREAMS', 's', '$'), '*-1\r\n');
    assert.ok(Date.now() - t0 >= 90);
    // data already there: served at once, BLOCK or not
    assert.match(await reader.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', '0'), /^\*1\r\n/);
  } finally {
    reader.close();
    writer.close();
    await srv.close();
  }
});

test('XREADGROUP BLOCK delivers to the consumer (PEL updated) and is told when the key goes', async () => {
  const srv = await startTestServer();
  const reader = await RawClient.connect(srv.port);
  const writer = await RawClient.connect(srv.port);
  try {
    assert.equal(await writer.call('XGROUP', 'CREATE', 'jobs', 'g', '$', 'MKSTREAM'), '+OK\r\n');
    reader.write(RawClient.encode(['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 'jobs', '>']));
    await pause(40);
    assert.equal(await writer.call('XADD', 'jobs', '5-1', 'job', 'a'), '$3\r\n5-1\r\n');
    assert.equal(await reader.readReply(), '*1\r\n*2\r\n$4\r\njobs\r\n*1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$3\r\njob\r\n$1\r\na\r\n');
    assert.match(await writer.call('XPENDING', 'jobs', 'g'), /^\*4\r\n:1\r\n\$3\r\n5-1\r\n/);
    reader.write(RawClient.encode(['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 'jobs', '>']));
    await pause(40);
    assert.equal(await writer.call('DEL', 'jobs'), ':1\r\n');
    assert.equal(await reader.readReply(), '-UNBLOCKED the stream key no longer exists\r\n');
    assert.equal(srv.server.blocking.size, 0);
  } finally {
    reader.close();
    writer.close();
    await srv.close();
  }
});
