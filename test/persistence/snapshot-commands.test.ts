/**
 * SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF, -LOADING, MISCONF and CONFIG SET appendonly, through
 * real clients against in-process servers (each in its own scratch directory).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { RawClient } from '../helpers/raw-client.js';
import { dumpKeyspace } from '../helpers/keyspace-dump.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `commands` in one write and reads one reply each (a setup of many keys in one round trip). */
async function pipeline(c: RawClient, commands: string[][]): Promise<string[]> {
  c.write(commands.map((argv) => RawClient.encode(argv)).join(''));
  const replies: string[] = [];
  for (let i = 0; i < commands.length; i++) replies.push(await c.readReply(10_000));
  return replies;
}

async function waitFor(c: RawClient, field: RegExp, timeoutMs = 20000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await c.call('INFO', 'persistence');
    if (field.test(info)) return info;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${field}: ${info}`);
    await sleep(20);
  }
}

test('BGSAVE writes the dataset as it was when it started, while writes go on (key-level copy-on-write)', async () => {
  const dir = scratchDir();
  // 200 µs per key: the save lasts long enough for the writes below to race it
  const srv = await startTestServer({ config: [['dir', dir], ['save', ''], ['rdb-key-save-delay', '2000']] });
  const c = await RawClient.connect(srv.port);
  let before = new Map<string, string>();
  try {
    const setup = Array.from({ length: 300 }, (_, i) => [
      ['RPUSH', `list:${i}`, 'a', 'b'],
      ['SET', `str:${i}`, String(i)],
      ['HSET', `hash:${i}`, 'f', String(i)],
    ]).flat();
    assert.deepEqual(new Set(await pipeline(c, setup)), new Set([':2\r\n', '+OK\r\n', ':1\r\n']));
    await c.call('EXPIRE', 'str:5', '1000');
    before = await dumpKeyspace(c, 1);
    assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
    assert.equal(await c.call('BGSAVE'), '-ERR Background save already in progress\r\n');
    assert.equal(await c.call('SAVE'), '-ERR Background save already in progress\r\n');
    assert.match(await c.call('INFO', 'persistence'), /rdb_bgsave_in_progress:1/);
    // in-place changes, replacements, deletions, renames, new keys, a flush of another db
    for (let i = 299; i >= 0; i -= 7) {
      await c.call('RPUSH', `list:${i}`, 'changed');
      await c.call('INCR', `str:${i}`);
      await c.call('HSET', `hash:${i}`, 'g', 'new');
      await c.call('DEL', `hash:${(i + 3) % 300}`);
      await c.call('SET', `new:${i}`, 'x');
      await c.call('RENAME', `list:${(i + 5) % 300}`, `renamed:${i}`);
    }
    await c.call('PERSIST', 'str:5');
    await c.call('SELECT', '2');
    await c.call('SET', 'other', 'db');
    await c.call('FLUSHDB');
    await c.call('SELECT', '0');
    await waitFor(c, /rdb_bgsave_in_progress:0/);
    assert.match(await c.call('INFO', 'persistence'), /rdb_last_bgsave_status:ok/);
  } finally {
    c.close();
    await srv.close();
  }
  const again = await startTestServer({ config: [['dir', dir], ['save', '']] });
  const c2 = await RawClient.connect(again.port);
  try {
    const loaded = await dumpKeyspace(c2, 1);
    assert.equal(loaded.size, before.size);
    for (const [k, v] of before) assert.equal(loaded.get(k), v, k);
  } finally {
    c2.close();
    await again.close();
  }
});

test('SAVE, LASTSAVE and the dump file: owner-only, in dir, rdb_changes_since_last_save reset', async () => {
  const dir = scratchDir();
  const srv = await startTestServer({ config: [['dir', dir], ['save', '']] });
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('SET', 'a', '1');
    assert.match(await c.call('INFO', 'persistence'), /rdb_changes_since_last_save:1\r\n/);
    const before = Number((await c.call('LASTSAVE')).slice(1));
    await sleep(1100);
    assert.equal(await c.call('SAVE'), '+OK\r\n');
    const after = Number((await c.call('LASTSAVE')).slice(1));
    assert.ok(after > before, `${after} > ${before}`);
    assert.match(await c.call('INFO', 'persistence'), /rdb_changes_since_last_save:0\r\n[\s\S]*rdb_saves:1\r\n/);
    const file = path.join(dir, 'dump.rdb');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['dump.rdb'], 'no temp file left behind');
    assert.equal(await c.call('BGSAVE', 'SCHEDULE', 'x'), '-ERR syntax error\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'dbfilename', '../evil.rdb'), "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config\r\n");
  } finally {
    c.close();
    await srv.close();
  }
});

test('save points: enough changes trigger a BGSAVE from the cron', async () => {
  const dir = scratchDir();
  const srv = await startTestServer({ config: [['dir', dir], ['save', '1', '3']] });
  const c = await RawClient.connect(srv.port);
  try {
    for (let i = 0; i < 5; i++) await c.call('SET', `k${i}`, 'v');
    await sleep(1100);
    await waitFor(c, /rdb_saves:[1-9]/);
    assert.ok(existsSync(path.join(dir, 'dump.rdb')));
  } finally {
    c.close();
    await srv.close();
  }
});

test('a failing BGSAVE turns on MISCONF for writes (stop-writes-on-bgsave-error), and a good save turns it off', async () => {
  const dir = scratchDir();
  // a directory where the dump should go makes the final rename fail (for root too)
  const target = path.join(dir, 'dump.rdb');
  const srv = await startTestServer({ config: [['dir', dir], ['save', '3600', '1']] });
  const c = await RawClient.connect(srv.port);
  mkdirSync(target);
  try {
    await c.call('SET', 'a', '1');
    // a failed foreground save (SAVE, SHUTDOWN's) is its caller's error only, as Redis's rdbSave
    assert.match(await c.call('SAVE'), /^-ERR/);
    assert.equal(await c.call('SET', 'a', '1'), '+OK\r\n', 'no MISCONF after a failed SAVE');
    assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
    await waitFor(c, /rdb_last_bgsave_status:err/);
    const refused = await c.call('SET', 'b', '2');
    assert.match(refused, /^-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk\./);
    assert.match(await c.call('PING'), /^-MISCONF/);
    assert.equal(await c.call('GET', 'a'), '$1\r\n1\r\n', 'reads still work');
    assert.deepEqual(readdirSync(dir), ['dump.rdb'], 'the failed save left no temp file');
    rmdirSync(target);
    assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
    await waitFor(c, /rdb_last_bgsave_status:ok/);
    assert.equal(await c.call('SET', 'b', '2'), '+OK\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('-LOADING while a big dump loads; INFO reports the progress; the keys are there afterwards', async () => {
  const dir = scratchDir();
  const srv = await startTestServer({ config: [['dir', dir], ['save', '']] });
  const c = await RawClient.connect(srv.port);
  try {
    const sets = Array.from({ length: 1400 }, (_, i) => ['SET', `k${i}`, String(i)]);
    assert.deepEqual(new Set(await pipeline(c, sets)), new Set(['+OK\r\n']));
    assert.equal(await c.call('SAVE'), '+OK\r\n');
  } finally {
    c.close();
    await srv.close();
  }
  // key-load-delay (Redis's testing knob): ~2 ms per key, so loading takes a while
  const log: string[] = [];
  const slow = await startTestServer({ config: [['dir', dir], ['save', ''], ['key-load-delay', '2000']], awaitLoading: false, logSink: { write: (l) => void log.push(l) } });
  const c2 = await RawClient.connect(slow.port);
  try {
    assert.equal(await c2.call('GET', 'k1'), '-LOADING Redis is loading the dataset in memory\r\n');
    assert.equal(await c2.call('SET', 'x', '1'), '-LOADING Redis is loading the dataset in memory\r\n');
    // as Redis's DENY_LOADING_CONFIG: appendonly (and dir) are refused with LOADING, others set
    assert.equal(await c2.call('CONFIG', 'SET', 'appendonly', 'yes'), '-LOADING Redis is loading the dataset in memory\r\n');
    assert.equal(await c2.call('CONFIG', 'SET', 'hz', '11', 'appendonly', 'yes'), '-LOADING Redis is loading the dataset in memory\r\n');
    assert.equal(await c2.call('CONFIG', 'SET', 'hz', '12'), '+OK\r\n');
    const info = await c2.call('INFO', 'persistence');
    assert.match(info, /loading:1\r\n/);
    assert.match(info, /loading_total_bytes:\d+/);
    await slow.loaded;
    assert.equal(await c2.call('GET', 'k1399'), '$4\r\n1399\r\n');
    const text = log.join('');
    assert.match(text, /Loading dump\.rdb: \d+% \(\d+\.\d MB of \d+\.\d MB\), \d+ keys so far/, 'a progress line on a load that takes seconds');
    assert.match(text, /Done loading RDB, keys loaded: 1400, keys expired: 0\./);
    assert.match(await c2.call('INFO', 'persistence'), /loading:0\r\n[\s\S]*rdb_last_load_keys_loaded:1400\r\n/);
  } finally {
    c2.close();
    await slow.close();
  }
});

test('AOF: BGREWRITEAOF with the AOF off writes a lone base; CONFIG SET appendonly yes writes the dataset as a base then appends; no stops it; BGREWRITEAOF while a BGSAVE runs is scheduled', async () => {
  const dir = scratchDir();
  const srv = await startTestServer({ config: [['dir', dir], ['save', '']] });
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('SET', 'before', '1');
    // with the AOF off, a rewrite writes a base and a manifest naming it alone (as Redis)
    assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
    await waitFor(c, /aof_rewrite_in_progress:0\r\n[\s\S]*aof_rewrites:1/);
    assert.deepEqual(readdirSync(path.join(dir, 'appendonlydir')).sort(), ['appendonly.aof.1.base.rdb', 'appendonly.aof.manifest']);
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
    await waitFor(c, /aof_rewrite_in_progress:0\r\n[\s\S]*aof_rewrites:2/);
    await c.call('SET', 'after', '2');
    const aofDir = path.join(dir, 'appendonlydir');
    const files = readdirSync(aofDir).sort();
    assert.ok(files.some((f) => f.endsWith('.base.rdb')) && files.some((f) => f.endsWith('.incr.aof')) && files.includes('appendonly.aof.manifest'), files.join(','));
    for (const f of files) assert.equal(statSync(path.join(aofDir, f)).mode & 0o777, 0o600, f);
    assert.equal(statSync(aofDir).mode & 0o777, 0o700);
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '20000');
    await c.call('SET', 'slow', 'x');
    assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
    assert.equal(await c.call('BGREWRITEAOF'), '+Background append only file rewriting scheduled\r\n');
    assert.match(await c.call('BGSAVE'), /^-ERR Background save already in progress/);
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await waitFor(c, /rdb_bgsave_in_progress:0[\s\S]*aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0[\s\S]*aof_rewrites:3/);
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
    assert.match(await c.call('INFO', 'persistence'), /aof_enabled:0/);
  } finally {
    c.close();
    await srv.close();
  }
  const again = await startTestServer({ config: [['dir', dir], ['save', ''], ['appendonly', 'yes']] });
  const c2 = await RawClient.connect(again.port);
  try {
    assert.equal(await c2.call('MGET', 'before', 'after', 'slow'), '*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\nx\r\n');
  } finally {
    c2.close();
    await again.close();
  }
});

test('FLUSHALL stops a running BGSAVE and, with save points, saves the empty dataset at once (as Redis)', async () => {
  const dir = scratchDir();
  const srv = await startTestServer({ config: [['dir', dir], ['save', '3600', '1'], ['rdb-key-save-delay', '20000']] });
  const c = await RawClient.connect(srv.port);
  try {
    for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v');
    assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
    assert.equal(await c.call('FLUSHALL'), '+OK\r\n');
    // the save FLUSHALL made covers the flush: no change left (redis-server 7.0 and 7.2 report 0)
    assert.match(await c.call('INFO', 'persistence'), /rdb_changes_since_last_save:0\r\nrdb_bgsave_in_progress:0\r\n/);
  } finally {
    c.close();
    await srv.close();
  }
  const again = await startTestServer({ config: [['dir', dir], ['save', '']] });
  const c2 = await RawClient.connect(again.port);
  try {
    assert.equal(await c2.call('DBSIZE'), ':0\r\n');
  } finally {
    c2.close();
    await again.close();
  }
});

test('BGREWRITEAOF inside MULTI is scheduled, so the transaction is neither lost nor replayed twice', async () => {
  const dir = scratchDir();
  const srv = await startTestServer({ config: [['dir', dir], ['save', ''], ['appendonly', 'yes']] });
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('SET', 'n', '10');
    await c.call('MULTI');
    await c.call('INCR', 'n');
    await c.call('BGREWRITEAOF');
    await c.call('INCR', 'n');
    assert.equal(await c.call('EXEC'), '*3\r\n:11\r\n+Background append only file rewriting scheduled\r\n:12\r\n');
    await waitFor(c, /aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0[\s\S]*aof_rewrites:1\r\n/);
  } finally {
    c.close();
    await srv.close();
  }
  const again = await startTestServer({ config: [['dir', dir], ['save', ''], ['appendonly', 'yes']] });
  const c2 = await RawClient.connect(again.port);
  try {
    assert.equal(await c2.call('GET', 'n'), '$2\r\n12\r\n');
  } finally {
    c2.close();
    await again.close();
  }
});

test('CONFIG SET appendonly yes inside MULTI schedules the rewrite with Redis\'s log line; INFO total_forks counts background snapshot jobs; appendonly no kills a rewrite', async () => {
  const dir = scratchDir();
  const log: string[] = [];
  const srv = await startTestServer({ config: [['dir', dir], ['save', '']], logSink: { write: (l) => void log.push(l) } });
  const c = await RawClient.connect(srv.port);
  const forks = async (): Promise<number> => Number(/total_forks:(\d+)\r\n/.exec(await c.call('INFO', 'stats'))?.[1]);
  try {
    assert.equal(await forks(), 0);
    await c.call('MULTI');
    await c.call('SET', 'foo', 'bar');
    await c.call('CONFIG', 'SET', 'appendonly', 'yes');
    assert.equal(await c.call('EXEC'), '*2\r\n+OK\r\n+OK\r\n');
    assert.ok(log.some((l) => l.includes('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.')), log.join('\n'));
    await waitFor(c, /aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0[\s\S]*aof_rewrites:1\r\n/);
    assert.equal(await forks(), 1);
    assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
    assert.equal(await forks(), 2);
    // turning the AOF off stops a rewrite under way, with Redis's killAppendOnlyChild line
    await waitFor(c, /rdb_bgsave_in_progress:0\r\n/);
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '100000000');
    assert.match(await c.call('BGREWRITEAOF'), /^\+Background append only file rewriting/);
    assert.equal(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
    assert.ok(log.some((l) => l.includes('Killing running AOF rewrite child')), log.join('\n'));
    assert.match(await c.call('INFO', 'persistence'), /aof_rewrite_in_progress:0\r\n/);
  } finally {
    c.close();
    await srv.close();
  }
});

test('CONFIG SET rdb-key-save-delay reaches a BGSAVE already running: a 100 s per key save finishes once the delay is set to 0', async () => {
  const dir = scratchDir();
  const srv = await startTestServer({ config: [['dir', dir], ['save', '']] });
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '100000000');
    assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
    assert.match(await c.call('INFO', 'persistence'), /rdb_bgsave_in_progress:1\r\n/);
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await waitFor(c, /rdb_bgsave_in_progress:0\r\n[\s\S]*rdb_last_bgsave_status:ok\r\n/, 10000);
  } finally {
    c.close();
    await srv.close();
  }
});
