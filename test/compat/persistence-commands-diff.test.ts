/**
 * SAVE / BGSAVE / BGREWRITEAOF replies and the MISCONF refusal, side by side with Debian's
 * redis-server: the same sequences, replies compared byte for byte. `rdb-key-save-delay`
 * (a testing knob both servers have) keeps a background save running long enough to race it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { startTestServer } from '../helpers/server.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { RawClient } from '../helpers/raw-client.js';
import { show } from '../helpers/diff-support.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;
if (skip !== false) console.log(`persistence-commands-diff: ${NO_ORACLE_MESSAGE}`);

interface Side {
  c: RawClient;
  dir: string;
}

async function both(fn: (redis: Side, redoubt: Side) => Promise<void>): Promise<void> {
  const rdir = scratchDir();
  const odir = scratchDir();
  const oracle = await startRedisOracle(['--dir', rdir, '--save', '3600 1']);
  const srv = await startTestServer({ config: [['dir', odir], ['save', '3600', '1']] });
  const rc = await RawClient.connect(oracle.port);
  const oc = await RawClient.connect(srv.port);
  try {
    await fn({ c: rc, dir: rdir }, { c: oc, dir: odir });
  } finally {
    rc.close();
    oc.close();
    await srv.close();
    await oracle.stop();
  }
}

async function same(r: Side, o: Side, ...argv: string[]): Promise<string> {
  const want = await r.c.call(...argv);
  const got = await o.c.call(...argv);
  assert.equal(got, want, `${argv.join(' ')}: redoubt ${show(got)} vs redis ${show(want)}`);
  return got;
}

async function idle(s: Side): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const info = await s.c.call('INFO', 'persistence');
    if (/rdb_bgsave_in_progress:0/.test(info) && /aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('background work did not end');
}

async function statusIs(s: Side, status: 'ok' | 'err'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await s.c.call('INFO', 'persistence')).includes(`rdb_last_bgsave_status:${status}`)) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`rdb_last_bgsave_status never became ${status}`);
}

test('BGSAVE / SAVE / BGREWRITEAOF while a BGSAVE runs, and while a rewrite runs: same replies as redis-server', { skip }, async () => {
  await both(async (r, o) => {
    for (let i = 0; i < 3; i++) await same(r, o, 'SET', `k${i}`, 'v');
    await same(r, o, 'CONFIG', 'SET', 'rdb-key-save-delay', '100000');
    for (const argv of [['BGSAVE'], ['BGSAVE'], ['SAVE'], ['BGREWRITEAOF'], ['BGSAVE', 'SCHEDULE'], ['BGSAVE', 'foo'], ['BGSAVE', 'SCHEDULE', 'x']]) await same(r, o, ...argv);
    await same(r, o, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await Promise.all([idle(r), idle(o)]);
    await same(r, o, 'CONFIG', 'SET', 'rdb-key-save-delay', '100000');
    for (const argv of [['BGREWRITEAOF'], ['BGREWRITEAOF'], ['BGSAVE'], ['BGSAVE', 'SCHEDULE'], ['SAVE']]) await same(r, o, ...argv);
    await same(r, o, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await Promise.all([idle(r), idle(o)]);
  });
});

test('a failed BGSAVE: the MISCONF refusal of writes and PING, reads and MULTI still served, cleared by a good save', { skip }, async () => {
  await both(async (r, o) => {
    await same(r, o, 'SET', 'a', '1');
    for (const s of [r, o]) mkdirSync(path.join(s.dir, 'dump.rdb'));
    await same(r, o, 'BGSAVE');
    await Promise.all([statusIs(r, 'err'), statusIs(o, 'err')]);
    for (const argv of [['SET', 'b', '2'], ['PING'], ['GET', 'a'], ['MULTI'], ['SET', 'c', '3'], ['EXEC'], ['DEL', 'a']]) await same(r, o, ...argv);
    for (const s of [r, o]) rmdirSync(path.join(s.dir, 'dump.rdb'));
    await same(r, o, 'BGSAVE');
    await Promise.all([statusIs(r, 'ok'), statusIs(o, 'ok')]);
    await same(r, o, 'SET', 'b', '2');
    await same(r, o, 'SAVE');
  });
});
