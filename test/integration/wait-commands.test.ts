/**
 * WAITAOF on a live Redoubt, as Redis 7.2 counts the local fsync (the 7.0 oracle does
 * not have the command; the expectations are those of Redis 7.2.4's tests/unit/wait.tcl
 * and replication.c): `always` answers at once, `everysec` after the next background
 * fsync, `no` only at the timeout; the AOF switched off under a waiter is an error; no
 * blocking inside MULTI; CLIENT UNBLOCK; the server keeps serving while a client waits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import type { RunningServer } from '../../src/server/server.js';

const AOF_OFF = '-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.\r\n';
const pair = (local: number, replicas: number) => `*2\r\n:${local}\r\n:${replicas}\r\n`;

async function untilBlocked(srv: RunningServer, n: number): Promise<void> {
  const deadline = Date.now() + 3000;
  while (srv.server.blocking.size !== n) {
    assert.ok(Date.now() < deadline, `expected ${n} blocked clients, have ${srv.server.blocking.size}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('WAITAOF with appendonly off: numlocal is refused, replicas are counted (none)', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('WAITAOF', '1', '0', '0'), AOF_OFF);
    assert.equal(await c.call('WAITAOF', '0', '0', '0'), pair(0, 0));
    await c.call('INCR', 'foo');
    assert.equal(await c.call('WAITAOF', '1', '0', '0'), AOF_OFF);
    assert.equal(await c.call('WAITAOF', '0', '0', '0'), pair(0, 0));
    // asks for a replica: blocks until the timeout, then answers the counts
    assert.equal(await c.call('WAITAOF', '0', '1', '30'), pair(0, 0));
    // argument errors come first, in Redis's order
    assert.equal(await c.call('WAITAOF', '2', '0', '0'), '-ERR value is out of range, value must between 0 and 1\r\n');
    assert.equal(await c.call('WAITAOF', '-1', 'x', 'y'), '-ERR value is out of range, value must between 0 and 1\r\n');
    assert.equal(await c.call('WAITAOF', 'a', '0', '0'), '-ERR value is not an integer or out of range\r\n');
    assert.equal(await c.call('WAITAOF', '1', '-1', '0'), '-ERR value is out of range, must be positive\r\n');
    assert.equal(await c.call('WAITAOF', '1', '0', '-1'), '-ERR timeout is negative\r\n');
    assert.equal(await c.call('WAITAOF', '1', '0', 'z'), '-ERR timeout is not an integer or out of range\r\n');
    assert.equal(await c.call('WAITAOF', '1', '0', '9223372036854775807'), '-ERR timeout is out of range\r\n');
    assert.equal(await c.call('WAITAOF', '1', '0'), "-ERR wrong number of arguments for 'waitaof' command\r\n");
  } finally {
    c.close();
    await srv.close();
  }
});

test('WAITAOF under appendfsync always answers at once, pipelined or not', async () => {
  const srv = await startTestServer({ config: [['appendonly', 'yes'], ['appendfsync', 'always']] });
  const c = await RawClient.connect(srv.port);
  const fresh = await RawClient.connect(srv.port);
  try {
    // a client that wrote nothing has nothing to wait for
    assert.equal(await fresh.call('WAITAOF', '1', '0', '0'), pair(1, 0));
    await c.call('INCR', 'foo');
    assert.equal(await c.call('WAITAOF', '1', '0', '0'), pair(1, 0));
    c.write(RawClient.encode(['INCR', 'foo']) + RawClient.encode(['WAITAOF', '1', '0', '0']));
    assert.equal(await c.readReply(), ':2\r\n');
    assert.equal(await c.readReply(3000), pair(1, 0));
    // replicas are still counted: none, so the timeout answers
    assert.equal(await c.call('WAITAOF', '1', '1', '20'), pair(1, 0));
  } finally {
    c.close();
    fresh.close();
    await srv.close();
  }
});

test('WAITAOF under everysec waits for the next fsync; under no it times out with 0', async () => {
  const srv = await startTestServer({ config: [['appendonly', 'yes'], ['appendfsync', 'no']] });
  const c = await RawClient.connect(srv.port);
  const other = await RawClient.connect(srv.port);
  try {
    await c.call('INCR', 'foo');
    const t0 = Date.now();
    assert.equal(await c.call('WAITAOF', '1', '0', '100'), pair(0, 0));
    assert.ok(Date.now() - t0 >= 80, 'WAITAOF under no waits for its timeout');
    await c.call('CONFIG', 'SET', 'appendfsync', 'everysec');
    await c.call('INCR', 'foo');
    c.write(RawClient.encode(['WAITAOF', '1', '0', '0']));
    // the server serves others while the client waits for the fsync
    assert.equal(await other.call('GET', 'foo'), '$1\r\n2\r\n');
    assert.equal(await c.readReply(5000), pair(1, 0));
  } finally {
    c.close();
    other.close();
    await srv.close();
  }
});

test('WAITAOF blocked when the AOF is switched off gets the error; MULTI never blocks; CLIENT UNBLOCK', async () => {
  const srv = await startTestServer({ config: [['appendonly', 'yes'], ['appendfsync', 'no']] });
  const c = await RawClient.connect(srv.port);
  const admin = await RawClient.connect(srv.port);
  try {
    const id = (await c.call('CLIENT', 'ID')).slice(1, -2);
    await c.call('INCR', 'foo');
    // inside MULTI the counts are answered as they are
    assert.equal(await c.call('MULTI'), '+OK\r\n');
    await c.call('INCR', 'foo');
    await c.call('WAITAOF', '1', '0', '0');
    assert.equal(await c.call('EXEC'), `*2\r\n:2\r\n${pair(0, 0)}`);
    // CLIENT UNBLOCK … TIMEOUT answers the counts, ERROR answers -UNBLOCKED
    c.write(RawClient.encode(['WAITAOF', '1', '0', '0']));
    await untilBlocked(srv, 1);
    assert.equal(await admin.call('CLIENT', 'UNBLOCK', id), ':1\r\n');
    assert.equal(await c.readReply(), pair(0, 0));
    c.write(RawClient.encode(['WAITAOF', '1', '0', '0']));
    await untilBlocked(srv, 1);
    assert.equal(await admin.call('CLIENT', 'UNBLOCK', id, 'ERROR'), ':1\r\n');
    assert.equal(await c.readReply(), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    // switched off under the waiter: released with the error
    c.write(RawClient.encode(['WAITAOF', '1', '0', '0']));
    await untilBlocked(srv, 1);
    assert.equal(await admin.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
    assert.equal(await c.readReply(3000), AOF_OFF);
    await untilBlocked(srv, 0);
    assert.equal(await c.call('PING'), '+PONG\r\n');
  } finally {
    c.close();
    admin.close();
    await srv.close();
  }
});

test('WAITAOF is refused in scripts (noscript) and is a connection command, as in Redis 7.2', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    const info = await c.call('COMMAND', 'INFO', 'waitaof');
    assert.match(info, /\+noscript\r\n/);
    assert.match(info, /\+@connection\r\n/);
    assert.match(await c.call('COMMAND', 'INFO', 'wait'), /\+@connection\r\n/);
  } finally {
    c.close();
    await srv.close();
  }
});

test('WAITAOF counts a replica once its own AOF fsynced the write (REPLCONF ACK … FACK), not when it only received it', async () => {
  const p = await startTestServer({ config: [['repl-diskless-sync-delay', '0']] });
  const r = await startTestServer({ config: [['appendonly', 'yes'], ['appendfsync', 'no']] });
  const c = await RawClient.connect(p.port);
  const rc = await RawClient.connect(r.port);
  try {
    assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(p.port)), '+OK\r\n');
    const deadline = Date.now() + 10_000;
    while (!(await rc.call('INFO', 'replication')).includes('master_link_status:up')) {
      assert.ok(Date.now() < deadline, 'the replica link up');
      await new Promise((res) => setTimeout(res, 20));
    }
    await c.call('INCR', 'foo');
    // appendfsync no on the replica: it has the write (WAIT) but never fsynced it (WAITAOF)
    assert.equal(await c.call('WAIT', '1', '5000'), ':1\r\n');
    assert.equal(await c.call('WAITAOF', '0', '1', '200'), pair(0, 0));
    assert.equal(await rc.call('CONFIG', 'SET', 'appendfsync', 'always'), '+OK\r\n');
    await c.call('INCR', 'foo');
    assert.equal(await c.call('WAITAOF', '0', '1', '5000'), pair(0, 1));
  } finally {
    c.close();
    rc.close();
    await r.close();
    await p.close();
  }
});
