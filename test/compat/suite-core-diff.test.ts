/**
 * Differences Redis 7.2.4's own top-level suite units found (issue 13), replayed against
 * redis-server and Redoubt:
 *  - FLUSHALL with save points saves at once, leaving no unsaved change behind it;
 *  - every setting `CONFIG GET *` lists that redis-server does not have (Redoubt's own) can be
 *    set back to the value it shows — a CONFIG GET * → CONFIG SET round trip meets only
 *    redis-server's own immutable settings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';

/** rdb_changes_since_last_save from INFO persistence. */
async function dirty(c: RawClient): Promise<number> {
  const info = await c.call('INFO', 'persistence');
  const m = /rdb_changes_since_last_save:(\d+)/.exec(info);
  assert.ok(m !== null, info);
  return Number(m[1]);
}

/** A RESP2 array of bulk strings (CONFIG GET's flat name/value list) → strings. */
function bulkArray(raw: string): string[] {
  const out: string[] = [];
  let at = raw.indexOf('\r\n') + 2;
  while (at < raw.length) {
    assert.equal(raw[at], '$', raw.slice(at, at + 40));
    const eol = raw.indexOf('\r\n', at);
    const len = Number(raw.slice(at + 1, eol));
    out.push(raw.slice(eol + 2, eol + 2 + len));
    at = eol + 2 + len + 2;
  }
  return out;
}

test('FLUSHALL: with save points the flush is saved (no changes left); without, each flushed key counts', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-flushall-'));
  const srv = await startTestServer();
  const oracle = await startRedisOracle(['--dir', dir]);
  try {
    const seen: string[][] = [];
    for (const port of [srv.port, oracle.port]) {
      const c = await RawClient.connect(port);
      const row: string[] = [];
      try {
        await c.call('CONFIG', 'SET', 'save', '');
        await c.call('SET', 'a', '1');
        await c.call('SET', 'b', '2');
        await c.call('SELECT', '1');
        await c.call('SET', 'c', '3');
        let d0 = await dirty(c);
        row.push(await c.call('FLUSHALL'));
        row.push(`no save points: dirty+${(await dirty(c)) - d0}`);
        d0 = await dirty(c);
        await c.call('FLUSHALL');
        row.push(`empty: dirty+${(await dirty(c)) - d0}`);
        await c.call('CONFIG', 'SET', 'save', '3600 1 300 100 60 10000');
        await c.call('SET', 'key', 'value');
        row.push(await c.call('FLUSHALL'));
        row.push(`save points: dirty=${await dirty(c)}`);
        await c.call('CONFIG', 'SET', 'save', '');
      } finally {
        c.close();
      }
      seen.push(row);
    }
    assert.deepEqual(seen[0], seen[1]);
    assert.equal(seen[0]![4], 'save points: dirty=0');
  } finally {
    await srv.close();
    await oracle.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("CONFIG GET *: each of Redoubt's own settings it lists can be set to the value it shows", async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  // as the suite's own config: protected settings (dir, security-log-file…) may be set
  const srv = await startTestServer({ config: [['enable-protected-configs', 'yes']] });
  const oracle = await startRedisOracle();
  const ours = await RawClient.connect(srv.port);
  const theirs = await RawClient.connect(oracle.port);
  try {
    const redisNames = new Set(bulkArray(await theirs.call('CONFIG', 'GET', '*')).filter((_, i) => i % 2 === 0));
    const listed = bulkArray(await ours.call('CONFIG', 'GET', '*'));
    const refused: string[] = [];
    let own = 0;
    for (let i = 0; i < listed.length; i += 2) {
      const name = listed[i]!;
      // 7.2 settings the 7.0 oracle lacks are Redis's own too
      if (redisNames.has(name) || name === 'locale-collate' || name.startsWith('cluster-')) continue;
      own++;
      const r = await ours.call('CONFIG', 'SET', name, listed[i + 1]!);
      if (r !== '+OK\r\n') refused.push(`${name}: ${r.trim()}`);
    }
    assert.ok(own > 0, "Redoubt lists some settings of its own (auth-throttle, source-allowlist…)");
    assert.deepEqual(refused, []);
    // start-up-only settings of Redoubt's own are still there when named exactly
    assert.deepEqual(bulkArray(await ours.call('CONFIG', 'GET', 'syslog-socket')), ['syslog-socket', '/dev/log']);
    assert.deepEqual(bulkArray(await ours.call('CONFIG', 'GET', 'metrics-port')), ['metrics-port', '0']);
  } finally {
    ours.close();
    theirs.close();
    await oracle.stop();
    await srv.close();
  }
});

test('SCAN with TYPE (known or unknown) expires each pattern-matching key it meets, whatever its type', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  // active expiry off on both: only SCAN may remove the expired keys
  const srv = await startTestServer({ config: [['enable-debug-command', 'yes']] });
  const oracle = await startRedisOracle(['--enable-debug-command', 'yes']);
  try {
    const seen: string[][] = [];
    for (const port of [srv.port, oracle.port]) {
      const c = await RawClient.connect(port);
      const row: string[] = [];
      try {
        await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
        for (let i = 0; i < 20; i++) await c.call('SET', `s${i}`, 'v');
        await c.call('HSET', 'h1', 'f', 'v');
        await c.call('PEXPIRE', 'h1', '1');
        await c.call('SET', 'x1', 'v');
        await c.call('PEXPIRE', 'x1', '1');
        // outside the MATCH pattern: not looked at, so not expired by SCAN
        await c.call('HSET', 'other', 'f', 'v');
        await c.call('PEXPIRE', 'other', '1');
        await new Promise((r) => setTimeout(r, 20));
        for (const type of ['string1', 'string']) {
          let cursor = '0';
          const keys: string[] = [];
          do {
            const r = await c.call('SCAN', cursor, 'MATCH', '[shx]*', 'TYPE', type, 'COUNT', '5');
            const lines = r.split('\r\n');
            cursor = lines[2]!;
            for (let i = 5; i < lines.length; i += 2) if (lines[i] !== '') keys.push(lines[i]!);
          } while (cursor !== '0');
          row.push(`${type}: ${keys.length} keys`);
          row.push((await c.call('INFO', 'keyspace')).replace(/.*keys=(\d+).*/s, 'keys=$1'));
        }
      } finally {
        await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
        c.close();
      }
      seen.push(row);
    }
    assert.deepEqual(seen[0], seen[1]);
    assert.deepEqual(seen[0], ['string1: 0 keys', 'keys=21', 'string: 20 keys', 'keys=21']);
  } finally {
    await srv.close();
    await oracle.stop();
  }
});

test('READONLY / READWRITE / CLUSTER exist as in a Redis without cluster mode (replies, ACL rules naming them)', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    return;
  }
  const srv = await startTestServer();
  const oracle = await startRedisOracle();
  try {
    const seen: string[][] = [];
    for (const port of [srv.port, oracle.port]) {
      const c = await RawClient.connect(port);
      try {
        seen.push([
          await c.call('READONLY'),
          await c.call('READWRITE'),
          await c.call('READONLY', 'x'),
          await c.call('ACL', 'SETUSER', 'scripter', 'on', 'nopass', '+readonly', '+readwrite'),
          await c.call('ACL', 'DRYRUN', 'scripter', 'READONLY'),
          await c.call('COMMAND', 'INFO', 'readonly', 'readwrite'),
          await c.call('CLUSTER', 'INFO'),
          await c.call('CLUSTER', 'HELP'),
          await c.call('CLUSTER', 'RESET', 'HARD'),
          await c.call('CLUSTER', 'KEYSLOT'),
          await c.call('CLUSTER', 'NOSUCH'),
        ]);
      } finally {
        c.close();
      }
    }
    assert.deepEqual(seen[0], seen[1]);
    assert.equal(seen[0]![0], '-ERR This instance has cluster support disabled\r\n');
    assert.equal(seen[0]![7], '-ERR This instance has cluster support disabled\r\n');
    const c = await RawClient.connect(srv.port);
    try {
      // a script may not call CLUSTER RESET (noscript), as unit/scripting checks
      assert.match(await c.call('EVAL', "return redis.call('cluster', 'reset')", '0'), /^-ERR This Redis command is not allowed from script/);
      c.write(RawClient.encode(['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'cluster*']));
      assert.match(await c.readReply(), /\$12\r\ncluster\|help\r\n/);
    } finally {
      c.close();
    }
  } finally {
    await srv.close();
    await oracle.stop();
  }
});
