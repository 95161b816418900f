/**
 * XREAD / XREADGROUP with BLOCK on the blocking registry: a waiting reader is served by a
 * later XADD (with `$` meaning the last ID at the time of the call), times out with a
 * null reply, and an XREADGROUP waiter is answered as Redis 7.2 re-executing its command
 * would answer it when its group goes (XGROUP DESTROY, DEL, FLUSHALL: -NOGROUP) or its key
 * changes type (-WRONGTYPE) — never left hanging.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NOGROUP = (key: string, group: string) => `-NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option\r\n`;

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
    assert.equal(await reader.readReply(), NOGROUP('jobs', 'g'));
    assert.equal(srv.server.blocking.size, 0);
  } finally {
    reader.close();
    writer.close();
    await srv.close();
  }
});

/**
 * Redis 7.2 (t_stream.c xgroupCommand) signals the key on XGROUP DESTROY so that blocked
 * XREADGROUP consumers of the group are re-executed and answered -NOGROUP; the same after
 * DEL and FLUSHALL, and -WRONGTYPE when the key now holds another type. Before the fix the
 * DESTROY case left the client blocked for ever (readReply timed out).
 */
test('XREADGROUP BLOCK 0 is unblocked with -NOGROUP by XGROUP DESTROY, DEL and FLUSHALL, -WRONGTYPE by SET', async () => {
  const srv = await startTestServer();
  const reader = await RawClient.connect(srv.port);
  const writer = await RawClient.connect(srv.port);
  const blockOn = async (key: string, group: string) => {
    assert.equal(await writer.call('XGROUP', 'CREATE', key, group, '$', 'MKSTREAM'), '+OK\r\n');
    reader.write(RawClient.encode(['XREADGROUP', 'GROUP', group, 'alice', 'BLOCK', '0', 'STREAMS', key, '>']));
    for (let i = 0; i < 100 && srv.server.blocking.size === 0; i++) await pause(10);
    assert.equal(srv.server.blocking.size, 1);
  };
  try {
    assert.equal(await writer.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
    await blockOn('s1', 'g1');
    assert.equal(await writer.call('XGROUP', 'DESTROY', 's1', 'g1'), ':1\r\n');
    assert.equal(await reader.readReply(), NOGROUP('s1', 'g1'));
    assert.equal(srv.server.blocking.size, 0);
    // the error is counted like any failed command's (Redis's test checks errorstats)
    assert.match(await writer.call('INFO', 'errorstats'), /errorstat_NOGROUP:count=1\r\n/);
    assert.match(await writer.call('INFO', 'commandstats'), /cmdstat_xreadgroup:calls=1,[^\r]*,rejected_calls=0,failed_calls=1\r\n/);

    await blockOn('s2', 'g2');
    assert.equal(await writer.call('FLUSHALL'), '+OK\r\n');
    assert.equal(await reader.readReply(), NOGROUP('s2', 'g2'));

    await blockOn('s3', 'g3');
    assert.equal(await writer.call('SET', 's3', 'v'), '+OK\r\n');
    assert.equal(await reader.readReply(), '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');

    // RENAME over the key: the stream now there has no such group (7.2's "RENAME can
    // unblock XREADGROUP with -NOGROUP")
    await blockOn('s5', 'g5');
    assert.equal(await writer.call('XADD', 'other', '1-1', 'f', 'v'), '$3\r\n1-1\r\n');
    assert.equal(await writer.call('RENAME', 'other', 's5'), '+OK\r\n');
    assert.equal(await reader.readReply(), NOGROUP('s5', 'g5'));

    // SWAPDB brings in a database without the key
    await blockOn('s6', 'g6');
    assert.equal(await writer.call('SWAPDB', '0', '9'), '+OK\r\n');
    assert.equal(await reader.readReply(), NOGROUP('s6', 'g6'));
    assert.equal(await writer.call('SWAPDB', '0', '9'), '+OK\r\n');

    // destroying another group of the same stream leaves the waiter blocked
    await blockOn('s4', 'g4');
    assert.equal(await writer.call('XGROUP', 'CREATE', 's4', 'other', '$'), '+OK\r\n');
    assert.equal(await writer.call('XGROUP', 'DESTROY', 's4', 'other'), ':1\r\n');
    await pause(50);
    assert.equal(srv.server.blocking.size, 1);
    assert.equal(await writer.call('XADD', 's4', '1-1', 'f', 'v'), '$3\r\n1-1\r\n');
    assert.equal(await reader.readReply(), '*1\r\n*2\r\n$2\r\ns4\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n');

    // CLIENT UNBLOCK … ERROR fails the blocked call too (7.2's unblockClientOnError)
    const id = /^:(\d+)\r\n$/.exec(await reader.call('CLIENT', 'ID'))![1]!;
    assert.equal(await writer.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
    await blockOn('s7', 'g7');
    assert.equal(await writer.call('CLIENT', 'UNBLOCK', id, 'ERROR'), ':1\r\n');
    assert.equal(await reader.readReply(), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    assert.match(await writer.call('INFO', 'commandstats'), /cmdstat_xreadgroup:calls=1,[^\r]*,rejected_calls=0,failed_calls=1\r\n/);
  } finally {
    reader.close();
    writer.close();
    await srv.close();
  }
});
