/**
 * Interoperability with Debian's redis-server 7.0 and redis-check-aof: an AOF directory our
 * writer and rewrite encoder produce is accepted by redis-check-aof and loaded by
 * redis-server with the expected keys; a directory redis-server produces (rewrite without
 * RDB preamble, timestamps on) parses with our loader into the expected command stream;
 * `redoubt check-aof` reports exactly what redis-check-aof reports, torn or not, and its
 * --fix leaves a file redis-check-aof accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { AofWriter } from '../../src/persistence/aof/aof-writer.js';
import { AofRewriteFileWriter } from '../../src/persistence/aof/aof-rewrite-encoder.js';
import { loadAof } from '../../src/persistence/aof/aof-loader.js';
import { emptyManifest } from '../../src/persistence/aof/aof-manifest.js';
import { findOnPath, startRedisOracle, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';
import { ioredisClient } from '../helpers/server.js';
import { hashValue, listValue, setValue, streamValue, stringValue, zsetValue } from '../helpers/aof-sample-values.js';

const haveRedis = findOnPath('redis-server') !== null && findOnPath('redis-check-aof') !== null;
const REDOUBT_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/redoubt.js');

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-aof-interop-'));
}

function run(cmd: string, args: string[], input?: string): { out: string; code: number } {
  const r = spawnSync(cmd, args, { input, encoding: 'latin1' });
  return { out: r.stdout + r.stderr, code: r.status ?? -1 };
}

/** Both checkers on the same file: same report, same exit status. */
function sameCheckReport(file: string): { out: string; code: number } {
  const theirs = run('redis-check-aof', [file]);
  const ours = run(process.execPath, [REDOUBT_CLI, 'check-aof', file]);
  assert.equal(ours.out, theirs.out);
  assert.equal(ours.code, theirs.code);
  return theirs;
}

async function bufCall(c: Redis, ...args: string[]): Promise<unknown> {
  const conv = (x: unknown): unknown => (Buffer.isBuffer(x) ? x.toString('latin1') : Array.isArray(x) ? x.map(conv) : x);
  return conv(await c.callBuffer(args[0]!, ...args.slice(1).map((a) => Buffer.from(a, 'latin1'))));
}

test('an AOF dir written by Redoubt (RESP base from the rewrite encoder + incr files) passes redis-check-aof and loads in redis-server', { skip: haveRedis ? false : NO_ORACLE_MESSAGE }, async () => {
  const dir = tmpDir();
  const o = { dir, dirname: 'appendonlydir', filename: 'appendonly.aof', fsync: 'always' as const, useRdbPreamble: false, timestampEnabled: true };
  const listItems = Array.from({ length: 130 }, (_, i) => `item${i}`);
  const zpairs: [string, number][] = Array.from({ length: 70 }, (_, i) => [`m${i}`, i / 3]);
  zpairs.push(['ninf', -Infinity]);
  const hpairs: [string, string][] = Array.from({ length: 70 }, (_, i) => [`f${i}`, `v\x00${i}`]);
  const expireAt = Date.now() + 3_600_000;
  let redis: Awaited<ReturnType<typeof startRedisOracle>> | null = null;
  let client: Redis | null = null;
  try {
    const w = AofWriter.open(o, emptyManifest());
    w.append(0, ['SET', 'pre', 'rewrite']);
    w.flush();
    const ticket = w.startRewrite();
    const bw = new AofRewriteFileWriter(ticket.tempPath, undefined, Math.floor(Date.now() / 1000));
    bw.selectDb(0);
    bw.key('pre', stringValue('rewrite'));
    bw.key('str\xff', stringValue('bin\x00\xfe'));
    bw.key('ttl', stringValue('x'), expireAt);
    bw.key('list', listValue(listItems));
    bw.key('set', setValue(['c', 'a', 'b', '1']));
    bw.key('zset', zsetValue(zpairs));
    bw.key('hash', hashValue(hpairs));
    bw.key('stream', streamValue(5, { deleted: [3], group: true }));
    bw.key('emptystream', streamValue(2, { deleted: [1, 2] }));
    bw.selectDb(2);
    bw.key('other', stringValue('db2'));
    bw.close();
    w.append(0, ['RPUSH', 'list', 'tail']);
    w.append(2, ['INCR', 'counter']);
    w.flush();
    w.finishRewrite();
    w.append(0, ['SET', 'post', '1']);
    assert.ok(w.close());

    const manifest = path.join(dir, 'appendonlydir', 'appendonly.aof.manifest');
    const report = sameCheckReport(manifest);
    assert.equal(report.code, 0, report.out);
    assert.match(report.out, /All AOF files and manifest are valid/);

    redis = await startRedisOracle(['--appendonly', 'yes', '--dir', dir]);
    client = ioredisClient(redis.port);
    assert.equal(await bufCall(client, 'GET', 'str\xff'), 'bin\x00\xfe');
    assert.equal(await bufCall(client, 'GET', 'pre'), 'rewrite');
    assert.equal(await bufCall(client, 'GET', 'post'), '1');
    const pttl = Number(await client.pexpiretime('ttl'));
    assert.equal(pttl, expireAt);
    assert.deepEqual(await client.lrange('list', 0, -1), [...listItems, 'tail']);
    assert.deepEqual((await client.smembers('set')).sort(), ['1', 'a', 'b', 'c']);
    const zr = ((await client.call('ZRANGE', 'zset', '0', '-1', 'WITHSCORES')) as unknown[]).flat().map(String);
    const zexpected = [...zpairs].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
    assert.deepEqual(
      zr.filter((_, i) => i % 2 === 0),
      zexpected.map((p) => p[0]),
    );
    assert.deepEqual(
      zr.filter((_, i) => i % 2 === 1).map((x) => (x === '-inf' ? -Infinity : Number(x))),
      zexpected.map((p) => p[1]),
    );
    assert.deepEqual(await bufCall(client, 'HGETALL', 'hash'), hpairs.flat());
    assert.deepEqual(await client.call('XRANGE', 'stream', '-', '+'), [1, 2, 4, 5].map((i) => [`${i}-1`, ['f', `v${i}`, 'g', String(i)]]));
    const info = (await client.call('XINFO', 'STREAM', 'stream')) as unknown[];
    const field = (arr: unknown[], k: string): unknown => arr[arr.indexOf(k) + 1];
    assert.equal(field(info, 'last-generated-id'), '5-1');
    assert.equal(field(info, 'max-deleted-entry-id'), '3-1');
    assert.equal(field(info, 'entries-added'), 5);
    const groups = (await client.call('XINFO', 'GROUPS', 'stream')) as unknown[][];
    assert.deepEqual(
      groups.map((g) => [field(g, 'name'), field(g, 'last-delivered-id'), field(g, 'entries-read'), field(g, 'pending'), field(g, 'consumers')]),
      [
        ['g0', '0-0', 0, 0, 0],
        ['g1', '2-1', 2, 2, 2],
      ],
    );
    const pending = (await client.call('XPENDING', 'stream', 'g1', '-', '+', '10')) as unknown[][];
    assert.deepEqual(
      pending.map((p) => [p[0], p[1], p[3]]),
      [
        ['1-1', 'alice', 3],
        ['2-1', 'alice', 1],
      ],
    );
    assert.equal(await client.type('emptystream'), 'stream');
    assert.equal(await client.xlen('emptystream'), 0);
    assert.equal(field((await client.call('XINFO', 'STREAM', 'emptystream')) as unknown[], 'last-generated-id'), '2-1');
    assert.equal(await client.dbsize(), 10);
    await client.select(2);
    assert.equal(await client.get('other'), 'db2');
    assert.equal(await client.get('counter'), '1');
  } finally {
    client?.disconnect();
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

async function waitRewriteDone(c: Redis): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const info = await c.info('persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail('BGREWRITEAOF did not finish');
}

test('an AOF dir written by redis-server (rewrite without preamble, timestamps) loads with our loader; check-aof reports match, torn and fixed', { skip: haveRedis ? false : NO_ORACLE_MESSAGE }, async () => {
  const dir = tmpDir();
  let redis: Awaited<ReturnType<typeof startRedisOracle>> | null = null;
  let client: Redis | null = null;
  try {
    redis = await startRedisOracle(['--appendonly', 'yes', '--dir', dir, '--aof-use-rdb-preamble', 'no', '--aof-timestamp-enabled', 'yes', '--appendfsync', 'always']);
    client = ioredisClient(redis.port);
    await client.set('a', '1');
    await client.select(1);
    await client.rpush('l', 'x', 'y\x00');
    await client.select(0);
    await client.call('BGREWRITEAOF');
    await waitRewriteDone(client);
    await client.select(1);
    await client.set('b', '2');
    await client.select(0);
    await client.incr('a');
    await client.multi().incr('a').set('c', '3').exec();
    client.disconnect();
    client = null;
    await redis.stop();
    redis = null;

    const aofDir = path.join(dir, 'appendonlydir');
    const names = fs.readdirSync(aofDir).sort();
    assert.deepEqual(names, ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    const cmds: string[][] = [];
    const r = await loadAof({
      dir,
      dirname: 'appendonlydir',
      filename: 'appendonly.aof',
      loadTruncated: false,
      execute: (argv) => {
        cmds.push(argv);
        return null;
      },
    });
    assert.equal(r.status, 'ok');
    const norm = cmds.map((c) => [c[0]!.toUpperCase(), ...c.slice(1)]);
    assert.deepEqual(norm, [
      // the base: each non-empty database
      ['SELECT', '0'],
      ['SET', 'a', '1'],
      ['SELECT', '1'],
      ['RPUSH', 'l', 'x', 'y\x00'],
      // the incr file (the transaction's commands come out of MULTI/EXEC one by one)
      ['SELECT', '1'],
      ['SET', 'b', '2'],
      ['SELECT', '0'],
      ['INCR', 'a'],
      ['INCR', 'a'],
      ['SET', 'c', '3'],
    ]);
    // a rewrite always starts its base with a timestamp annotation, which the loader skipped
    assert.ok(fs.readFileSync(path.join(aofDir, 'appendonly.aof.2.base.aof'), 'latin1').startsWith('#TS:'), 'timestamps were on');
    const manifest = path.join(aofDir, 'appendonly.aof.manifest');
    assert.equal(sameCheckReport(manifest).code, 0);
    assert.equal(sameCheckReport(path.join(aofDir, 'appendonly.aof.2.incr.aof')).code, 0);

    // torn: the last 5 bytes gone (inside EXEC)
    const incr = path.join(aofDir, 'appendonly.aof.2.incr.aof');
    const full = fs.statSync(incr).size;
    fs.truncateSync(incr, full - 5);
    const torn = sameCheckReport(manifest);
    assert.equal(torn.code, 1);
    assert.match(torn.out, /is not valid/);
    const answerNo = run(process.execPath, [REDOUBT_CLI, 'check-aof', '--fix', manifest], 'n\n');
    assert.equal(answerNo.code, 1);
    assert.match(answerNo.out, /Continue\? \[y\/N\]: Aborting\.\.\.\n$/);
    assert.equal(fs.statSync(incr).size, full - 5);
    const ours = run(process.execPath, [REDOUBT_CLI, 'check-aof', '--fix', manifest], 'y\n');
    const theirsCopy = tmpDir();
    assert.equal(ours.code, 0, ours.out);
    assert.match(ours.out, /Successfully truncated AOF appendonly\.aof\.2\.incr\.aof\nAll AOF files and manifest are valid\n$/);
    fs.rmSync(theirsCopy, { recursive: true, force: true });
    const after = run('redis-check-aof', [manifest]);
    assert.equal(after.code, 0, after.out);
    // the fixed AOF loads in redis-server: the incomplete transaction is gone
    redis = await startRedisOracle(['--appendonly', 'yes', '--dir', dir]);
    client = ioredisClient(redis.port);
    assert.equal(await client.get('a'), '2');
    assert.equal(await client.get('c'), null);
  } finally {
    client?.disconnect();
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a redis-server AOF with an RDB base (the default preamble) gives the .base.rdb to the RDB loader, then replays the incr file', { skip: haveRedis ? false : NO_ORACLE_MESSAGE }, async () => {
  const dir = tmpDir();
  let redis: Awaited<ReturnType<typeof startRedisOracle>> | null = null;
  let client: Redis | null = null;
  try {
    redis = await startRedisOracle(['--appendonly', 'yes', '--dir', dir]);
    client = ioredisClient(redis.port);
    await client.set('a', '1');
    await client.call('BGREWRITEAOF');
    await waitRewriteDone(client);
    await client.set('b', '2');
    client.disconnect();
    client = null;
    await redis.stop();
    redis = null;
    const rdb: { name: string; oldStyle: boolean; head: string }[] = [];
    const cmds: string[][] = [];
    const r = await loadAof({
      dir,
      dirname: 'appendonlydir',
      filename: 'appendonly.aof',
      loadTruncated: false,
      execute: (argv) => {
        cmds.push(argv);
        return null;
      },
      loadRdb: (src) => {
        const b = Buffer.alloc(9);
        fs.readSync(src.fd, b, 0, 9, 0);
        rdb.push({ name: src.name, oldStyle: src.oldStyle, head: b.toString('latin1') });
        return src.size;
      },
    });
    assert.equal(r.status, 'ok');
    assert.deepEqual(rdb, [{ name: 'appendonly.aof.2.base.rdb', oldStyle: false, head: 'REDIS0010' }]);
    assert.deepEqual(
      cmds.map((c) => [c[0]!.toUpperCase(), ...c.slice(1)]),
      [
        ['SELECT', '0'],
        ['SET', 'b', '2'],
      ],
    );
  } finally {
    client?.disconnect();
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
