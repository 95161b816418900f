/**
 * Redoubt as the replica of a redis-server 7.0 primary with a diskless full sync
 * (`$EOF:<mark>` framing), configured from its config (`replicaof`, `masteruser`,
 * `masterauth`) and authenticating as a dedicated ACL user with only the replication
 * commands: a wrong password is refused, logged and a security event (the password never
 * appears in either); replica-serve-stale-data no answers MASTERDOWN while the link is
 * down; the right password (CONFIG SET masterauth) brings the link up, and the datasets
 * agree after writes before, during and after the sync and across a link drop. Then, with
 * `repl-diskless-load swapdb`, a full sync loads from the socket (no dump file written) and
 * replaces the dataset, and a payload that breaks mid-load (a fake primary) leaves the old
 * dataset in place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { RawClient, replyEnd } from '../helpers/raw-client.js';
import { startTestServer } from '../helpers/server.js';
import { findRedisServer, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { compareDatasets, infoField, startPrimary, waitCaughtUp, waitFor, workload } from '../helpers/replication.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;

test('Redoubt replica of redis-server: diskless sync, replication ACL user, wrong password refused and logged', { skip, timeout: 60_000 }, async () => {
  // protected mode off: the replica connects from 127.0.0.2, which Redis does not count as local
  const primary = await startPrimary(['--repl-diskless-sync', 'yes', '--protected-mode', 'no']);
  const pc = await RawClient.connect(primary.port);
  assert.equal(await pc.call('ACL', 'SETUSER', 'repl', 'on', '>Repl-Secret-9', '+psync', '+replconf', '+ping'), '+OK\r\n');
  await workload(pc, 'pre', 30);

  const dir = scratchDir();
  const secLog = path.join(dir, 'security.log');
  const logs: string[] = [];
  const replica = await startTestServer({
    logSink: { write: (l) => void logs.push(l) },
    config: [
      ['dir', dir],
      ['security-log-file', secLog],
      ['replicaof', '127.0.0.1', String(primary.port)],
      ['masteruser', 'repl'],
      ['masterauth', 'Wrong-Secret-1'],
      // the link connects from this loopback address (Linux routes all of 127/8 to lo)
      ['bind-source-addr', '127.0.0.2'],
    ],
  });
  const rc = await RawClient.connect(replica.port);
  const pc2 = await RawClient.connect(primary.port);
  try {
    assert.equal(await infoField(rc, 'replication', 'role'), 'slave');
    await waitFor('the refused AUTH', async () => logs.some((l) => l.includes('Unable to AUTH to MASTER: -WRONGPASS')));
    assert.equal(await infoField(rc, 'replication', 'master_link_status'), 'down');
    assert.equal(await infoField(rc, 'replication', 'slave_repl_offset'), '1');
    assert.equal(await rc.call('DBSIZE'), ':0\r\n');
    assert.match(await rc.call('WAIT', '0', '0'), /^-ERR WAIT cannot be used with replica instances\./);
    assert.equal(await rc.call('HELLO', '3').then((r) => /\$4\r\nrole\r\n\$7\r\nreplica\r\n/.test(r)), true);
    await rc.call('HELLO', '2');

    // replica-serve-stale-data no: only `stale` commands while the link is down
    assert.equal(await rc.call('CONFIG', 'SET', 'replica-serve-stale-data', 'no'), '+OK\r\n');
    assert.equal(await rc.call('GET', 'pre:s:1'), "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n");
    assert.match(await rc.call('INFO', 'replication'), /master_link_status:down/);
    // as Redis: PING is not `stale`, refused when queued, and the transaction is doomed
    assert.equal(await rc.call('MULTI'), '+OK\r\n');
    assert.match(await rc.call('PING'), /^-MASTERDOWN /);
    assert.equal(await rc.call('EXEC'), '-EXECABORT Transaction discarded because of previous errors.\r\n');

    // the right password: the next attempt (once a second) syncs
    assert.equal(await rc.call('CONFIG', 'SET', 'masterauth', 'Repl-Secret-9'), '+OK\r\n');
    const during = workload(pc2, 'during', 40);
    await waitFor('the link', async () => (await infoField(rc, 'replication', 'master_link_status')) === 'up');
    await during;
    await workload(pc, 'post', 15);
    await waitCaughtUp(pc, rc);
    assert.equal(await rc.call('CONFIG', 'SET', 'replica-serve-stale-data', 'yes'), '+OK\r\n');

    let cmp = await compareDatasets(pc, rc);
    assert.deepEqual(cmp.diffs, []);
    assert.ok(cmp.keysA > 650, `keys compared: ${cmp.keysA}`);
    assert.equal(cmp.keysA, cmp.keysB);
    assert.ok(logs.some((l) => l.includes('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk')));
    assert.match(await pc.call('CLIENT', 'LIST', 'TYPE', 'replica'), / user=repl /);
    assert.match(await pc.call('CLIENT', 'LIST', 'TYPE', 'replica'), / addr=127\.0\.0\.2:\d+ /, 'bind-source-addr');

    // a drop mid-stream: partial resync over the same ACL user
    const partial0 = Number(await infoField(pc, 'stats', 'sync_partial_ok'));
    assert.equal(await rc.call('CLIENT', 'KILL', 'TYPE', 'master'), ':1\r\n');
    await workload(pc, 'gap', 10);
    await waitFor('a partial resync', async () => Number(await infoField(pc, 'stats', 'sync_partial_ok')) === partial0 + 1);
    await waitCaughtUp(pc, rc);
    cmp = await compareDatasets(pc, rc);
    assert.deepEqual(cmp.diffs, []);
    assert.equal(await infoField(pc, 'stats', 'sync_full'), '1');

    // repl-diskless-load swapdb: a full sync (the promoted replica diverged) loads from the
    // socket into a fresh keyspace, nothing written to disk, the old keys gone once it worked
    assert.equal(await rc.call('CONFIG', 'SET', 'repl-diskless-load', 'swapdb'), '+OK\r\n');
    const dump = path.join(dir, 'dump.rdb');
    const dumpTime = statSync(dump).mtimeMs;
    assert.equal(await pc.call('FUNCTION', 'LOAD', "#!lua name=keptlib\nredis.register_function('kf', function() return 1 end)"), '$7\r\nkeptlib\r\n');
    await waitCaughtUp(pc, rc);
    assert.equal(await rc.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
    assert.equal(await rc.call('SET', 'replica-only', '1'), '+OK\r\n');
    assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(primary.port)), '+OK\r\n');
    await waitFor('the swapdb sync', async () => logs.some((l) => l.includes('MASTER <-> REPLICA sync: Discarding old DB in background')));
    await waitCaughtUp(pc, rc);
    cmp = await compareDatasets(pc, rc);
    assert.deepEqual(cmp.diffs, []);
    assert.equal(await rc.call('EXISTS', 'replica-only'), ':0\r\n');
    assert.equal(await infoField(pc, 'stats', 'sync_full'), '2');
    assert.ok(logs.some((l) => l.includes('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser')));
    assert.ok(logs.some((l) => l.includes('MASTER <-> REPLICA sync: Swapping active DB with loaded DB')));
    assert.equal(statSync(dump).mtimeMs, dumpTime, 'a diskless load writes no dump file');

    // a payload that breaks mid-load: with swapdb the old dataset is back, the partial one gone
    const keys = await rc.call('DBSIZE');
    const fake = await brokenPrimary();
    try {
      assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(fake.port)), '+OK\r\n');
      await waitFor('the failed load', async () => logs.some((l) => l.includes('Failed trying to load the MASTER synchronization DB from socket, check server logs.')));
      // promoted before the next attempt (a second later) starts another load
      assert.equal(await rc.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
      assert.ok(logs.some((l) => l.includes('MASTER <-> REPLICA sync: Discarding temporary DB in background')));
      assert.equal(await rc.call('DBSIZE'), keys);
      assert.equal(await rc.call('EXISTS', 'partial'), ':0\r\n');
      assert.equal(await rc.call('GET', 'pre:s:1'), await pc.call('GET', 'pre:s:1'));
      assert.match(await rc.call('FUNCTION', 'LIST'), /keptlib/);
    } finally {
      fake.server.close();
      for (const sock of fake.sockets) sock.destroy();
    }

    // the secrets are in no log line and no security event; the failure is an event
    await new Promise((r) => setTimeout(r, 200));
    const events = readFileSync(secLog, 'utf8');
    assert.match(events, /"type":"replication-auth-failure".*"user":"repl"/);
    assert.match(events, /"type":"replication-link".*"event":"sync-full"/);
    assert.match(events, /"type":"replication-link".*"event":"sync-partial"/);
    for (const text of [logs.join(''), events]) {
      assert.ok(!text.includes('Wrong-Secret-1') && !text.includes('Repl-Secret-9'), 'no password in logs or events');
    }
  } finally {
    pc.close();
    pc2.close();
    rc.close();
    await replica.close();
    await primary.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A fake primary: answers the handshake, then +FULLRESYNC and an EOF-framed payload that
 * holds one valid key and then an unknown value type, so the load fails after a key.
 */
async function brokenPrimary(): Promise<{ server: net.Server; port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const mark = 'm'.repeat(40);
  const payload = Buffer.concat([
    Buffer.from('REDIS0011', 'latin1'),
    Buffer.from([0xfe, 0x00, 0x00, 0x07]),
    Buffer.from('partial', 'latin1'),
    Buffer.from([0x01]),
    Buffer.from('x', 'latin1'),
    Buffer.from([0xee, 0x01, 0x61, 0x01, 0x62]),
  ]);
  const server = net.createServer((sock) => {
    sockets.push(sock);
    sock.on('error', () => {});
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let end = replyEnd(buf, 0); end !== -1; end = replyEnd(buf, 0)) {
        const name = buf.slice(0, end).split('\r\n')[2]!.toUpperCase();
        buf = buf.slice(end);
        if (name === 'PING') sock.write('+PONG\r\n');
        else if (name === 'PSYNC') sock.write(Buffer.concat([Buffer.from(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n$EOF:${mark}\r\n`, 'latin1'), payload, Buffer.from(mark, 'latin1')]));
        else sock.write('+OK\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port, sockets };
}
