/**
 * A Redoubt replica's link over TLS (`tls-replication yes`) to a redis-server 7.0 primary
 * that requires client certificates: with a certificate from the primary's CA the link comes
 * up and the data replicates; a certificate from another CA is refused by the primary,
 * logged and a `replication-auth-failure` security event, and the link stays down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer } from '../helpers/server.js';
import { findRedisServer, freePort, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { makeTestPki } from '../helpers/tls-certs.js';
import { compareDatasets, infoField, startPrimary, waitCaughtUp, waitFor, workload } from '../helpers/replication.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;

test('replication over TLS: the primary\'s CA admits the replica, a certificate from another CA is refused and logged', { skip, timeout: 60_000 }, async () => {
  const pki = makeTestPki();
  const tlsPort = await freePort();
  const primary = await startPrimary([
    '--tls-port', String(tlsPort),
    '--tls-cert-file', pki.serverCert,
    '--tls-key-file', pki.serverKey,
    '--tls-ca-cert-file', pki.caCert,
    '--tls-auth-clients', 'yes',
  ]);
  const pc = await RawClient.connect(primary.port);
  const dir = scratchDir();
  const secLog = path.join(dir, 'security.log');
  const logs: string[] = [];
  const replica = await startTestServer({
    logSink: { write: (l) => void logs.push(l) },
    config: [
      ['dir', dir],
      ['security-log-file', secLog],
      ['tls-replication', 'yes'],
      ['tls-ca-cert-file', pki.caCert],
      ['tls-client-cert-file', pki.otherClientCert],
      ['tls-client-key-file', pki.otherClientKey],
    ],
  });
  const rc = await RawClient.connect(replica.port);
  try {
    await workload(pc, 'tls', 10);
    // a certificate the primary's CA did not sign
    assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(tlsPort)), '+OK\r\n');
    await waitFor('the refused certificate in the security log', async () => {
      try {
        return /"type":"replication-auth-failure".*"reason":"tls: /.test(readFileSync(secLog, 'utf8'));
      } catch {
        return false;
      }
    });
    assert.equal(await infoField(rc, 'replication', 'master_link_status'), 'down');
    assert.equal(await rc.call('DBSIZE'), ':0\r\n');
    assert.ok(logs.some((l) => /# (Error condition on socket for SYNC|Failed to read response from the server): /.test(l)), 'the failure is logged');

    // the right certificate: the next attempt syncs over TLS
    assert.equal(await rc.call('CONFIG', 'SET', 'tls-client-cert-file', pki.clientCert, 'tls-client-key-file', pki.clientKey), '+OK\r\n');
    await waitCaughtUp(pc, rc);
    await workload(pc, 'tls2', 5);
    await waitCaughtUp(pc, rc);
    const cmp = await compareDatasets(pc, rc);
    assert.deepEqual(cmp.diffs, []);
    assert.ok(cmp.keysA > 100);
    // the replica's connection on the primary is the TLS one (its listening port announced)
    assert.match(await pc.call('INFO', 'replication'), new RegExp(`slave0:ip=127\\.0\\.0\\.1,port=${replica.port},state=online`));
  } finally {
    pc.close();
    rc.close();
    await replica.close();
    await primary.stop();
    rmSync(dir, { recursive: true, force: true });
    pki.cleanup();
  }
});
