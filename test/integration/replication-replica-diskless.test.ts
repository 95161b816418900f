/**
 * Redoubt as the replica of a redis-server 7.0 primary with a diskless full sync
 * (`$EOF:<mark>` framing), configured from its config (`replicaof`, `masteruser`,
 * `masterauth`) and authenticating as a dedicated ACL user with only the replication
 * commands: a wrong password is refused, logged and a security event (the password never
 * appears in either); replica-serve-stale-data no answers MASTERDOWN while the link is
 * down; the right password (CONFIG SET masterauth) brings the link up, and the datasets
 * agree after writes before, during and after the sync and across a link drop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
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
