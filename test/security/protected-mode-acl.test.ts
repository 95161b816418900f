/**
 * The article's identity blueprint, run for real from a non-loopback test host:
 *   bind 127.0.0.1 <address>; protected-mode yes;
 *   ACL SETUSER app_cache on >StrongPassword123! ~cache:* +@all -@dangerous
 *   ACL SETUSER default off
 * In Redis 7.0 remote app nodes stay DENIED after this (`off` keeps the default user's
 * nopass flag). Redoubt applies protected mode only while an unauthenticated client
 * could run commands (default user on and nopass), so the blueprint works: remote
 * clients connect, must authenticate, and are limited by their ACL.
 */
// npm test: serial — network namespaces
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { createTestHost } from '../helpers/netns.js';
import { RawClient } from '../helpers/raw-client.js';

const APP_PASS = 'StrongPassword123!';

test("the article's blueprint: default user off + app user lets remote clients in, authenticated and confined", async (t) => {
  const host = createTestHost();
  if (host === null) {
    t.skip('!!! SKIPPED: needs root and `ip netns` to create a non-loopback test host');
    return;
  }
  const srv = await startTestServer({ config: [['bind', '127.0.0.1', host.hostAddress], ['protected-mode', 'yes']] });
  const cli = (...args: string[]) => host.exec('redis-cli', ['-h', host.hostAddress, '-p', String(srv.port), ...args]);
  const admin = await RawClient.connect(srv.port, '127.0.0.1');
  try {
    // before: the default user is on and nopass, so remote clients are refused
    assert.match(await cli('PING'), /^DENIED Redis is running in protected mode/);
    // the operator's steps, from loopback
    assert.equal(await admin.call('ACL', 'SETUSER', 'app_cache', 'on', `>${APP_PASS}`, '~cache:*', '+@all', '-@dangerous'), '+OK\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'default', 'off'), '+OK\r\n');
    // after: a remote client may connect, but nothing runs without authentication
    assert.equal((await cli('PING')).trim(), 'NOAUTH Authentication required.');
    assert.equal((await cli('SET', 'cache:x', '1')).trim(), 'NOAUTH Authentication required.');
    // the disabled default user cannot be used even with its (absent) password
    assert.equal((await cli('AUTH', 'default', 'anything')).trim(), 'WRONGPASS invalid username-password pair or user is disabled.');
    // the app user works within its key space and without dangerous commands
    const app = ['--user', 'app_cache', '--pass', APP_PASS, '--no-auth-warning'];
    assert.equal((await cli(...app, 'SET', 'cache:x', '1')).trim(), 'OK');
    assert.equal((await cli(...app, 'GET', 'cache:x')).trim(), '1');
    assert.equal((await cli(...app, 'GET', 'secret:x')).trim(), 'NOPERM No permissions to access a key');
    assert.equal((await cli(...app, 'FLUSHALL')).trim(), "NOPERM User app_cache has no permissions to run the 'flushall' command");
    assert.equal((await cli(...app, 'KEYS', '*')).trim(), "NOPERM User app_cache has no permissions to run the 'keys' command");
    assert.equal((await cli(...app, 'CONFIG', 'SET', 'dir', '/tmp')).trim(), "NOPERM User app_cache has no permissions to run the 'config|set' command");
    assert.equal(srv.server.dbs[0]!.size, 1, 'only the permitted write happened');
    // the denials are visible to the operator
    const log = await admin.call('ACL', 'LOG');
    assert.match(log, /flushall/);
    assert.match(log, new RegExp(host.peerAddress.replace(/\./g, '\\.')));
    // turning the default user back on (still nopass) restores protected mode for new connections
    assert.equal(await admin.call('ACL', 'SETUSER', 'default', 'on'), '+OK\r\n');
    assert.match(await cli('PING'), /^DENIED/);
    // a password on the default user (requirepass) also lifts it: remote clients must AUTH
    assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', 'S3cret-default'), '+OK\r\n');
    assert.equal((await cli('PING')).trim(), 'NOAUTH Authentication required.');
    assert.equal((await cli('-a', 'S3cret-default', '--no-auth-warning', 'PING')).trim(), 'PONG');
  } finally {
    admin.close();
    await srv.close();
    host.destroy();
  }
});
