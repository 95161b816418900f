/**
 * Torn tails as redis-server 7.0 treats them: the same damaged AOF directory (the last
 * incr file cut at a random byte, transactions included) is loaded by redis-server and by
 * our loader, with aof-load-truncated yes and no. Both must accept or both refuse, and
 * when they accept, both must truncate the file to the same size — with one deliberate
 * difference: when the cut falls inside a transaction, Redis keeps the MULTI and the
 * commands queued after it (it truncates after the last complete command), so the commands it appends next would be swallowed by
 * that open transaction on the following restart; we cut before the MULTI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { loadAof } from '../../src/persistence/aof/aof-loader.js';
import { RespCommandBuilder } from '../../src/persistence/aof/resp-command-builder.js';
import { findOnPath, OracleRefusedToStart, startRedisOracle } from '../helpers/redis-oracle.js';

const have = findOnPath('redis-server') !== null;

const cmd = fc.oneof(
  fc.nat({ max: 9 }).map((i) => [['SET', `k${i}`, `value-${i}`]]),
  fc.constant([['INCR', 'counter']]),
  fc.constant([['RPUSH', 'list', 'a', 'bb']]),
  fc.nat({ max: 3 }).map((n) => [['MULTI'], ...Array.from({ length: n }, () => ['INCR', 'counter']), ['EXEC']]),
);

function makeDir(data: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-aof-loaddiff-'));
  const d = path.join(dir, 'appendonlydir');
  fs.mkdirSync(d, { mode: 0o700 });
  fs.writeFileSync(path.join(d, 'appendonly.aof.1.base.aof'), '');
  fs.writeFileSync(path.join(d, 'appendonly.aof.1.incr.aof'), data);
  fs.writeFileSync(path.join(d, 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  return dir;
}

const incrSize = (dir: string): number => fs.statSync(path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof')).size;

test('torn last incr file: redis-server and our loader agree (accept/refuse, truncated size)', { skip: have ? false : 'SKIPPED: no redis-server on PATH' }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 5 }), fc.nat(), fc.boolean(), async (groups, cutSeed, truncatedYes) => {
      const b = new RespCommandBuilder(64);
      b.command(['SELECT', '0']);
      for (const g of groups) for (const c of g) b.command(c);
      const full = Buffer.from(b.view());
      const data = full.subarray(0, cutSeed % (full.length + 1));
      const theirs = makeDir(data);
      const ours = makeDir(data);
      try {
        let redisOk = true;
        try {
          const r = await startRedisOracle(['--appendonly', 'yes', '--dir', theirs, '--aof-load-truncated', truncatedYes ? 'yes' : 'no'], 30_000);
          await r.stop();
        } catch (e) {
          // a slow start on a loaded machine is not a refusal
          if (!(e instanceof OracleRefusedToStart)) throw e;
          redisOk = false;
        }
        let oursOk = true;
        try {
          await loadAof({ dir: ours, dirname: 'appendonlydir', filename: 'appendonly.aof', loadTruncated: truncatedYes, execute: () => null });
        } catch {
          oursOk = false;
        }
        const label = `cut ${data.length}/${full.length} aof-load-truncated ${truncatedYes ? 'yes' : 'no'}`;
        assert.equal(oursOk, redisOk, label);
        if (redisOk && incrSize(ours) !== incrSize(theirs)) {
          const kept = fs.readFileSync(path.join(theirs, 'appendonlydir', 'appendonly.aof.1.incr.aof')).toString('latin1');
          const mine = fs.readFileSync(path.join(ours, 'appendonlydir', 'appendonly.aof.1.incr.aof')).toString('latin1');
          assert.ok(kept.startsWith(mine), label);
          assert.ok(kept.slice(mine.length).startsWith('*1\r\n$5\r\nMULTI\r\n'), `${label}: redis kept more than an open transaction (ours ${mine.length}, redis ${kept.length})`);
        }
      } finally {
        fs.rmSync(theirs, { recursive: true, force: true });
        fs.rmSync(ours, { recursive: true, force: true });
      }
    }),
    { numRuns: 30 },
  );
});
