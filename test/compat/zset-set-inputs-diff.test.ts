/**
 * ZUNION/ZINTER/ZDIFF (+STORE) and ZINTERCARD accept plain sets as inputs, every member
 * scoring 1: the same sequences against redis-server and Redoubt, replies compared byte
 * for byte (sets with integer, short and long members: intset, listpack and hashtable).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';

const LONG = 'm'.repeat(70);
const SEQ: string[][] = [
  ['SADD', 'si', '1', '2', '3', '10'],
  ['SADD', 'ss', 'a', 'b', 'c', '2'],
  ['SADD', 'sl', LONG, 'a', '3'],
  ['ZADD', 'z', '5', 'a', '2', 'x', '-1', '3'],
  ['SET', 'str', 'v'],
  ['ZUNION', '3', 'si', 'ss', 'z', 'WITHSCORES'],
  ['ZINTER', '2', 'ss', 'z', 'WEIGHTS', '2', '3', 'WITHSCORES'],
  ['ZINTER', '2', 'sl', 'ss', 'AGGREGATE', 'MAX', 'WITHSCORES'],
  ['ZDIFF', '2', 'si', 'z', 'WITHSCORES'],
  ['ZDIFF', '2', 'z', 'ss'],
  ['ZINTERCARD', '2', 'si', 'z'],
  ['ZINTERCARD', '3', 'si', 'ss', 'sl', 'LIMIT', '1'],
  ['ZUNIONSTORE', 'd1', '3', 'si', 'ss', 'sl', 'AGGREGATE', 'SUM'],
  ['OBJECT', 'ENCODING', 'd1'],
  ['ZRANGE', 'd1', '0', '-1', 'WITHSCORES'],
  ['ZINTERSTORE', 'd2', '2', 'ss', 'sl'],
  ['ZRANGE', 'd2', '0', '-1', 'WITHSCORES'],
  ['ZDIFFSTORE', 'd3', '2', 'si', 'ss'],
  ['ZRANGE', 'd3', '0', '-1', 'WITHSCORES'],
  ['ZUNION', '2', 'si', 'str'],
  ['ZUNION', '2', 'si', 'nosuch', 'WITHSCORES'],
];

test('sorted-set operations over plain sets match redis-server', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const srv = await startTestServer();
  const oracle = await startRedisOracle();
  const ours = await RawClient.connect(srv.port);
  const theirs = await RawClient.connect(oracle.port);
  try {
    for (const argv of SEQ) assert.equal(await ours.call(...argv), await theirs.call(...argv), argv.join(' '));
  } finally {
    ours.close();
    theirs.close();
    await srv.close();
    await oracle.stop();
  }
});
