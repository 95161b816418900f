/**
 * Redoubt as the replica of a real redis-server 7.0 primary, disk-backed full sync
 * (`repl-diskless-sync no`): a mixed workload of every type written before, during and
 * after the initial sync; the datasets compared key by key; link drops from either side
 * end in partial resyncs (the primary's sync_partial_ok) with nothing lost; READONLY,
 * ROLE, INFO replication; expiry as a replica does it; REPLICAOF NO ONE keeps the data.
 * A primary that refuses PSYNC is synced with SYNC; a fake one shows when ACKs follow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawClient, replyEnd } from '../helpers/raw-client.js';
import { startTestServer } from '../helpers/server.js';
import { findRedisServer, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';
import { compareDatasets, infoField, startPrimary, waitCaughtUp, waitFor, workload } from '../helpers/replication.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;

test('Redoubt replicates a redis-server primary: disk-backed sync, partial resyncs, promotion', { skip, timeout: 60_000 }, async () => {
  const primary = await startPrimary(['--repl-diskless-sync', 'no']);
  const logs: string[] = [];
  const replica = await startTestServer({ logSink: { write: (l) => void logs.push(l) } });
  const pc = await RawClient.connect(primary.port);
  const pc2 = await RawClient.connect(primary.port);
  const rc = await RawClient.connect(replica.port);
  try {
    await workload(pc, 'pre', 40);
    const lib = "#!lua name=replib\nredis.register_function('f1', function(keys, args) return 1 end)";
    assert.equal(await pc.call('FUNCTION', 'LOAD', lib), '$6\r\nreplib\r\n');
    // a key of the replica's own that the sync must replace
    await rc.call('SET', 'replica-only', '1');
    // the address the primary (and Sentinel, through its INFO) is told to reach the replica at
    assert.equal(await rc.call('CONFIG', 'SET', 'replica-announce-ip', '127.0.0.9', 'replica-announce-port', '7777'), '+OK\r\n');

    assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(primary.port)), '+OK\r\n');
    // writes while the sync runs, on their own connection
    const during = workload(pc2, 'during', 60);
    await during;
    await waitCaughtUp(pc, rc);
    await workload(pc, 'post', 20);
    await waitCaughtUp(pc, rc);

    let cmp = await compareDatasets(pc, rc);
    assert.deepEqual(cmp.diffs, []);
    assert.ok(cmp.keysA > 900, `keys compared: ${cmp.keysA}`);
    assert.equal(cmp.keysA, cmp.keysB);
    assert.match(await rc.call('FUNCTION', 'LIST'), /replib/);
    assert.equal(await rc.call('EXISTS', 'replica-only'), ':0\r\n');
    assert.equal(await infoField(pc, 'stats', 'sync_full'), '1');
    // redis-server lists the replica at its announced address
    assert.match(await pc.call('INFO', 'replication'), /\r\nslave0:ip=127\.0\.0\.9,port=7777,state=online,/);

    // what clients see of a replica
    assert.equal(await rc.call('SET', 'k', 'v'), "-READONLY You can't write against a read only replica.\r\n");
    // nor through a script (Redis's scriptVerifyWriteCommandAllow; a shebang without
    // no-writes makes EVAL a write command, refused before it runs, as redis-server 7.2.4)
    assert.match(await rc.call('EVAL', "return redis.call('set', 'k', 'v')", '0'), /^-READONLY You can't write against a read only replica\./);
    assert.equal(await rc.call('EVAL', "#!lua\nreturn redis.call('set', 'k', 'v')", '0'), "-READONLY You can't write against a read only replica.\r\n");
    assert.equal(await rc.call('EVAL', "return redis.call('get', 'pre:s:1')", '0'), await pc.call('GET', 'pre:s:1'));
    assert.equal(await rc.call('EXISTS', 'k'), ':0\r\n');
    assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(primary.port)), '+OK Already connected to specified master\r\n');
    const offset = await infoField(pc, 'replication', 'master_repl_offset');
    assert.equal(await rc.call('ROLE'), `*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:${primary.port}\r\n$9\r\nconnected\r\n:${offset}\r\n`);
    const info = await rc.call('INFO', 'replication');
    assert.match(info, new RegExp(`^role:slave\\r\\nmaster_host:127\\.0\\.0\\.1\\r\\nmaster_port:${primary.port}\\r\\nmaster_link_status:up\\r\\nmaster_last_io_seconds_ago:\\d+\\r\\nmaster_sync_in_progress:0\\r\\nslave_read_repl_offset:${offset}\\r\\nslave_repl_offset:${offset}\\r\\nslave_priority:100\\r\\nslave_read_only:1\\r\\nreplica_announced:1\\r\\nconnected_slaves:0\\r\\n`, 'm'));
    assert.match(info, new RegExp(`master_replid:${await infoField(pc, 'replication', 'master_replid')}\\r\\n`));
    // replica-priority is what Sentinel reads to choose (0: never promoted)
    assert.equal(await rc.call('CONFIG', 'SET', 'replica-priority', '0'), '+OK\r\n');
    assert.equal(await infoField(rc, 'replication', 'slave_priority'), '0');
    assert.match(await rc.call('CLIENT', 'LIST', 'TYPE', 'master'), /flags=M /);
    assert.ok(logs.some((l) => /\* MASTER <-> REPLICA sync: receiving \d+ bytes from master to disk/.test(l)), 'disk-backed transfer logged');
    assert.ok(logs.some((l) => /:S .*MASTER <-> REPLICA sync: Finished with success/.test(l)), 'sync logged with the replica role mark');

    // the link dropped by the replica (CLIENT KILL TYPE master): a partial resync, nothing lost
    const partial0 = Number(await infoField(pc, 'stats', 'sync_partial_ok'));
    assert.equal(await rc.call('CLIENT', 'KILL', 'TYPE', 'master'), ':1\r\n');
    await workload(pc, 'gap1', 10);
    await waitFor('a partial resync', async () => Number(await infoField(pc, 'stats', 'sync_partial_ok')) === partial0 + 1);
    await waitCaughtUp(pc, rc);
    // dropped by the primary (CLIENT KILL TYPE replica), writes in between again
    assert.equal(await pc.call('CLIENT', 'KILL', 'TYPE', 'replica'), ':1\r\n');
    await workload(pc, 'gap2', 10);
    await waitFor('a second partial resync', async () => Number(await infoField(pc, 'stats', 'sync_partial_ok')) === partial0 + 2);
    await waitCaughtUp(pc, rc);
    cmp = await compareDatasets(pc, rc);
    assert.deepEqual(cmp.diffs, []);
    assert.equal(await infoField(pc, 'stats', 'sync_full'), '1');
    assert.ok(logs.some((l) => l.includes('Successful partial resynchronization with master.')));

    // expiry on a replica: a key past its time reads as missing but stays until the primary's DEL
    assert.equal(await pc.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n');
    await pc.call('SET', 'short', 'v', 'PX', '150');
    await waitCaughtUp(pc, rc);
    const keysWith = Number(/db0:keys=(\d+)/.exec(await rc.call('INFO', 'keyspace'))![1]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await rc.call('GET', 'short'), '$-1\r\n');
    assert.equal(await rc.call('EXISTS', 'short'), ':0\r\n');
    assert.equal(Number(/db0:keys=(\d+)/.exec(await rc.call('INFO', 'keyspace'))![1]), keysWith, 'not deleted by the replica');
    assert.equal(await pc.call('GET', 'short'), '$-1\r\n'); // the primary expires it and sends DEL
    await waitCaughtUp(pc, rc);
    assert.equal(Number(/db0:keys=(\d+)/.exec(await rc.call('INFO', 'keyspace'))![1]), keysWith - 1);

    // REPLICAOF NO ONE: a primary again, same data, the old history kept as replid2
    const oldReplid = await infoField(rc, 'replication', 'master_replid');
    const finalOffset = await infoField(rc, 'replication', 'master_repl_offset');
    assert.equal(await rc.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
    assert.equal(await infoField(rc, 'replication', 'role'), 'master');
    assert.equal(await infoField(rc, 'replication', 'master_replid2'), oldReplid);
    assert.equal(await infoField(rc, 'replication', 'second_repl_offset'), String(Number(finalOffset) + 1));
    cmp = await compareDatasets(pc, rc);
    assert.deepEqual(cmp.diffs, []);
    assert.equal(await rc.call('SET', 'k', 'v'), '+OK\r\n');
    assert.ok(logs.some((l) => /MASTER MODE enabled \(user request from 'id=/.test(l)));
  } finally {
    pc.close();
    pc2.close();
    rc.close();
    await replica.close();
    await primary.stop();
  }
});

test('a primary that refuses PSYNC (-ERR unknown command) is synced with the old SYNC, as Redis 7.2 falls back', { skip }, async () => {
  const primary = await startPrimary(['--rename-command', 'PSYNC', '']);
  const logs: string[] = [];
  const replica = await startTestServer({ logSink: { write: (l) => void logs.push(l) } });
  const pc = await RawClient.connect(primary.port);
  const rc = await RawClient.connect(replica.port);
  try {
    await pc.call('SET', 'a', '1');
    assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(primary.port)), '+OK\r\n');
    await waitFor('the link up', async () => (await infoField(rc, 'replication', 'master_link_status')) === 'up');
    assert.equal(await pc.call('SET', 'b', '2'), '+OK\r\n');
    try {
      await waitFor('the stream applied', async () => (await rc.call('GET', 'b')) === '$1\r\n2\r\n');
    } catch (e) {
      // seen once in a loaded CI run (session 10): say where the link stood, for the next time
      const state = [await rc.call('INFO', 'replication'), await pc.call('INFO', 'replication'), await pc.call('CLIENT', 'LIST')].join('\n');
      throw new Error(`${(e as Error).message}\n--- replica log ---\n${logs.slice(-30).join('\n')}\n--- INFO / CLIENT LIST ---\n${state}`);
    }
    assert.equal(await rc.call('GET', 'a'), '$1\r\n1\r\n');
    assert.ok(logs.some((l) => l.includes("Master does not support PSYNC or is in error state (reply: -ERR unknown command 'PSYNC'")));
    assert.ok(logs.some((l) => l.includes('Retrying with SYNC...')));
    // no ID nor offset came with SYNC: as Redis, the stream is counted from -1 (the
    // fresh primary had no backlog before, so its offset is the stream's length)
    assert.equal(await infoField(rc, 'replication', 'master_repl_offset'), String(Number(await infoField(pc, 'replication', 'master_repl_offset')) - 1));
    assert.equal(await infoField(pc, 'stats', 'sync_full'), '1');
  } finally {
    pc.close();
    rc.close();
    await replica.close();
    await primary.stop();
  }
});

/**
 * A fake pre-PSYNC primary: PSYNC is an unknown command, SYNC answers an empty RDB framed
 * by `$EOF:<mark>` (diskless) or by `$<len>`. Like Redis 7 with a diskless-synced replica,
 * it starts the stream only on an ACK that finds the replica online; here it ignores the
 * first ACK, as a redis-server does when that ACK beats its handling of the RDB child's end.
 */
async function syncOnlyPrimary(framing: 'eof' | 'length'): Promise<{ server: net.Server; port: number; acks: () => number }> {
  const rdb = Buffer.concat([Buffer.from('REDIS0011', 'latin1'), Buffer.from([0xff]), Buffer.alloc(8)]);
  const mark = 'k'.repeat(40);
  let acks = 0;
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        // SYNC comes inline, as Redis's replica sends it; the rest as arrays of bulk strings
        const inline = !buf.startsWith('*');
        const end = inline ? buf.indexOf('\r\n') + 2 : replyEnd(buf, 0);
        if (end < 2) break;
        const argv = inline ? buf.slice(0, end - 2).split(' ') : buf.slice(0, end).split('\r\n').filter((_, i) => i > 0 && i % 2 === 0);
        buf = buf.slice(end);
        const name = argv[0]!.toUpperCase();
        if (name === 'PING') sock.write('+PONG\r\n');
        else if (name === 'PSYNC') sock.write("-ERR unknown command 'PSYNC', with args beginning with: '?' '-1' \r\n");
        else if (name === 'SYNC') {
          const head = framing === 'eof' ? `$EOF:${mark}\r\n` : `$${rdb.length}\r\n`;
          sock.write(Buffer.concat([Buffer.from(head, 'latin1'), rdb, Buffer.from(framing === 'eof' ? mark : '', 'latin1')]));
        } else if (name === 'REPLCONF' && argv[1]!.toUpperCase() === 'ACK') {
          acks++;
          if (acks === 2) sock.write('*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n');
        } else sock.write('+OK\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port, acks: () => acks };
}

test('after SYNC with a diskless ($EOF:) payload the replica ACKs each second until the stream starts; after a $<len> one, never again', { timeout: 30_000 }, async () => {
  for (const framing of ['eof', 'length'] as const) {
    const primary = await syncOnlyPrimary(framing);
    const replica = await startTestServer();
    const rc = await RawClient.connect(replica.port);
    try {
      assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(primary.port)), '+OK\r\n');
      await waitFor('the link up', async () => (await infoField(rc, 'replication', 'master_link_status')) === 'up');
      if (framing === 'eof') {
        // the first ACK is ignored: only a later one starts the stream
        await waitFor('the stream applied', async () => (await rc.call('GET', 'b')) === '$1\r\n2\r\n', 10_000);
        const acksAtStream = primary.acks();
        await new Promise((r) => setTimeout(r, 2_500));
        assert.equal(primary.acks(), acksAtStream, 'no periodic ACK once the stream has started');
      } else {
        // a primary that sent a sized payload may predate REPLCONF: the one ACK after the load only
        await new Promise((r) => setTimeout(r, 2_500));
        assert.equal(primary.acks(), 1);
        assert.equal(await rc.call('GET', 'b'), '$-1\r\n');
      }
    } finally {
      rc.close();
      await replica.close();
      await new Promise((r) => primary.server.close(r));
    }
  }
});
