/**
 * RDB files both ways with Debian's redis-server (7.0.15, RDB version 10):
 * - Redis → Redoubt: the oracle is filled with every type in every encoding, SAVEs, and
 *   its dump.rdb is read with RdbReader into a fresh Redoubt; every key is compared.
 * - Redoubt → Redis: the same fill in Redoubt is written with RdbWriter (compression and
 *   checksum on and off, and with a repeated SELECTDB), a redis-server starts on the file,
 *   redis-check-rdb accepts it, and every key is compared; Redoubt also reads its own file
 *   back (encodings and orders compared exactly).
 * Comparisons across versions allow for 7.0's lack of list/set listpacks, hashtable order
 * and score formatting, and 7.2's extra XINFO `active-time`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findOnPath, findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { applyFill, compareKeyspaces, fillCommands, loadDump, writeDump, type CompareOptions } from '../helpers/rdb-compare.js';
import { checkRdbFile } from '../../src/persistence/rdb/check-rdb.js';
import { RdbReader } from '../../src/persistence/rdb/rdb-reader.js';

const DBS = [0, 1, 3];
const CROSS: CompareOptions = { encodings: new Set(['hash', 'zset']), sortUnordered: true, crossVersion: true, dropActiveTime: true, dbs: DBS };
const SAME: CompareOptions = { encodings: new Set(['list', 'set', 'hash', 'zset']), sortUnordered: false, crossVersion: false, dropActiveTime: true, dbs: DBS };
/** both sides loaded the same file: strings, hashes and zsets get the same encodings in 7.0 and 7.2 */
const LOADED: CompareOptions = { encodings: new Set(['string', 'hash', 'zset']), sortUnordered: true, crossVersion: true, dropActiveTime: true, dbs: DBS };

const SEEDS = [1, 2, 3];

test('Redis → Redoubt: a redis-server dump loads with every key intact', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  for (const seed of SEEDS) {
    const dir = mkdtempSync(path.join(tmpdir(), 'rdb-r2r-'));
    const oracle = await startRedisOracle(['--dir', dir, '--dbfilename', 'dump.rdb']);
    const running = await startTestServer();
    const oc = await RawClient.connect(oracle.port);
    const rc = await RawClient.connect(running.port);
    try {
      await applyFill(oc, fillCommands(seed, 40));
      assert.equal(await oc.call('SAVE'), '+OK\r\n');
      const file = path.join(dir, 'dump.rdb');
      const loaded = loadDump(running.server, file);
      assert.ok(loaded > 100, `loaded ${loaded} keys`);
      const n = await compareKeyspaces(oc, rc, CROSS, `seed ${seed} redis→redoubt`);
      assert.equal(n, loaded);
      // our checker agrees with redis-check-rdb
      const lines: string[] = [];
      assert.equal(checkRdbFile(file, (l) => lines.push(l)), 0, lines.join('\n'));
      assert.ok(lines.includes(`[info] ${loaded} keys read`), lines.join('\n'));
    } finally {
      oc.close();
      rc.close();
      await running.close();
      await oracle.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

const VARIANTS = [
  { compression: true, checksum: true, revisit: false },
  { compression: false, checksum: true, revisit: true },
  { compression: true, checksum: false, revisit: true },
  { compression: false, checksum: false, revisit: false },
];

test('Redoubt → Redis: redis-server loads our dump (compression/checksum on and off, repeated SELECTDB); redis-check-rdb accepts it', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const checkRdb = findOnPath('redis-check-rdb');
  for (const seed of SEEDS) {
    const source = await startTestServer();
    const sc = await RawClient.connect(source.port);
    try {
      await applyFill(sc, fillCommands(seed, 40));
      for (const v of VARIANTS) {
        const dir = mkdtempSync(path.join(tmpdir(), 'rdb-o2r-'));
        const file = path.join(dir, 'ours.rdb');
        writeDump(source.server, file, { compression: v.compression, checksum: v.checksum }, v.revisit);
        const label = `seed ${seed} ${JSON.stringify(v)}`;
        if (!v.checksum) assert.ok(readFileSync(file).subarray(-8).equals(Buffer.alloc(8)), `${label}: zero checksum`);
        if (checkRdb !== null) {
          const r = spawnSync(checkRdb, [file], { encoding: 'utf8' });
          assert.equal(r.status, 0, `${label}: redis-check-rdb\n${r.stdout}${r.stderr}`);
          assert.match(r.stdout, /RDB looks OK/);
        }
        const copy = path.join(dir, 'dump.rdb');
        copyFileSync(file, copy);
        const redis = await startRedisOracle(['--dir', dir, '--dbfilename', 'dump.rdb']);
        const reloaded = await startTestServer();
        const redisClient = await RawClient.connect(redis.port);
        const rc = await RawClient.connect(reloaded.port);
        try {
          const n = await compareKeyspaces(sc, redisClient, CROSS, `${label} redoubt→redis`);
          assert.ok(n > 100);
          assert.equal(loadDump(reloaded.server, file), n);
          await compareKeyspaces(sc, rc, SAME, `${label} redoubt→redoubt`);
          await compareKeyspaces(redisClient, rc, LOADED, `${label} both loaded`);
        } finally {
          redisClient.close();
          rc.close();
          await reloaded.close();
          await redis.stop();
          rmSync(dir, { recursive: true, force: true });
        }
      }
    } finally {
      sc.close();
      await source.close();
    }
  }
});

test('our dump carries the standard AUX fields and RESIZEDB hints', async () => {
  const source = await startTestServer();
  const sc = await RawClient.connect(source.port);
  const dir = mkdtempSync(path.join(tmpdir(), 'rdb-aux-'));
  try {
    await applyFill(sc, fillCommands(9, 0));
    const file = path.join(dir, 'x.rdb');
    writeDump(source.server, file, {});
    const r = RdbReader.openFile(file);
    const aux: string[] = [];
    const resize: string[] = [];
    try {
      assert.equal(r.version, 10);
      for (let rec = r.next(); rec !== null; rec = r.next()) {
        if (rec.kind === 'aux') aux.push(rec.key);
        if (rec.kind === 'resize-db') resize.push(`${rec.db}:${rec.keys}:${rec.expires}`);
        if (rec.kind === 'eof') assert.equal(rec.checksum, 'verified');
      }
    } finally {
      r.close();
    }
    assert.deepEqual(aux, ['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'aof-base']);
    const db0 = source.server.dbs[0]!;
    assert.deepEqual(resize, [`0:${db0.size}:${db0.expiresCount}`, '1:2:0', '3:1:0']);
  } finally {
    sc.close();
    await source.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('load-time conversions under tiny *-max-* limits agree with redis-server (hash, zset encodings)', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const limits = ['hash-max-listpack-entries', '3', 'hash-max-listpack-value', '8', 'zset-max-listpack-entries', '3', 'zset-max-listpack-value', '8', 'set-max-intset-entries', '3'];
  const source = await startTestServer();
  const sc = await RawClient.connect(source.port);
  const dir = mkdtempSync(path.join(tmpdir(), 'rdb-lim-'));
  try {
    await applyFill(sc, fillCommands(31, 60));
    const file = path.join(dir, 'dump.rdb');
    writeDump(source.server, file, {});
    const redis = await startRedisOracle(['--dir', dir, '--dbfilename', 'dump.rdb', ...limits.map((x, i) => (i % 2 === 0 ? `--${x}` : x))]);
    const reloaded = await startTestServer();
    const redisClient = await RawClient.connect(redis.port);
    const rc = await RawClient.connect(reloaded.port);
    try {
      for (let i = 0; i < limits.length; i += 2) assert.equal(await rc.call('CONFIG', 'SET', limits[i]!, limits[i + 1]!), '+OK\r\n');
      loadDump(reloaded.server, file);
      const n = await compareKeyspaces(redisClient, rc, LOADED, 'tiny limits');
      assert.ok(n > 100);
      // and some conversions did happen
      assert.equal(await rc.call('OBJECT', 'ENCODING', 'h:small'), '$9\r\nhashtable\r\n');
      assert.equal(await rc.call('OBJECT', 'ENCODING', 'z:small'), '$8\r\nskiplist\r\n');
      assert.equal(await rc.call('OBJECT', 'ENCODING', 'set:int'), '$9\r\nhashtable\r\n');
    } finally {
      redisClient.close();
      rc.close();
      await reloaded.close();
      await redis.stop();
    }
  } finally {
    sc.close();
    await source.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
