/**
 * Redoubt as a primary, disk-backed sync (`repl-diskless-sync no`): redis-server 7.0
 * replicates through an ACL user that has only the replication commands, with writes of
 * every type before, during and after the sync; the old SYNC form by hand (RDB as a
 * length-prefixed bulk, then the stream starting with a SELECT); REPLCONF's replies and
 * errors, and PSYNC refused to a user without it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, type RedisOracle } from '../helpers/redis-oracle.js';
import { assertSameKeyspace, infoField, mutateEveryType, startRedisReplica, waitFor, writeEveryType } from '../helpers/replication-workload.js';
import type { RunningServer } from '../../src/server/server.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;
const N = 60;

let srv: RunningServer | null = null;
let replica: RedisOracle | null = null;
const clients: RawClient[] = [];
const logs: string[] = [];

after(async () => {
  for (const c of clients) c.close();
  await replica?.stop();
  await srv?.close();
});

async function client(user?: string, pass?: string): Promise<RawClient> {
  const c = await RawClient.connect(srv!.port);
  clients.push(c);
  if (user !== undefined) assert.equal(await c.call('AUTH', user, pass!), '+OK\r\n');
  return c;
}

test('REPLCONF answers and errors as Redis; PSYNC needs its ACL permission', async () => {
  srv = await startTestServer({
    config: [
      ['repl-diskless-sync', 'no'],
      ['rdb-key-save-delay', '200'],
      ['user', 'repl', 'on', '>replpw', '+psync', '+replconf', '+ping'],
      ['user', 'norepl', 'on', '>pw', '+replconf', '+ping'],
    ],
    logSink: { write: (l: string) => void logs.push(l) },
  });
  const c = await client();
  assert.equal(await c.call('REPLCONF', 'listening-port', '7777', 'capa', 'eof', 'capa', 'psync2', 'capa', 'whatever'), '+OK\r\n');
  assert.equal(await c.call('REPLCONF', 'listening-port'), '-ERR syntax error\r\n');
  assert.equal(await c.call('REPLCONF', 'listening-port', 'x'), '-ERR value is not an integer or out of range\r\n');
  assert.equal(await c.call('REPLCONF', 'foo', 'bar'), '-ERR Unrecognized REPLCONF option: foo\r\n');
  assert.equal(await c.call('REPLCONF', 'rdb-only', '2'), '-ERR value is out of range, value must between 0 and 1\r\n');
  assert.equal(await c.call('REPLCONF', 'rdb-filter-only', 'keys'), '-ERR Unsupported rdb-filter-only option: keys\r\n');
  assert.equal(await c.call('REPLCONF', 'ip-address', 'x'.repeat(300)), '-ERR REPLCONF ip-address provided by replica instance is too long: 300 bytes\r\n');
  // ACK from a client that is not a replica: no reply at all
  c.write(RawClient.encode(['REPLCONF', 'ACK', '100']));
  assert.equal(await c.call('PING'), '+PONG\r\n');
  assert.equal(await c.call('PSYNC', '?', 'x'), '-ERR value is not an integer or out of range\r\n');
  assert.equal(await c.call('MULTI'), '+OK\r\n');
  assert.equal(await c.call('SYNC'), '-ERR Command not allowed inside a transaction\r\n');
  assert.equal(await c.call('DISCARD'), '+OK\r\n');
  const denied = await client('norepl', 'pw');
  assert.equal(await denied.call('PSYNC', '?', '-1'), "-NOPERM User norepl has no permissions to run the 'psync' command\r\n");
  assert.equal(await infoField(c, 'replication', 'connected_slaves'), '0');
});

test('disk-backed sync through a replication-only ACL user: every type before, during and after, keyspaces equal', { skip }, async () => {
  assert.ok(srv !== null, 'needs the first test');
  const c = await client();
  await writeEveryType(c, 'pre', N);
  replica = await startRedisReplica(srv.port, ['--masteruser', 'repl', '--masterauth', 'replpw']);
  const rc = await RawClient.connect(replica.port);
  clients.push(rc);
  await waitFor('the replica to attach', async () => (await infoField(c, 'replication', 'slave0')) !== '');
  let rounds = 0;
  while (!(await infoField(c, 'replication', 'slave0')).includes('state=online') && rounds < 40) {
    await mutateEveryType(c, 'pre', N, rounds);
    await c.call('SELECT', '2');
    await c.call('SET', `during:${rounds}`, String(rounds), 'EX', '5000');
    await c.call('SELECT', '0');
    rounds++;
  }
  assert.ok(rounds >= 2, `writes during the sync: ${rounds} rounds`);
  await writeEveryType(c, 'post', 20);
  await mutateEveryType(c, 'pre', N, 77);
  await waitFor('redis-server to report the link up', async () => (await infoField(rc, 'replication', 'master_link_status')) === 'up');
  assert.equal(await c.call('WAIT', '1', '5000'), ':1\r\n');
  const keys = await assertSameKeyspace(c, rc);
  assert.ok(keys > N * 10, `keys compared: ${keys}`);
  assert.ok(logs.some((l) => l.includes('Starting BGSAVE for SYNC with target: disk')));
  // the snapshot went through the dump file, as Redis's disk-backed sync
  assert.ok(existsSync(path.join(await configGet(c, 'dir'), 'dump.rdb')));
  assert.match(await infoField(c, 'replication', 'slave0'), /^ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+$/);
});

test('old-style SYNC: a length-prefixed RDB, then the stream opening with SELECT', async () => {
  assert.ok(srv !== null, 'needs the first test');
  const c = await client();
  assert.equal(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0'), '+OK\r\n');
  const s = await client();
  s.write(RawClient.encode(['SYNC']));
  // newlines keep the link alive while the snapshot is prepared; then $<len>
  let header = '';
  const deadline = Date.now() + 20_000;
  while (!header.endsWith('\r\n') && Date.now() < deadline) {
    const ch = await s.readBytes(1, 20_000);
    if (header === '' && ch === '\n') continue;
    header += ch;
  }
  const m = /^\$(\d+)\r\n$/.exec(header);
  assert.ok(m !== null, `bulk header: ${JSON.stringify(header)}`);
  const rdb = await s.readBytes(Number(m[1]), 10_000);
  assert.ok(rdb.startsWith('REDIS00'), 'an RDB image');
  await c.call('SELECT', '5');
  await c.call('SET', 'synced', 'yes');
  // the primary's PINGs may come first; the first command after the sync carries a SELECT
  let first = await s.readReply(5000);
  while (first === RawClient.encode(['PING'])) first = await s.readReply(5000);
  assert.equal(first, RawClient.encode(['SELECT', '5']));
  assert.equal(await s.readReply(5000), RawClient.encode(['SET', 'synced', 'yes']));
  assert.match(await c.call('CLIENT', 'LIST', 'TYPE', 'replica'), /flags=S[\s\S]*flags=S/);
});

async function configGet(c: RawClient, name: string): Promise<string> {
  const raw = await c.call('CONFIG', 'GET', name);
  return raw.split('\r\n')[4]!;
}
