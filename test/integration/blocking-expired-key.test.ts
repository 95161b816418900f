/**
 * A key a client blocks on is looked at without effects when it becomes ready (Redis 7.2's
 * handleClientsBlockedOnKey uses LOOKUP_NOEFFECTS): if its time has come the waiter stays
 * blocked and the key is NOT deleted then — no `expired` count, no DEL in the write feed.
 * The next real access deletes it and propagates the DEL there, which is the order a
 * replica (and Redis's own suite, unit/type/list "SWAPDB wants to wake blocked client, but
 * the key already expired") sees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/keyspace/clock.js';
import { attachRecordingSink } from '../../src/persistence/propagator.js';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

const T0 = 1_700_000_000_000;

function expiredKeys(info: string): number {
  const m = /expired_keys:(\d+)/.exec(info);
  assert.ok(m !== null, 'INFO stats has expired_keys');
  return Number(m[1]);
}

test('SWAPDB bringing an expired key to a waiter leaves it blocked and the key undeleted until it is next read', async () => {
  const clock = new ManualClock(T0);
  // active expiry off (as the suite's test does): only lookups may expire the key here
  const running = await startTestServer({ clock, config: [['enable-debug-command', 'yes']] });
  const server = running.server;
  const sink = attachRecordingSink(server);
  const waiter = await RawClient.connect(running.port);
  const c = await RawClient.connect(running.port);
  try {
    assert.equal(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n');
    await c.call('SELECT', '1');
    assert.equal(await c.call('RPUSH', 'k', 'hello'), ':1\r\n');
    assert.equal(await c.call('PEXPIRE', 'k', '100'), ':1\r\n');
    await waiter.call('SELECT', '9');
    waiter.write(RawClient.encode(['BRPOP', 'k', '0']));
    const deadline = Date.now() + 5000;
    while (server.blocking.size < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(server.blocking.size, 1);
    // everything before this point is set-up
    sink.take();

    clock.advance(200);
    assert.equal(await c.call('SWAPDB', '1', '9'), '+OK\r\n');
    // still blocked, nothing answered, nothing expired, only the SWAPDB in the feed
    assert.equal(server.blocking.size, 1);
    assert.equal(waiter.received, '');
    assert.equal(expiredKeys(await c.call('INFO', 'stats')), 0);
    assert.deepEqual(sink.take(), [{ db: 1, argv: ['SWAPDB', '1', '9'] }]);
    assert.equal(server.dbs[9]!.storedEntry('k') !== undefined, true, 'the expired key is still stored');

    // the next real access deletes it, and that is where its DEL goes out
    await c.call('SELECT', '9');
    assert.equal(await c.call('EXISTS', 'k'), ':0\r\n');
    assert.equal(expiredKeys(await c.call('INFO', 'stats')), 1);
    assert.deepEqual(sink.take(), [{ db: 9, argv: ['DEL', 'k'] }]);

    // a live push still serves the waiter
    assert.equal(await c.call('RPUSH', 'k', 'x'), ':1\r\n');
    assert.equal(await waiter.readReply(), '*2\r\n$1\r\nk\r\n$1\r\nx\r\n');
  } finally {
    waiter.close();
    c.close();
    await running.close();
  }
});

test('a key that expires during the EXEC that made it ready is found expired when the waiter runs again: it stays blocked, the DEL follows the EXEC', async () => {
  // real time here: DEBUG SLEEP inside the transaction outlasts the key's 100 ms
  const running = await startTestServer({ config: [['enable-debug-command', 'yes']] });
  const server = running.server;
  const sink = attachRecordingSink(server);
  const waiter = await RawClient.connect(running.port);
  const c = await RawClient.connect(running.port);
  try {
    assert.equal(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n');
    waiter.write(RawClient.encode(['BRPOP', 'k', '0']));
    const deadline = Date.now() + 5000;
    while (server.blocking.size < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(server.blocking.size, 1);
    sink.take();

    await c.call('MULTI');
    await c.call('RPUSH', 'k', 'hello');
    await c.call('PEXPIRE', 'k', '100');
    await c.call('DEBUG', 'SLEEP', '0.2');
    assert.equal(await c.call('EXEC'), '*3\r\n:1\r\n:1\r\n+OK\r\n');
    assert.equal(server.blocking.size, 1, 'the waiter is blocked again');
    assert.equal(waiter.received, '');
    const feed = sink.take().map((x) => x.argv[0]!.toUpperCase());
    assert.deepEqual(feed, ['MULTI', 'RPUSH', 'PEXPIREAT', 'EXEC', 'DEL']);
    assert.equal(expiredKeys(await c.call('INFO', 'stats')), 1);
    assert.equal(await c.call('EXISTS', 'k'), ':0\r\n');
  } finally {
    waiter.close();
    c.close();
    await running.close();
  }
});
