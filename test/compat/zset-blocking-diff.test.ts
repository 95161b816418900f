/**
 * BZPOPMIN / BZPOPMAX / BZMPOP against redis-server: the immediate paths (data present),
 * argument errors in Redis's check order, WRONGTYPE, RESP2 and RESP3 shapes, and short
 * timeouts on empty keys; then a real wait served by another client's ZADD.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';

const SEQ: string[][] = [
  ['ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c'],
  ['ZADD', 'z2', '5', 'x'],
  ['SET', 's', 'v'],
  ['BZPOPMIN', 'z1', '0'],
  ['BZPOPMAX', 'nokey', 'z1', '0'],
  ['BZPOPMIN', 's', 'z1', '0'],
  ['BZPOPMIN', 'z1', 'abc'],
  ['BZPOPMIN', 'z1', '-1'],
  ['BZPOPMIN', 'nokey', '0.01'],
  ['BZMPOP', '0', '2', 'nokey', 'z1', 'MIN', 'COUNT', '5'],
  ['BZMPOP', '0.01', '1', 'z1', 'MAX'],
  ['BZMPOP', 'abc', '1', 'z2', 'MAX'],
  ['BZMPOP', 'abc', '0', 'z2', 'MAX'],
  ['BZMPOP', '0', '1', 'z2', 'MIDDLE'],
  ['BZMPOP', '0', '1', 'z2', 'MAX', 'COUNT', '0'],
  ['BZMPOP', '-1', '1', 'z2', 'MAX'],
  ['BZMPOP', '0', '1', 'z2', 'MAX', 'COUNT', '2'],
  ['EXISTS', 'z2'],
  ['BZMPOP', '0', '2', 's', 'z1', 'MIN'],
  ['HELLO', '3'],
  ['ZADD', 'z3', '1.5', 'p', '2', 'q'],
  ['BZPOPMAX', 'z3', '0'],
  ['BZMPOP', '0', '1', 'z3', 'MIN', 'COUNT', '3'],
  ['BZPOPMIN', 'nokey', '0.01'],
];

test('BZPOPMIN/BZPOPMAX/BZMPOP replies match redis-server', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const srv = await startTestServer();
  const oracle = await startRedisOracle();
  const ours = await RawClient.connect(srv.port);
  const theirs = await RawClient.connect(oracle.port);
  try {
    for (const argv of SEQ) {
      let a = await ours.call(...argv);
      let b = await theirs.call(...argv);
      if (argv[0] === 'HELLO') {
        // version fields differ by design; the protocol switch is what matters
        a = a.includes('proto') ? 'ok' : a;
        b = b.includes('proto') ? 'ok' : b;
      }
      assert.equal(a, b, argv.join(' '));
    }
  } finally {
    ours.close();
    theirs.close();
    await srv.close();
    await oracle.stop();
  }
});

test('a waiting BZPOPMIN is served by a later ZADD, first come first served', async () => {
  const srv = await startTestServer();
  const w1 = await RawClient.connect(srv.port);
  const w2 = await RawClient.connect(srv.port);
  const writer = await RawClient.connect(srv.port);
  try {
    w1.write(RawClient.encode(['BZPOPMIN', 'q1', 'q2', '5']));
    await new Promise((r) => setTimeout(r, 30));
    w2.write(RawClient.encode(['BZMPOP', '5', '1', 'q2', 'MAX', 'COUNT', '2']));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(srv.server.blocking.size, 2);
    assert.equal(await writer.call('ZADD', 'q2', '1', 'm1', '2', 'm2', '3', 'm3'), ':3\r\n');
    assert.equal(await w1.readReply(), '*3\r\n$2\r\nq2\r\n$2\r\nm1\r\n$1\r\n1\r\n');
    assert.equal(await w2.readReply(), '*2\r\n$2\r\nq2\r\n*2\r\n*2\r\n$2\r\nm3\r\n$1\r\n3\r\n*2\r\n$2\r\nm2\r\n$1\r\n2\r\n');
    assert.equal(await writer.call('EXISTS', 'q2'), ':0\r\n');
    assert.equal(srv.server.blocking.size, 0);
  } finally {
    w1.close();
    w2.close();
    writer.close();
    await srv.close();
  }
});
