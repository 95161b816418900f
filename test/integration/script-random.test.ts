/**
 * math.random is one generator per server, as Redis's rand.c: EVAL scripts and functions
 * draw from the same sequence, and SCRIPT FLUSH / FUNCTION FLUSH do not restart it (before,
 * each Lua VM had its own, restarted whenever the VM was rebuilt). The values are those
 * redis-server 7.2.4 answers for the same commands on a fresh server (checked by hand);
 * the sequence is also compared with Debian's redis-server when present.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer } from '../helpers/server.js';
import { findRedisServer, startRedisOracle, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';

const LIB = "#!lua name=rr\nredis.register_function('r', function() return tostring(math.random()) end)";

async function sequence(port: number): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    const out: string[] = [];
    for (const argv of [
      ['eval', 'return tostring(math.random())', '0'],
      ['script', 'flush'],
      ['eval', 'return tostring(math.random())', '0'],
      ['eval', 'math.randomseed(1) return 1', '0'],
      ['function', 'load', LIB],
      ['fcall', 'r', '0'],
      ['function', 'flush'],
      ['eval', 'return tostring(math.random())', '0'],
    ]) {
      out.push(await c.call(...argv));
    }
    return out;
  } finally {
    c.close();
  }
}

test('math.random: one sequence for EVAL and FCALL, kept across SCRIPT FLUSH and FUNCTION FLUSH', { timeout: 60_000 }, async (t) => {
  const srv = await startTestServer();
  let ours: string[];
  try {
    ours = await sequence(srv.port);
  } finally {
    await srv.close();
  }
  assert.deepEqual(ours, [
    '$16\r\n0.39646477363839\r\n',
    '+OK\r\n',
    '$16\r\n0.84048536971234\r\n',
    ':1\r\n',
    '$2\r\nrr\r\n',
    '$17\r\n0.041630344484761\r\n',
    '+OK\r\n',
    '$15\r\n0.4544924448498\r\n',
  ]);
  if (findRedisServer() === null) {
    t.diagnostic(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle([]);
  try {
    assert.deepEqual(ours, await sequence(oracle.port));
  } finally {
    await oracle.stop();
  }
});
