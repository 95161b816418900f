/**
 * WAIT against redis-server (no replicas on either side): replies and argument errors in
 * RESP2 and RESP3, inside MULTI, and a WAIT that blocks — the timeout's answer, CLIENT
 * UNBLOCK … TIMEOUT / ERROR, INFO's blocked_clients — while the server keeps serving.
 * WAITAOF is 7.2-only (the 7.0 oracle does not know it): test/integration/wait-commands.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';

const SEQ: string[][] = [
  ['WAIT', '0', '0'],
  ['WAIT', '-1', '0'],
  ['WAIT', '0', '100'],
  ['WAIT', '-9223372036854775808', '1'],
  ['SET', 'k', 'v'],
  ['WAIT', '0', '0'],
  ['WAIT', '1', '20'],
  ['WAIT', 'x', '0'],
  ['WAIT', '1.5', '0'],
  ['WAIT', '9223372036854775808', '0'],
  ['WAIT', '1', '-1'],
  ['WAIT', '1', 'x'],
  ['WAIT', '1', '1.5'],
  ['WAIT', '2', '9223372036854775808'],
  ['WAIT', '1'],
  ['WAIT', '1', '2', '3'],
  ['MULTI'],
  ['WAIT', '5', '0'],
  ['WAIT', 'x', '0'],
  ['EXEC'],
  ['MULTI'],
  ['WAIT', '0', '0'],
  ['INCR', 'n'],
  ['WAIT', '3', '0'],
  ['EXEC'],
  ['HELLO', '3'],
  ['WAIT', '0', '0'],
  ['WAIT', '1', '10'],
];

test('WAIT replies and errors match redis-server', async (t) => {
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

test('WAIT 2 LLONG_MAX: the deadline would overflow (7.2 refuses it; 7.0 blocked forever)', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('WAIT', '2', '9223372036854775807'), '-ERR timeout is out of range\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

/** blocked_clients from INFO clients. */
async function blockedClients(c: RawClient): Promise<number> {
  const m = /blocked_clients:(\d+)/.exec(await c.call('INFO', 'clients'));
  return Number(m?.[1] ?? -1);
}

async function untilBlocked(c: RawClient, n: number): Promise<void> {
  const deadline = Date.now() + 3000;
  while ((await blockedClients(c)) !== n) {
    assert.ok(Date.now() < deadline, `blocked_clients never reached ${n}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a WAIT that must wait blocks its client only, as in redis-server: timeout, CLIENT UNBLOCK', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const srv = await startTestServer();
  const oracle = await startRedisOracle();
  try {
    const transcripts: string[][] = [];
    for (const port of [srv.port, oracle.port]) {
      const w = await RawClient.connect(port);
      const admin = await RawClient.connect(port);
      const seen: string[] = [];
      try {
        const id = (await w.call('CLIENT', 'ID')).slice(1, -2);
        await w.call('SET', 'k', 'v');
        // a timed WAIT: the server keeps answering others meanwhile, then WAIT answers 0
        const started = Date.now();
        w.write(RawClient.encode(['WAIT', '1', '300']) + RawClient.encode(['PING']));
        await untilBlocked(admin, 1);
        seen.push(await admin.call('GET', 'k'));
        seen.push(await w.readReply(5000));
        const waited = Date.now() - started;
        assert.ok(waited >= 250, `WAIT 1 300 answered after ${waited} ms`);
        seen.push(await w.readReply());
        // forever, ended by CLIENT UNBLOCK (TIMEOUT: the count; ERROR: -UNBLOCKED)
        w.write(RawClient.encode(['WAIT', '1', '0']));
        await untilBlocked(admin, 1);
        seen.push(await admin.call('CLIENT', 'UNBLOCK', id));
        seen.push(await w.readReply());
        w.write(RawClient.encode(['WAIT', '1', '0']));
        await untilBlocked(admin, 1);
        seen.push(await admin.call('CLIENT', 'UNBLOCK', id, 'ERROR'));
        seen.push(await w.readReply());
        seen.push(String(await blockedClients(admin)));
        seen.push(await admin.call('CLIENT', 'UNBLOCK', id));
        // a disconnected waiter is forgotten
        w.write(RawClient.encode(['WAIT', '3', '0']));
        await untilBlocked(admin, 1);
        w.close();
        await untilBlocked(admin, 0);
        seen.push('forgotten');
        transcripts.push(seen);
      } finally {
        w.close();
        admin.close();
      }
    }
    assert.deepEqual(transcripts[0], transcripts[1]);
  } finally {
    await srv.close();
    await oracle.stop();
  }
});
