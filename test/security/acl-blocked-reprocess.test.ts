/**
 * A command that blocked is checked against its user's ACL again when it is served, as
 * Redis 7.2 reprocesses it through processCommand: taking a user's key access away while
 * its BLPOP / BLMOVE waits must not let the waiting command take data afterwards.
 * The attack: a user blocks on a key it may read, the admin revokes its key access, then
 * another client pushes to the key — before the fix the waiter received the element.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

async function waitBlocked(c: RawClient, n: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (/blocked_clients:(\d+)/.exec(await c.call('INFO', 'clients'))?.[1] === String(n)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`never ${n} blocked clients`);
}

test('a blocked command whose user lost key access while waiting is refused with NOPERM when served', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  const victim = await RawClient.connect(srv.port);
  try {
    assert.equal(await admin.call('ACL', 'SETUSER', 'psuser', 'reset', 'on', '>pspass', '+@all', 'allkeys'), '+OK\r\n');
    assert.equal(await victim.call('AUTH', 'psuser', 'pspass'), '+OK\r\n');
    await admin.call('CONFIG', 'RESETSTAT');
    victim.write(RawClient.encode(['BLPOP', 'list1', '0']));
    await waitBlocked(admin, 1);
    assert.equal(await admin.call('ACL', 'SETUSER', 'psuser', 'resetkeys'), '+OK\r\n');
    assert.equal(await admin.call('LPUSH', 'list1', 'secret'), ':1\r\n');
    assert.match(await victim.readReply(), /^-NOPERM No permissions to access a key/);
    // the element stayed where it was, and the connection still works
    assert.equal(await admin.call('LRANGE', 'list1', '0', '-1'), '*1\r\n$6\r\nsecret\r\n');
    assert.equal(await victim.call('PING'), '+PONG\r\n');
    const stats = await admin.call('INFO', 'commandstats');
    assert.match(stats, /cmdstat_blpop:calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0/);
    // the ACL LOG names the refused key
    const log = await admin.call('ACL', 'LOG', '1');
    assert.match(log, /list1/);
    // a waiter on another user's BLMOVE destination is refused just the same
    assert.equal(await admin.call('ACL', 'SETUSER', 'psuser', 'allkeys'), '+OK\r\n');
    await admin.call('DEL', 'list1');
    victim.write(RawClient.encode(['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0']));
    await waitBlocked(admin, 1);
    assert.equal(await admin.call('ACL', 'SETUSER', 'psuser', 'resetkeys', '~src'), '+OK\r\n');
    await admin.call('RPUSH', 'src', 'x');
    assert.match(await victim.readReply(), /^-NOPERM No permissions to access a key/);
    assert.equal(await admin.call('LLEN', 'src'), ':1\r\n');
    assert.equal(await admin.call('EXISTS', 'dst'), ':0\r\n');
  } finally {
    admin.close();
    victim.close();
    await srv.close();
  }
});
