/**
 * Redoubt as a primary with Debian's redis-server 7.0 as its replica (issue 16), diskless:
 * a workload of every type written before, during and after the initial sync, the two
 * keyspaces compared key by key; a link drop (CLIENT KILL TYPE replica) ending in a
 * partial resync with nothing lost; WAIT and min-replicas-to-write with the replica
 * there and gone.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, type RedisOracle } from '../helpers/redis-oracle.js';
import { assertSameKeyspace, infoField, mutateEveryType, startRedisReplica, waitFor, writeEveryType } from '../helpers/replication-workload.js';
import type { RunningServer } from '../../src/server/server.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;
const N = 80;
const LIB = "#!lua name=replib\nredis.register_function('bump', function(keys) return redis.call('incr', keys[1]) end)";
const LIB2 = "#!lua name=replib2\nredis.register_function('twice', function(keys) return redis.call('incrby', keys[1], 2) end)";

let srv: RunningServer | null = null;
let replica: RedisOracle | null = null;
let c: RawClient;
let rc: RawClient;
const logs: string[] = [];

after(async () => {
  c?.close();
  rc?.close();
  await replica?.stop();
  await srv?.close();
});

test('diskless full sync: every type written before, during and after the sync reaches redis-server 7.0 intact', { skip }, async () => {
  srv = await startTestServer({
    // the walk writes one key per millisecond, so the sync lasts long enough to write during it
    config: [
      ['repl-diskless-sync', 'yes'],
      ['repl-diskless-sync-delay', '1'],
      ['rdb-key-save-delay', '200'],
    ],
    logSink: { write: (l: string) => void logs.push(l) },
  });
  c = await RawClient.connect(srv.port);
  assert.equal(await c.call('FUNCTION', 'LOAD', LIB), '$6\r\nreplib\r\n');
  await writeEveryType(c, 'pre', N);
  replica = await startRedisReplica(srv.port);
  rc = await RawClient.connect(replica.port);
  // the replica waits for the snapshot (diskless delay), then receives it: write all along
  await waitFor('the replica to attach', async () => (await infoField(c, 'replication', 'slave0')).includes('state=wait_bgsave'));
  let rounds = 0;
  while (!(await infoField(c, 'replication', 'slave0')).includes('state=online') && rounds < 40) {
    await mutateEveryType(c, 'pre', N, rounds);
    await c.call('SET', `during:${rounds}`, String(rounds), 'PX', '400000');
    rounds++;
  }
  assert.ok(rounds >= 2, `writes during the sync: ${rounds} rounds`);
  assert.match(await c.call('CLIENT', 'LIST', 'TYPE', 'replica'), /flags=S /);
  assert.equal(await c.call('FUNCTION', 'LOAD', LIB2), '$7\r\nreplib2\r\n');
  await c.call('FCALL', 'bump', '1', 'fcounter');
  await writeEveryType(c, 'post', 30);
  await mutateEveryType(c, 'pre', N, 99);
  await waitFor('redis-server to report the link up', async () => (await infoField(rc, 'replication', 'master_link_status')) === 'up');
  // WAIT: the replica acknowledged everything this client wrote
  assert.equal(await c.call('WAIT', '1', '5000'), ':1\r\n');
  const keys = await assertSameKeyspace(c, rc);
  assert.ok(keys > N * 10, `keys compared: ${keys}`);
  const libs = await rc.call('FUNCTION', 'LIST');
  assert.ok(libs.includes('replib') && libs.includes('replib2'), 'both libraries on the replica');
  assert.equal(await infoField(c, 'stats', 'sync_full'), '1');
  assert.ok(logs.some((l) => l.includes('Starting BGSAVE for SYNC with target: replicas sockets')));
  assert.ok(logs.some((l) => /Synchronization with replica 127\.0\.0\.1:\d+ succeeded/.test(l)));
  // ROLE: master, the offset, the replica with the offset it acknowledged
  assert.match(await c.call('ROLE'), /^\*3\r\n\$6\r\nmaster\r\n:\d+\r\n\*1\r\n\*3\r\n\$9\r\n127\.0\.0\.1\r\n\$\d+\r\n\d+\r\n\$\d+\r\n\d+\r\n$/);
});

test('a dropped link resumes with a partial resync from the backlog, nothing lost', { skip }, async () => {
  assert.ok(srv !== null && replica !== null, 'needs the first test');
  const fullBefore = await infoField(c, 'stats', 'sync_full');
  assert.equal(await c.call('CLIENT', 'KILL', 'TYPE', 'replica'), ':1\r\n');
  // writes while the replica is away go to the backlog only
  for (let i = 0; i < 50; i++) await c.call('SET', `gap:${i}`, String(i));
  await mutateEveryType(c, 'post', 30, 5);
  await waitFor('the replica to reconnect', async () => (await infoField(c, 'replication', 'slave0')).includes('state=online'), 15_000);
  assert.equal(await infoField(c, 'stats', 'sync_partial_ok'), '1');
  assert.equal(await infoField(c, 'stats', 'sync_full'), fullBefore);
  assert.ok(logs.some((l) => /Partial resynchronization request from 127\.0\.0\.1:\d+ accepted\. Sending \d+ bytes of backlog/.test(l)));
  assert.equal(await c.call('WAIT', '1', '5000'), ':1\r\n');
  await assertSameKeyspace(c, rc);
});

test('WAIT counts the replica while it is there, 0 after its timeout without; min-replicas-to-write refuses with -NOREPLICAS', { skip }, async () => {
  assert.ok(srv !== null && replica !== null, 'needs the first test');
  assert.equal(await c.call('CONFIG', 'SET', 'min-replicas-to-write', '1'), '+OK\r\n');
  assert.equal(await c.call('SET', 'guarded', '1'), '+OK\r\n');
  assert.equal(await infoField(c, 'replication', 'min_slaves_good_slaves'), '1');
  assert.equal(await c.call('WAIT', '1', '5000'), ':1\r\n');
  rc.close();
  await replica.stop();
  replica = null;
  await waitFor('the replica to be gone', async () => (await infoField(c, 'replication', 'connected_slaves')) === '0');
  assert.equal(await c.call('SET', 'guarded', '2'), '-NOREPLICAS Not enough good replicas to write.\r\n');
  assert.equal(await infoField(c, 'replication', 'min_slaves_good_slaves'), '0');
  // reads still run; a write queued in MULTI is refused and dooms the transaction
  assert.equal(await c.call('GET', 'guarded'), '$1\r\n1\r\n');
  assert.equal(await c.call('MULTI'), '+OK\r\n');
  assert.equal(await c.call('INCR', 'guarded'), '-NOREPLICAS Not enough good replicas to write.\r\n');
  assert.equal(await c.call('EXEC'), '-EXECABORT Transaction discarded because of previous errors.\r\n');
  assert.equal(await c.call('CONFIG', 'SET', 'min-replicas-to-write', '0'), '+OK\r\n');
  assert.equal(await c.call('SET', 'guarded', '3'), '+OK\r\n');
  const started = Date.now();
  assert.equal(await c.call('WAIT', '1', '300'), ':0\r\n');
  assert.ok(Date.now() - started >= 250, 'WAIT waited for its timeout');
  // the backlog follows repl-backlog-size, and is freed repl-backlog-ttl after the last replica left
  assert.equal(await c.call('CONFIG', 'SET', 'repl-backlog-size', '2mb'), '+OK\r\n');
  assert.equal(await infoField(c, 'replication', 'repl_backlog_size'), '2097152');
  const replid = await infoField(c, 'replication', 'master_replid');
  assert.equal(await c.call('CONFIG', 'SET', 'repl-backlog-ttl', '1'), '+OK\r\n');
  await waitFor('the backlog to be freed', async () => (await infoField(c, 'replication', 'repl_backlog_active')) === '0', 5000);
  assert.notEqual(await infoField(c, 'replication', 'master_replid'), replid);
  assert.ok(logs.some((l) => l.includes('Replication backlog freed after 1 seconds without connected replicas.')));
});

test('by hand: an EOF-marked diskless RDB, held stream until the first ACK, repl-timeout drops a silent replica', async () => {
  const own: string[] = [];
  const p = await startTestServer({
    config: [
      ['repl-diskless-sync', 'yes'],
      ['repl-diskless-sync-delay', '0'],
      ['repl-timeout', '1'],
    ],
    logSink: { write: (l: string) => void own.push(l) },
  });
  const events: string[] = [];
  p.server.security.events.listener = (line) => void events.push(line);
  const w = await RawClient.connect(p.port);
  const r = await RawClient.connect(p.port);
  try {
    await w.call('SET', 'a', '1');
    assert.equal(await r.call('REPLCONF', 'listening-port', '6399', 'capa', 'eof', 'capa', 'psync2'), '+OK\r\n');
    r.write(RawClient.encode(['PSYNC', '?', '-1']));
    const full = await readLine(r);
    const m = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)\r\n$/.exec(full);
    assert.ok(m !== null, full);
    const head = await readLine(r);
    const mark = /^\$EOF:([0-9a-f]{40})\r\n$/.exec(head);
    assert.ok(mark !== null, head);
    // the RDB ends with the same 40 bytes; read up to them
    let rdb = '';
    while (!rdb.endsWith(mark[1]!)) rdb += await r.readBytes(1, 5000);
    assert.ok(rdb.startsWith('REDIS00'));
    assert.ok(rdb.includes('repl-id') && rdb.includes(m[1]!), 'the replication aux fields name the history');
    // a write now is held for the replica until it acknowledges (it may still be loading)
    await w.call('SET', 'b', '2');
    assert.equal(await r.readBytes(1, 300), '');
    r.write(RawClient.encode(['REPLCONF', 'ACK', m[2]!]));
    assert.equal(await r.readReply(2000), RawClient.encode(['SELECT', '0']));
    assert.equal(await r.readReply(2000), RawClient.encode(['SET', 'b', '2']));
    assert.match(await w.call('ROLE'), /^\*3\r\n\$6\r\nmaster\r\n:\d+\r\n\*1\r\n\*3\r\n\$9\r\n127\.0\.0\.1\r\n\$4\r\n6399\r\n/);
    // silent from now on: dropped after repl-timeout (1 s)
    assert.ok(await r.waitClosed(5000), 'a replica that stops acknowledging is disconnected');
    assert.ok(own.some((l) => l.includes('Disconnecting timedout replica (streaming sync): 127.0.0.1:6399')));
    assert.equal(await infoField(w, 'replication', 'connected_slaves'), '0');
    // attach, full sync and detach are security events naming the peer
    for (const type of ['replica-attached', 'replica-full-sync', 'replica-detached']) {
      assert.ok(
        events.some((e) => e.includes(`"type":"${type}"`) && e.includes('127.0.0.1:6399')),
        type,
      );
    }
  } finally {
    w.close();
    r.close();
    await p.close();
  }
});

test('client-output-buffer-limit replica: a replica whose held stream passes the hard limit is dropped', async () => {
  const own: string[] = [];
  const p = await startTestServer({
    config: [
      ['repl-diskless-sync', 'yes'],
      ['repl-diskless-sync-delay', '0'],
      ['client-output-buffer-limit', 'replica', '256kb', '0', '0'],
    ],
    logSink: { write: (l: string) => void own.push(l) },
  });
  const w = await RawClient.connect(p.port);
  const r = await RawClient.connect(p.port);
  try {
    assert.equal(await r.call('REPLCONF', 'capa', 'eof'), '+OK\r\n');
    r.write(RawClient.encode(['PSYNC', '?', '-1']));
    await waitFor('the sync to end', async () => (await infoField(w, 'replication', 'slave0')).includes('state=online'));
    // never acknowledging, the replica's stream is held for it: 40 × 10 KB passes 256 KB
    const big = 'x'.repeat(10_000);
    for (let i = 0; i < 40; i++) await w.call('SET', `big:${i}`, big);
    assert.ok(await r.waitClosed(5000), 'dropped past the limit');
    assert.ok(own.some((l) => /Client 127\.0\.0\.1:\d+ scheduled to be closed ASAP for overcoming of output buffer limits\./.test(l)));
    assert.equal(p.server.stats.clientOutputBufferLimitDisconnections, 1);
  } finally {
    w.close();
    r.close();
    await p.close();
  }
});

test('issue 13: a lagging replica\'s buffers are in used_memory but not counted for maxmemory (no eviction, no OOM): mem_not_counted_for_evict, mem_clients_slaves', async () => {
  const p = await startTestServer({
    config: [
      ['repl-diskless-sync', 'yes'],
      ['repl-diskless-sync-delay', '0'],
      // a normal-class limit must not reach the replica's stream (it has its own class)
      ['client-output-buffer-limit', 'normal', '65536', '0', '0', 'replica', '0', '0', '0'],
      ['maxmemory-policy', 'allkeys-random'],
    ],
  });
  const w = await RawClient.connect(p.port);
  const r = await RawClient.connect(p.port);
  try {
    for (let i = 0; i < 20; i++) await w.call('SETRANGE', `key:${i}`, '1000', 'asdf');
    assert.equal(await r.call('REPLCONF', 'listening-port', '6398', 'capa', 'eof', 'capa', 'psync2'), '+OK\r\n');
    r.write(RawClient.encode(['PSYNC', '?', '-1']));
    const m = /^\+FULLRESYNC [0-9a-f]{40} (\d+)\r\n$/.exec(await readLine(r));
    assert.ok(m !== null);
    const mark = /^\$EOF:([0-9a-f]{40})\r\n$/.exec(await readLine(r));
    assert.ok(mark !== null);
    let rdb = '';
    while (!rdb.endsWith(mark[1]!)) rdb += await r.readBytes(1, 5000);
    r.write(RawClient.encode(['REPLCONF', 'ACK', m[1]!]));
    await waitFor('the replica online', async () => (await infoField(w, 'replication', 'slave0')).includes('state=online'));
    p.server.cron.tick();
    const used = Number(await infoField(w, 'memory', 'used_memory'));
    const notCounted = Number(await infoField(w, 'memory', 'mem_not_counted_for_evict'));
    assert.equal(await w.call('CONFIG', 'SET', 'maxmemory', String(used - notCounted + 64 * 1024)), '+OK\r\n');
    // the replica stops reading; ~24 MB of writes that do not grow the dataset pile up for it
    r.socket.pause();
    const batch = RawClient.encode(['SETRANGE', 'key:0', '0', 'A'.repeat(1000)]).repeat(500);
    for (let i = 0; i < 48; i++) {
      w.write(batch);
      for (let j = 0; j < 500; j++) assert.equal(await w.readReply(5000), ':1004\r\n');
    }
    p.server.cron.tick();
    const slaves = Number(await infoField(w, 'memory', 'mem_clients_slaves'));
    const notCountedNow = Number(await infoField(w, 'memory', 'mem_not_counted_for_evict'));
    assert.ok(slaves > 2 * 1024 * 1024, `mem_clients_slaves ${slaves}`);
    assert.ok(notCountedNow > 2 * 1024 * 1024, `mem_not_counted_for_evict ${notCountedNow}`);
    assert.ok(Number(await infoField(w, 'memory', 'used_memory')) > used + 2 * 1024 * 1024, 'the buffers are in used_memory');
    assert.equal(await w.call('DBSIZE'), ':20\r\n');
    assert.equal(await infoField(w, 'stats', 'evicted_keys'), '0');
    assert.equal(await infoField(w, 'replication', 'connected_slaves'), '1');
    assert.equal(p.server.stats.clientOutputBufferLimitDisconnections, 0);
  } finally {
    r.socket.resume();
    w.close();
    r.close();
    await p.close();
  }
});

/** One line of a raw reply, CRLF included. */
async function readLine(c: RawClient): Promise<string> {
  let line = '';
  while (!line.endsWith('\r\n')) {
    const ch = await c.readBytes(1, 5000);
    if (ch === '') throw new Error(`no line end after ${JSON.stringify(line)}`);
    line += ch;
  }
  return line;
}

test('repl-diskless-sync-max-replicas: the full sync starts once that many replicas wait, not after the delay', { skip }, async () => {
  // a delay no test would wait out: only the replica count can start the transfer
  const primary = await startTestServer({ config: [['repl-diskless-sync', 'yes'], ['repl-diskless-sync-delay', '60'], ['repl-diskless-sync-max-replicas', '1']] });
  const pc = await RawClient.connect(primary.port);
  let red: RedisOracle | null = null;
  try {
    assert.equal(await pc.call('SET', 'k', 'v'), '+OK\r\n');
    red = await startRedisReplica(primary.port);
    const r = await RawClient.connect(red.port);
    try {
      await waitFor('the replica in sync well before the 60 s delay', async () => (await infoField(r, 'replication', 'master_link_status')) === 'up', 15_000);
      assert.equal(await r.call('GET', 'k'), '$1\r\nv\r\n');
    } finally {
      r.close();
    }
  } finally {
    pc.close();
    await red?.stop();
    await primary.close();
  }
});
