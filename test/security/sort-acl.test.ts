/**
 * SORT's ACL rules (Redis 7.2, sort.c + acl.c):
 *  - BY and GET with a pattern read keys the call does not name, so they are refused unless
 *    one selector that allows the call may read EVERY key (`allkeys`, `~*`, `%R~*`); the
 *    refusal is an ERR ("BY option of SORT denied due to insufficient ACL permissions."),
 *    GET # included, while BY nosort (no `*`) needs nothing;
 *  - the sorted key and the STORE destination are checked as keys (NOPERM);
 *  - STORE's argument is skipped when the destination is extracted, so in
 *    `STORE by STORE secret` the key checked is the key written ("secret"). Redis 7.2's
 *    sortGetKeys took "by" there; Redoubt reads the words as SORT does.
 * Each expectation is asserted on its own and, when redis-server is installed, the same
 * calls are made on it (except the STORE-skip attack, where 7.x itself is vulnerable).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, startRedisOracle } from '../helpers/redis-oracle.js';
import { normalizeOracleAclReply } from '../compat/known-differences.js';

const BY_DENIED = '-ERR BY option of SORT denied due to insufficient ACL permissions.\r\n';
const GET_DENIED = '-ERR GET option of SORT denied due to insufficient ACL permissions.\r\n';
/** Redis 7.2's text (7.0 said "this user has no permissions to access one of the keys used as arguments") */
const NOPERM = '-NOPERM No permissions to access a key\r\n';

const SETUP: string[][] = [
  ['RPUSH', 'app:l', '3', '1', '2'],
  ['SET', 'app:w_1', '9'],
  ['SET', 'secret:w_1', '1'],
  ['SET', 'secret:v', 'top'],
  ['ACL', 'SETUSER', 'app', 'on', '>pw', '~app:*', '+@all'],
  ['ACL', 'SETUSER', 'reader', 'on', '>pw', '~app:*', '%R~*', '+@all'],
  ['ACL', 'SETUSER', 'writer', 'on', '>pw', '~app:*', '%W~*', '+@all'],
  ['ACL', 'SETUSER', 'almost', 'on', '>pw', '~?*', '+@all'],
  ['ACL', 'SETUSER', 'all', 'on', '>pw', 'allkeys', '+@all'],
  ['ACL', 'SETUSER', 'sel', 'on', '>pw', '~app:*', '+@all', '(+sort ~*)'],
  ['ACL', 'SETUSER', 'selget', 'on', '>pw', '~app:*', '+@all', '(+get ~*)'],
];

/** [user, command, expected reply] */
const CALLS: [string, string[], string][] = [
  ['app', ['SORT', 'app:l'], '*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n'],
  ['app', ['SORT', 'app:l', 'BY', 'nosort'], '*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n'],
  ['app', ['SORT', 'app:l', 'BY', 'app:w_*'], BY_DENIED],
  ['app', ['SORT', 'app:l', 'BY', 'secret:w_*'], BY_DENIED],
  ['app', ['SORT', 'app:l', 'GET', '#'], GET_DENIED],
  ['app', ['SORT', 'app:l', 'GET', 'secret:*'], GET_DENIED],
  ['app', ['SORT_RO', 'app:l', 'GET', 'secret:*'], GET_DENIED],
  ['app', ['SORT_RO', 'app:l', 'BY', 'secret:w_*', 'GET', '#'], BY_DENIED],
  // options are read left to right: the first problem answers
  ['app', ['SORT', 'app:l', 'LIMIT', 'x', '1', 'GET', '#'], '-ERR value is not an integer or out of range\r\n'],
  ['app', ['SORT', 'app:l', 'GET', '#', 'LIMIT', 'x', '1'], GET_DENIED],
  ['app', ['SORT', 'secret:v', 'GET', '#'], NOPERM],
  ['app', ['SORT', 'app:l', 'STORE', 'app:d'], ':3\r\n'],
  ['app', ['SORT', 'app:l', 'STORE', 'secret:d'], NOPERM],
  // weights 0, 0, 1: the equal ones ordered by element (2, 3), then 1
  ['reader', ['SORT', 'app:l', 'BY', 'secret:w_*', 'GET', 'secret:w_*'], '*3\r\n$-1\r\n$-1\r\n$1\r\n1\r\n'],
  ['reader', ['SORT', 'app:l', 'BY', 'secret:w_*', 'STORE', 'app:d2'], ':3\r\n'],
  ['reader', ['SORT', 'app:l', 'BY', 'secret:w_*', 'STORE', 'secret:d'], NOPERM],
  ['writer', ['SORT', 'app:l', 'BY', 'app:w_*'], BY_DENIED],
  ['almost', ['SORT', 'app:l', 'GET', '#'], GET_DENIED],
  ['all', ['SORT', 'app:l', 'BY', 'secret:w_*', 'GET', 'secret:w_*', 'GET', '#'], '*6\r\n$-1\r\n$1\r\n2\r\n$-1\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n1\r\n'],
  ['sel', ['SORT', 'app:l', 'GET', 'secret:w_*', 'LIMIT', '0', '1'], '*1\r\n$1\r\n1\r\n'],
  ['selget', ['SORT', 'app:l', 'GET', 'secret:w_*'], GET_DENIED],
];

async function asUser(port: number, user: string): Promise<RawClient> {
  const c = await RawClient.connect(port);
  assert.equal(await c.call('AUTH', user, 'pw'), '+OK\r\n');
  return c;
}

test('SORT and SORT_RO: BY/GET patterns need read access to every key; keys are checked as keys', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  const oracle = findRedisServer() === null ? null : await startRedisOracle();
  const oadmin = oracle === null ? null : await RawClient.connect(oracle.port);
  try {
    for (const argv of SETUP) {
      const mine = await admin.call(...argv);
      if (oadmin !== null) assert.equal(mine, await oadmin.call(...argv), `setup ${argv.join(' ')}`);
    }
    for (const [user, argv, want] of CALLS) {
      const c = await asUser(srv.port, user);
      const got = await c.call(...argv);
      c.close();
      assert.equal(got, want, `${user}: ${argv.join(' ')}`);
      if (oracle !== null) {
        const o = await asUser(oracle.port, user);
        assert.equal(normalizeOracleAclReply(argv, await o.call(...argv), user), want, `redis-server agrees for ${user}: ${argv.join(' ')}`);
        o.close();
      }
    }
  } finally {
    admin.close();
    oadmin?.close();
    await oracle?.stop();
    await srv.close();
  }
});

test('SORT STORE: the key checked is the key written, whatever words precede it', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  try {
    for (const argv of SETUP) await admin.call(...argv);
    const app = await asUser(srv.port, 'app');
    // "STORE by STORE secret:v": SORT writes secret:v (the last STORE). Redis 7.2's key
    // extraction took "by" for the destination and let this overwrite a key out of reach.
    assert.equal(await app.call('SORT', 'app:l', 'STORE', 'by', 'STORE', 'secret:v'), NOPERM);
    assert.equal(await app.call('SORT', 'app:l', 'STORE', 'app:x', 'STORE', 'secret:v'), NOPERM);
    assert.equal(await app.call('SORT', 'app:l', 'STORE', 'get', 'STORE', 'secret:v'), NOPERM);
    assert.equal(await app.call('SORT', 'app:l', 'STORE', 'limit', 'STORE', 'secret:v'), NOPERM);
    // SORT reads option words as C strings: "STORE\0" is STORE, and must be checked as one
    assert.equal(await app.call('SORT', 'app:l', 'STORE\x00', 'secret:v'), NOPERM);
    assert.equal(await admin.call('GET', 'secret:v'), '$3\r\ntop\r\n');
    // the keys COMMAND GETKEYS reports are those SORT uses
    assert.equal(await admin.call('COMMAND', 'GETKEYS', 'SORT', 'k', 'STORE', 'by', 'STORE', 'd'), '*2\r\n$1\r\nk\r\n$1\r\nd\r\n');
    assert.equal(await app.call('SORT', 'app:l', 'STORE', 'by', 'STORE', 'app:ok'), ':3\r\n');
    app.close();
  } finally {
    admin.close();
    await srv.close();
  }
});
