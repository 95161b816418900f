/**
 * FUNCTION libraries across restarts and between servers, with Debian's redis-server
 * (7.0.15, RDB v10 with RDB_OPCODE_FUNCTION2):
 * - an RDB redis-server saved with libraries loads into Redoubt, and FCALL works there;
 * - an RDB Redoubt saved loads into redis-server (libraries listed, FCALL answers);
 * - the AOF: LOAD / DELETE / RESTORE / FLUSH replayed from the incremental file, and the
 *   libraries in a rewritten base (with and without the RDB preamble), read back by
 *   Redoubt and by redis-server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { startTestServer } from '../helpers/server.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { RawClient } from '../helpers/raw-client.js';
import { parse, show } from '../helpers/diff-support.js';

const haveOracle = findRedisServer() !== null;
if (!haveOracle) console.log(NO_ORACLE_MESSAGE);

const LIB_A =
  '#!lua name=liba\n' +
  "redis.register_function{function_name='a_get', callback=function(keys, args) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads'}\n" +
  "redis.register_function('a_set', function(keys, args) return redis.call('SET', keys[1], args[1]) end)";
// long enough to be LZF-compressed in the RDB, with binary bytes in a comment
const LIB_B = `#!lua name=libb\n-- ${'filler '.repeat(30)}\xff\x00\n` + "redis.register_function('b_echo', function(keys, args) return args[1] end)";

/** FUNCTION LIST WITHCODE as sorted [library, code, functions…] rows (Redis lists in hash order). */
async function libraries(c: RawClient): Promise<string[][]> {
  const [top] = parse(await c.call('FUNCTION', 'LIST', 'WITHCODE'));
  const rows: string[][] = [];
  for (const m of top.items ?? []) {
    const it = m.items!;
    const fns = it[5]!.items!.map((f) => f.items![1]!.s!).sort();
    rows.push([it[1]!.s!, it[7]!.s!, ...fns]);
  }
  return rows.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

const EXPECTED = [
  ['liba', LIB_A, 'a_get', 'a_set'],
  ['libb', LIB_B, 'b_echo'],
];

async function checkCalls(c: RawClient, who: string): Promise<void> {
  assert.equal(await c.call('FCALL', 'a_set', '1', 'pk', 'pv'), '+OK\r\n', `${who}: a_set`);
  assert.equal(await c.call('FCALL_RO', 'a_get', '1', 'pk'), '$2\r\npv\r\n', `${who}: a_get`);
  assert.equal(await c.call('FCALL', 'b_echo', '0', 'hi'), '$2\r\nhi\r\n', `${who}: b_echo`);
}

test('an RDB with functions saved by redis-server loads into Redoubt', { skip: !haveOracle }, async () => {
  const dir = scratchDir();
  const oracle = await startRedisOracle(['--dir', dir, '--dbfilename', 'dump.rdb']);
  const oc = await RawClient.connect(oracle.port);
  try {
    assert.equal(await oc.call('FUNCTION', 'LOAD', LIB_A), '$4\r\nliba\r\n');
    assert.equal(await oc.call('FUNCTION', 'LOAD', LIB_B), '$4\r\nlibb\r\n');
    assert.equal(await oc.call('SET', 'plain', 'key'), '+OK\r\n');
    assert.equal(await oc.call('SAVE'), '+OK\r\n');
  } finally {
    oc.close();
    await oracle.stop();
  }
  const srv = await startTestServer({ config: [['dir', dir], ['save', '']] });
  const c = await RawClient.connect(srv.port);
  try {
    assert.deepEqual(await libraries(c), EXPECTED);
    assert.equal(await c.call('GET', 'plain'), '$3\r\nkey\r\n');
    await checkCalls(c, 'Redoubt');
  } finally {
    c.close();
    await srv.close();
  }
});

test('an RDB with functions saved by Redoubt loads into redis-server', { skip: !haveOracle }, async () => {
  for (const compression of ['yes', 'no']) {
    const dir = scratchDir();
    const srv = await startTestServer({ config: [['dir', dir], ['save', ''], ['rdbcompression', compression]] });
    const c = await RawClient.connect(srv.port);
    try {
      assert.equal(await c.call('FUNCTION', 'LOAD', LIB_A), '$4\r\nliba\r\n');
      assert.equal(await c.call('FUNCTION', 'LOAD', LIB_B), '$4\r\nlibb\r\n');
      assert.equal(await c.call('SAVE'), '+OK\r\n');
    } finally {
      c.close();
      await srv.close();
    }
    const oracle = await startRedisOracle(['--dir', dir, '--dbfilename', 'dump.rdb']);
    const oc = await RawClient.connect(oracle.port);
    try {
      assert.deepEqual(await libraries(oc), EXPECTED, `rdbcompression ${compression}`);
      await checkCalls(oc, 'redis-server');
    } finally {
      oc.close();
      await oracle.stop();
    }
    // and Redoubt reads its own file back
    const again = await startTestServer({ config: [['dir', dir], ['save', '']] });
    const c2 = await RawClient.connect(again.port);
    try {
      assert.deepEqual(await libraries(c2), EXPECTED);
    } finally {
      c2.close();
      await again.close();
    }
  }
});

test('FUNCTION changes replay from the AOF, and a rewritten base carries the libraries', { skip: !haveOracle }, async () => {
  for (const preamble of ['yes', 'no']) {
    const dir = scratchDir();
    const config: [string, string][] = [
      ['dir', dir],
      ['appendonly', 'yes'],
      ['aof-use-rdb-preamble', preamble],
      ['save', ''],
    ];
    let srv = await startTestServer({ config });
    let c = await RawClient.connect(srv.port);
    let payload: string;
    try {
      assert.equal(await c.call('FUNCTION', 'LOAD', LIB_A), '$4\r\nliba\r\n');
      assert.equal(await c.call('FUNCTION', 'LOAD', '#!lua name=gone\nredis.register_function("g", function() return 1 end)'), '$4\r\ngone\r\n');
      assert.equal(await c.call('FUNCTION', 'DELETE', 'gone'), '+OK\r\n');
      const [dump] = parse(await c.call('FUNCTION', 'DUMP'));
      payload = dump.s!;
      assert.equal(await c.call('FUNCTION', 'FLUSH'), '+OK\r\n');
      assert.equal(await c.call('FUNCTION', 'RESTORE', payload), '+OK\r\n');
      assert.equal(await c.call('FUNCTION', 'LOAD', LIB_B), '$4\r\nlibb\r\n');
      // a function's writes are in the feed as the commands it ran
      assert.equal(await c.call('FCALL', 'a_set', '1', 'written', 'by-function'), '+OK\r\n');
    } finally {
      c.close();
      await srv.close();
    }
    // replay of the incremental file
    srv = await startTestServer({ config });
    c = await RawClient.connect(srv.port);
    try {
      assert.deepEqual(await libraries(c), EXPECTED, `replayed, preamble ${preamble}`);
      assert.equal(await c.call('GET', 'written'), '$11\r\nby-function\r\n');
      assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
      for (let i = 0; i < 100; i++) {
        const info = await c.call('INFO', 'persistence');
        if (info.includes('aof_rewrite_in_progress:0') && info.includes('aof_rewrite_scheduled:0')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      c.close();
      await srv.close();
    }
    // the rewritten base alone, read by Redoubt and by redis-server
    srv = await startTestServer({ config });
    c = await RawClient.connect(srv.port);
    try {
      assert.deepEqual(await libraries(c), EXPECTED, `rewritten base, preamble ${preamble}`);
      await checkCalls(c, 'Redoubt after rewrite');
    } finally {
      c.close();
      await srv.close();
    }
    const copy = scratchDir();
    cpSync(path.join(dir, 'appendonlydir'), path.join(copy, 'appendonlydir'), { recursive: true });
    const oracle = await startRedisOracle(['--dir', copy, '--appendonly', 'yes']);
    const oc = await RawClient.connect(oracle.port);
    try {
      assert.deepEqual(await libraries(oc), EXPECTED, `redis-server reading Redoubt's AOF, preamble ${preamble}: ${show(await oc.call('FUNCTION', 'LIST'))}`);
    } finally {
      oc.close();
      await oracle.stop();
    }
  }
});
