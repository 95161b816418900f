/**
 * Files Redis can read, and files Redoubt can read from Redis: the same dataset (every
 * type, each in its small and large encodings, binary keys and values, TTLs, several
 * databases, streams with deleted entries, groups, PEL and consumers) is built by the same
 * commands, saved, loaded by the other server, and every key is compared through ordinary
 * commands (test/helpers/keyspace-dump.ts). Debian's redis-check-rdb / redis-check-aof
 * must accept what Redoubt writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { findOnPath, findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { startTestServer } from '../helpers/server.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { RawClient } from '../helpers/raw-client.js';
import { dumpKeyspace } from '../helpers/keyspace-dump.js';
import { prng, show } from '../helpers/diff-support.js';

const haveOracle = findRedisServer() !== null;
if (!haveOracle) console.log(NO_ORACLE_MESSAGE);

const BIN = 'b\u0000\r\n\u00ff\u0080x';

/** The dataset as commands both servers accept identically (explicit stream ids: no clock). */
export function datasetCommands(seed = 7): string[][] {
  const r = prng(seed);
  const cmds: string[][] = [];
  const far = String(4102444800000 + Math.floor(r() * 1e6)); // year 2100
  // strings
  cmds.push(['SET', 'str:int', '12345'], ['SET', 'str:neg', '-9223372036854775808'], ['SET', 'str:embstr', 'hello world']);
  cmds.push(['SET', 'str:long', 'a'.repeat(5000)], ['SET', 'str:random', Array.from({ length: 300 }, () => String.fromCharCode(Math.floor(r() * 256))).join('')]);
  cmds.push(['SET', BIN, BIN], ['SET', '', 'empty key'], ['SET', 'str:empty', ''], ['SET', 'str:ttl', 'v', 'PXAT', far]);
  cmds.push(['SET', 'str:float', '3.14'], ['APPEND', 'str:appended', 'xyz'], ['SETRANGE', 'str:raw', '3', 'q']);
  cmds.push(['PFADD', 'hll:small', 'a', 'b', 'c']);
  const many: string[] = [];
  for (let i = 0; i < 3000; i++) many.push(`e${i}`);
  cmds.push(['PFADD', 'hll:dense', ...many]);
  // lists
  cmds.push(['RPUSH', 'list:small', 'a', '1', '-2', BIN, '']);
  const bigList: string[] = [];
  for (let i = 0; i < 700; i++) bigList.push(i % 3 === 0 ? String(i * 1000003) : `item-${i}-${'z'.repeat(i % 50)}`);
  cmds.push(['RPUSH', 'list:big', ...bigList], ['RPUSH', 'list:longelem', 'x'.repeat(10000), 'y']);
  cmds.push(['RPUSH', 'list:ttl', 'a'], ['PEXPIREAT', 'list:ttl', far]);
  // sets
  cmds.push(['SADD', 'set:intset', '1', '2', '3', '-100', '9223372036854775807']);
  const ints: string[] = [];
  for (let i = 0; i < 600; i++) ints.push(String(i * 7));
  cmds.push(['SADD', 'set:manyints', ...ints], ['SADD', 'set:small', 'a', 'b', BIN]);
  const strs: string[] = [];
  for (let i = 0; i < 300; i++) strs.push(`m${i}`);
  cmds.push(['SADD', 'set:big', ...strs], ['SADD', 'set:ttl', 'x'], ['PEXPIREAT', 'set:ttl', far]);
  // sorted sets
  cmds.push(['ZADD', 'zset:small', '1', 'a', '2.5', 'b', '-3', BIN, 'inf', 'top', '-inf', 'bottom', '1e300', 'huge', '0.1', 'tenth']);
  const zs: string[] = [];
  for (let i = 0; i < 300; i++) zs.push(String(r() * 1000 - 500), `zm${i}`);
  cmds.push(['ZADD', 'zset:big', ...zs], ['ZADD', 'zset:longmember', '1', 'q'.repeat(200)]);
  // hashes
  cmds.push(['HSET', 'hash:small', 'f1', 'v1', 'n', '42', BIN, BIN, 'empty', '']);
  const hf: string[] = [];
  for (let i = 0; i < 600; i++) hf.push(`field${i}`, `value${i}`);
  cmds.push(['HSET', 'hash:big', ...hf], ['HSET', 'hash:longval', 'f', 'v'.repeat(300)], ['HSET', 'hash:ttl', 'a', 'b'], ['PEXPIREAT', 'hash:ttl', far]);
  // streams
  for (let i = 1; i <= 250; i++) cmds.push(['XADD', 'stream:big', `${1000 + i}-${i % 3}`, 'f', String(i), 'g', i % 2 === 0 ? BIN : 'x']);
  cmds.push(['XDEL', 'stream:big', '1010-1', '1020-2', '1100-1']);
  cmds.push(['XGROUP', 'CREATE', 'stream:big', 'g1', '0'], ['XGROUP', 'CREATE', 'stream:big', 'g2', '1200-0']);
  cmds.push(['XGROUP', 'CREATECONSUMER', 'stream:big', 'g2', 'idle']);
  cmds.push(['XADD', 'stream:small', '5-1', 'a', '1'], ['XADD', 'stream:small', '5-2', 'b', '2', 'c', '3']);
  cmds.push(['XADD', 'stream:emptied', '7-7', 'a', '1'], ['XDEL', 'stream:emptied', '7-7']);
  cmds.push(['XADD', 'stream:trimmed', 'MAXLEN', '5', '1-1', 'a', '1']);
  for (let i = 2; i <= 20; i++) cmds.push(['XADD', 'stream:trimmed', 'MAXLEN', '5', `${i}-1`, 'a', String(i)]);
  cmds.push(['XSETID', 'stream:small', '9-9', 'ENTRIESADDED', '50', 'MAXDELETEDID', '4-4']);
  // other databases
  cmds.push(['SELECT', '3'], ['SET', 'db3:key', 'in db 3'], ['RPUSH', 'db3:list', 'x'], ['SELECT', '15'], ['HSET', 'db15:h', 'a', '1'], ['SELECT', '0']);
  return cmds;
}

/** Commands that leave time-dependent state (PEL delivery times): run on one server only. */
const STREAM_READS: string[][] = [
  ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '20', 'STREAMS', 'stream:big', '>'],
  ['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '5', 'STREAMS', 'stream:big', '>'],
  ['XACK', 'stream:big', 'g1', '1003-0', '1004-1'],
  ['XCLAIM', 'stream:big', 'g1', 'bob', '0', '1005-2'],
];

async function run(c: RawClient, cmds: string[][]): Promise<void> {
  for (const argv of cmds) {
    const r = await c.call(...argv);
    assert.ok(!r.startsWith('-'), `${argv.slice(0, 3).join(' ')} failed: ${show(r)}`);
  }
}

/** Consumers' seen-time is not something AOF commands can carry (Redis's cannot either). */
function strip(m: Map<string, string>): Map<string, string> {
  return new Map([...m].map(([k, v]) => [k, v.replace(/seen=:\d+/g, 'seen=?')]));
}

function assertSameKeyspace(got: Map<string, string>, want: Map<string, string>, what: string): void {
  assert.ok(want.size > 30, `${what}: the dataset is there (${want.size} keys)`);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: same keys`);
  for (const [k, v] of want) assert.equal(got.get(k), v, `${what}: key ${JSON.stringify(k)}`);
}

test('RDB: a dump Redoubt writes loads in redis-server with every key intact, and redis-check-rdb accepts it', { skip: !haveOracle }, async (t) => {
  for (const compression of ['yes', 'no']) {
    for (const checksum of ['yes', 'no']) {
      await t.test(`rdbcompression ${compression}, rdbchecksum ${checksum}`, async () => {
        const dir = scratchDir();
        const srv = await startTestServer({ config: [['dir', dir], ['rdbcompression', compression], ['rdbchecksum', checksum], ['save', '']] });
        let want: Map<string, string>;
        const c = await RawClient.connect(srv.port);
        try {
          await run(c, datasetCommands());
          await run(c, STREAM_READS);
          want = await dumpKeyspace(c);
          assert.equal(await c.call('SAVE'), '+OK\r\n');
        } finally {
          c.close();
          await srv.close();
        }
        const checker = findOnPath('redis-check-rdb');
        if (checker !== null) {
          const out = execFileSync(checker, [path.join(dir, 'dump.rdb')], { encoding: 'utf8' });
          assert.match(out, /RDB looks OK/);
        }
        const oracle = await startRedisOracle(['--dir', dir, '--dbfilename', 'dump.rdb']);
        const rc = await RawClient.connect(oracle.port);
        try {
          assertSameKeyspace(await dumpKeyspace(rc), want, 'redis-server after loading Redoubt’s dump');
        } finally {
          rc.close();
          await oracle.stop();
        }
      });
    }
  }
});

test('RDB: a dump redis-server writes loads in Redoubt at start-up with every key intact', { skip: !haveOracle }, async () => {
  const dir = scratchDir();
  const oracle = await startRedisOracle(['--dir', dir, '--dbfilename', 'dump.rdb']);
  let want: Map<string, string>;
  const rc = await RawClient.connect(oracle.port);
  try {
    await run(rc, datasetCommands(11));
    await run(rc, STREAM_READS);
    want = await dumpKeyspace(rc);
    assert.equal(await rc.call('SAVE'), '+OK\r\n');
  } finally {
    rc.close();
    await oracle.stop();
  }
  const srv = await startTestServer({ config: [['dir', dir], ['save', '']] });
  const c = await RawClient.connect(srv.port);
  try {
    assertSameKeyspace(await dumpKeyspace(c), want, 'Redoubt after loading redis-server’s dump');
    const info = await c.call('INFO', 'persistence');
    assert.match(info, new RegExp(`rdb_last_load_keys_loaded:${want.size}\r\n`));
  } finally {
    c.close();
    await srv.close();
  }
});

test('AOF: Redoubt’s AOF directory (incr only, then after BGREWRITEAOF with and without the RDB preamble) loads in redis-server; redis-check-aof accepts it', { skip: !haveOracle }, async (t) => {
  for (const preamble of ['yes', 'no']) {
    await t.test(`aof-use-rdb-preamble ${preamble}`, async () => {
      const dir = scratchDir();
      // without the preamble, timestamps on: the rewritten base starts with #TS (as Redis's)
      const srv = await startTestServer({ config: [['dir', dir], ['appendonly', 'yes'], ['aof-use-rdb-preamble', preamble], ['aof-timestamp-enabled', preamble === 'no' ? 'yes' : 'no'], ['save', '']] });
      const c = await RawClient.connect(srv.port);
      let want: Map<string, string>;
      const half = datasetCommands(3);
      try {
        await run(c, half.slice(0, 40));
        assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
        await run(c, half.slice(40));
        await run(c, STREAM_READS);
        for (let i = 0; i < 200; i++) {
          if (/aof_rewrite_in_progress:0/.test(await c.call('INFO', 'persistence'))) break;
          await new Promise((res) => setTimeout(res, 20));
        }
        assert.match(await c.call('INFO', 'persistence'), /aof_rewrite_in_progress:0\r\n[\s\S]*aof_last_bgrewrite_status:ok/);
        await run(c, [['INCR', 'after:rewrite'], ['RPUSH', 'list:small', 'tail']]);
        want = await dumpKeyspace(c);
      } finally {
        c.close();
        await srv.close();
      }
      const aofDir = path.join(dir, 'appendonlydir');
      const files = readdirSync(aofDir);
      assert.ok(files.includes('appendonly.aof.manifest'), `manifest in ${files.join(', ')}`);
      if (preamble === 'no') assert.match(readFileSync(path.join(aofDir, 'appendonly.aof.2.base.aof'), 'latin1'), /^#TS:\d+\r\n/);
      const checker = findOnPath('redis-check-aof');
      if (checker !== null) {
        const out = execFileSync(checker, [path.join(aofDir, 'appendonly.aof.manifest')], { encoding: 'utf8' });
        assert.match(out, /is valid/);
      }
      const copy = scratchDir();
      cpSync(aofDir, path.join(copy, 'appendonlydir'), { recursive: true });
      const oracle = await startRedisOracle(['--dir', copy, '--appendonly', 'yes']);
      const rc = await RawClient.connect(oracle.port);
      try {
        assertSameKeyspace(strip(await dumpKeyspace(rc)), strip(want), 'redis-server after loading Redoubt’s AOF');
      } finally {
        rc.close();
        await oracle.stop();
      }
    });
  }
});

test('AOF: an AOF directory redis-server wrote (RDB preamble base + incr) loads in Redoubt', { skip: !haveOracle }, async () => {
  const dir = scratchDir();
  const oracle = await startRedisOracle(['--dir', dir, '--appendonly', 'yes']);
  let want: Map<string, string>;
  const rc = await RawClient.connect(oracle.port);
  try {
    const cmds = datasetCommands(5);
    await run(rc, cmds.slice(0, 50));
    await rc.call('BGREWRITEAOF');
    for (let i = 0; i < 200 && !/aof_rewrite_in_progress:0/.test(await rc.call('INFO', 'persistence')); i++) await new Promise((res) => setTimeout(res, 20));
    await run(rc, cmds.slice(50));
    want = await dumpKeyspace(rc);
  } finally {
    rc.close();
    await oracle.stop();
  }
  assert.ok(existsSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest')));
  const srv = await startTestServer({ config: [['dir', dir], ['appendonly', 'yes'], ['save', '']] });
  const c = await RawClient.connect(srv.port);
  try {
    assertSameKeyspace(strip(await dumpKeyspace(c)), strip(want), 'Redoubt after loading redis-server’s AOF');
  } finally {
    c.close();
    await srv.close();
  }
});

