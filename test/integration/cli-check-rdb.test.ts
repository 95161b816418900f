/**
 * `redoubt check-rdb <file>`: redis-check-rdb's report and exit status, on a file Redis
 * wrote (when redis-server is installed), on one Redoubt wrote, and on damaged files;
 * the same verdicts as redis-check-rdb itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findOnPath, findRedisServer, startRedisOracle } from '../helpers/redis-oracle.js';
import { applyFill, fillCommands, writeDump } from '../helpers/rdb-compare.js';

test('check-rdb: OK report with key counts for a good file, error block and exit 1 for damaged ones', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cli-check-rdb-'));
  const running = await startTestServer();
  const c = await RawClient.connect(running.port);
  try {
    await applyFill(c, fillCommands(21, 10));
    const good = path.join(dir, 'good.rdb');
    writeDump(running.server, good, {});
    const ok = await runCli(['check-rdb', good]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const lines = ok.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `[offset 0] Checking RDB file ${good}`);
    assert.match(ok.stdout, /^\[offset \d+\] AUX FIELD redis-ver = '7\.2\.4'$/m);
    assert.match(ok.stdout, /^\[offset \d+\] Selecting DB ID 3$/m);
    assert.match(ok.stdout, /^\[offset \d+\] Checksum OK$/m);
    assert.match(ok.stdout, /\\o\/ RDB looks OK! \\o\//);
    let keys = 0;
    let expires = 0;
    for (const db of running.server.dbs) {
      keys += db.size;
      expires += db.expiresCount;
    }
    assert.ok(lines.includes(`[info] ${keys} keys read`), ok.stdout);
    assert.ok(lines.includes(`[info] ${expires} expires`), ok.stdout);

    const data = readFileSync(good);
    const truncated = path.join(dir, 'truncated.rdb');
    writeFileSync(truncated, data.subarray(0, Math.floor(data.length / 2)));
    const flipped = path.join(dir, 'flipped.rdb');
    const f = Buffer.from(data);
    f[f.length - 3] = f[f.length - 3]! ^ 0x40;
    writeFileSync(flipped, f);
    const notRdb = path.join(dir, 'not.rdb');
    writeFileSync(notRdb, 'hello world, not a dump');
    const checker = findOnPath('redis-check-rdb');
    for (const [file, reason] of [
      [truncated, /^\[offset \d+\] .*(unexpected end of file|truncated file)/m],
      [flipped, /^\[offset \d+\] wrong RDB checksum/m],
      [notRdb, /^\[offset 0\] wrong signature/m],
    ] as const) {
      const r = await runCli(['check-rdb', file]);
      assert.equal(r.code, 1, `${file}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /^--- RDB ERROR DETECTED ---$/m);
      assert.match(r.stdout, reason);
      if (checker !== null) assert.equal(spawnSync(checker, [file]).status, 1, `redis-check-rdb ${file}`);
    }
    const missing = await runCli(['check-rdb', path.join(dir, 'nope.rdb')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /ENOENT/);
  } finally {
    c.close();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check-rdb accepts a file redis-server wrote', async (t) => {
  if (findRedisServer() === null) {
    t.skip('no redis-server');
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'cli-check-rdb-'));
  const oracle = await startRedisOracle(['--dir', dir, '--dbfilename', 'dump.rdb']);
  const c = await RawClient.connect(oracle.port);
  try {
    await applyFill(c, fillCommands(22, 10));
    assert.equal(await c.call('SAVE'), '+OK\r\n');
    const [n] = [Number((await c.call('DBSIZE')).slice(1, -2))];
    const r = await runCli(['check-rdb', path.join(dir, 'dump.rdb')]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /AUX FIELD redis-ver = '7\.0\.\d+'/);
    assert.match(r.stdout, /\[info\] \d+ keys read/);
    assert.ok(n > 0);
  } finally {
    c.close();
    await oracle.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
