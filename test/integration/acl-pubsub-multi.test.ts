/**
 * The ACL layer together with transactions and pub/sub:
 * - a denied command while queueing fails the transaction (EXECABORT), as Redis;
 * - EXEC re-checks every queued command against the rules of the moment (7.2's text),
 *   runs the others, and logs the denial with context "multi";
 * - channel permissions: PUBLISH/SUBSCRIBE checked (patterns literally), and subscribers
 *   whose channels are revoked by ACL SETUSER are disconnected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

test('MULTI: a denied command aborts the transaction; EXEC re-checks changed rules', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  const app = await RawClient.connect(srv.port);
  try {
    assert.equal(await admin.call('ACL', 'SETUSER', 'app', 'on', '>pw', '~a:*', '+@all', '-@dangerous'), '+OK\r\n');
    assert.equal(await app.call('AUTH', 'app', 'pw'), '+OK\r\n');
    // queueing a denied command: NOPERM now, EXECABORT at EXEC
    assert.equal(await app.call('MULTI'), '+OK\r\n');
    assert.equal(await app.call('SET', 'a:1', 'x'), '+QUEUED\r\n');
    assert.equal(await app.call('GET', 'b:1'), '-NOPERM No permissions to access a key\r\n');
    assert.equal(await app.call('EXEC'), '-EXECABORT Transaction discarded because of previous errors.\r\n');
    assert.equal(await admin.call('EXISTS', 'a:1'), ':0\r\n');
    // rules change between queueing and EXEC: that command is refused inside EXEC, the rest runs
    assert.equal(await app.call('MULTI'), '+OK\r\n');
    assert.equal(await app.call('SET', 'a:1', 'x'), '+QUEUED\r\n');
    assert.equal(await app.call('INCR', 'a:2'), '+QUEUED\r\n');
    assert.equal(await admin.call('ACL', 'SETUSER', 'app', '-incr'), '+OK\r\n');
    assert.equal(
      await app.call('EXEC'),
      '*2\r\n+OK\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand\r\n',
    );
    assert.equal(await admin.call('GET', 'a:1'), '$1\r\nx\r\n');
    assert.match(await admin.call('ACL', 'LOG', '1'), /\$7\r\ncontext\r\n\$5\r\nmulti\r\n\$6\r\nobject\r\n\$4\r\nincr\r\n/);
  } finally {
    admin.close();
    app.close();
    await srv.close();
  }
});

test('channels: PUBLISH/SUBSCRIBE checked; revoking a channel disconnects its subscriber', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  const sub = await RawClient.connect(srv.port);
  const psub = await RawClient.connect(srv.port);
  try {
    assert.equal(await admin.call('ACL', 'SETUSER', 'chat', 'on', '>pw', 'resetchannels', '&room:*', '&news', '+@pubsub', '+auth'), '+OK\r\n');
    assert.equal(await sub.call('AUTH', 'chat', 'pw'), '+OK\r\n');
    assert.equal(await psub.call('AUTH', 'chat', 'pw'), '+OK\r\n');
    assert.equal(await sub.call('PUBLISH', 'secret', 'x'), '-NOPERM No permissions to access a channel\r\n');
    assert.equal(await sub.call('SUBSCRIBE', 'other'), '-NOPERM No permissions to access a channel\r\n');
    // a pattern subscription must equal a permitted pattern literally
    assert.equal(await psub.call('PSUBSCRIBE', 'room:1*'), '-NOPERM No permissions to access a channel\r\n');
    assert.match(await psub.call('PSUBSCRIBE', 'room:*'), /^\*3\r\n\$10\r\npsubscribe\r\n/);
    assert.match(await sub.call('SUBSCRIBE', 'news'), /^\*3\r\n\$9\r\nsubscribe\r\n\$4\r\nnews\r\n:1\r\n/);
    assert.equal(await admin.call('PUBLISH', 'news', 'hello'), ':1\r\n');
    assert.equal(await sub.readReply(), '*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n');
    // revoking &news disconnects the channel subscriber, not the pattern subscriber
    assert.equal(await admin.call('ACL', 'SETUSER', 'chat', 'resetchannels', '&room:*'), '+OK\r\n');
    assert.equal(await sub.waitClosed(), true);
    assert.equal(await admin.call('PUBLISH', 'room:9', 'hi'), ':1\r\n');
    assert.equal(await psub.readReply(), '*4\r\n$8\r\npmessage\r\n$6\r\nroom:*\r\n$6\r\nroom:9\r\n$2\r\nhi\r\n');
    assert.match(await admin.call('ACL', 'DRYRUN', 'chat', 'PUBLISH', 'news', 'x'), /^\$\d+\r\nUser chat has no permissions to access the 'news' channel\r\n$/);
  } finally {
    admin.close();
    sub.close();
    psub.close();
    await srv.close();
  }
});
