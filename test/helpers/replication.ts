/**
 * Replication test support: a redis-server primary in its own scratch directory, a mixed
 * workload of every type, waits on INFO fields, and a key-by-key comparison of two
 * servers' datasets (keyspace-dump.ts, with consumer seen-times and group entries-read
 * left out: see compareDatasets).
 */
import { rmSync } from 'node:fs';
import { RawClient } from './raw-client.js';
import { dumpKeyspace } from './keyspace-dump.js';
import { startRedisOracle, type RedisOracle } from './redis-oracle.js';
import { scratchDir } from './scratch-dir.js';

export interface Primary extends RedisOracle {
  dir: string;
}

/** redis-server as a primary: its own directory (disk-backed syncs write dump.rdb there). */
export async function startPrimary(extra: string[] = []): Promise<Primary> {
  const dir = scratchDir();
  const oracle = await startRedisOracle(['--dir', dir, '--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0', ...extra]);
  return {
    ...oracle,
    dir,
    stop: async () => {
      await oracle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One field of INFO <section>, or undefined. */
export async function infoField(c: RawClient, section: string, field: string): Promise<string | undefined> {
  const text = await c.call('INFO', section);
  const m = new RegExp(`^${field}:(.*)\\r$`, 'm').exec(text);
  return m === null ? undefined : m[1];
}

/** Polls `check` every 50 ms until it is true; throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Waits until the replica's link is up and its offset equals the primary's. */
export async function waitCaughtUp(primary: RawClient, replica: RawClient, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    'the replica to catch up',
    async () => {
      if ((await infoField(replica, 'replication', 'master_link_status')) !== 'up') return false;
      const p = await infoField(primary, 'replication', 'master_repl_offset');
      const r = await infoField(replica, 'replication', 'slave_repl_offset');
      return p !== undefined && p === r;
    },
    timeoutMs,
  );
}

/**
 * Writes `n` rounds of every type under `tag` (binary-safe values, TTLs, several
 * databases, a transaction, big values that take the parser's large-bulk path).
 */
export async function workload(c: RawClient, tag: string, n: number): Promise<void> {
  const bin = (i: number): string => `v\x00\xff\r\n${tag}${i}`;
  for (let i = 0; i < n; i++) {
    const cmds: string[][] = [
      ['SET', `${tag}:s:${i}`, bin(i)],
      ['SET', `${tag}:ttl:${i}`, bin(i), 'PX', String(3_600_000 + i)],
      ['RPUSH', `${tag}:l:${i}`, 'a', 'b', bin(i)],
      ['LPUSH', `${tag}:l:${i}`, 'z'],
      ['HSET', `${tag}:h:${i}`, 'f1', bin(i), 'f2', String(i)],
      ['HINCRBY', `${tag}:h:${i}`, 'f2', '5'],
      ['SADD', `${tag}:set:${i}`, 'm1', 'm2', bin(i)],
      ['SADD', `${tag}:iset:${i}`, '1', '2', String(1000 + i)],
      ['ZADD', `${tag}:z:${i}`, '1', 'a', '2.5', 'b', String(i), bin(i)],
      ['ZINCRBY', `${tag}:z:${i}`, '0.1', 'a'],
      ['XADD', `${tag}:x:${i % 3}`, '*', 'f', bin(i)],
      ['PFADD', `${tag}:hll`, `e${i}`, `f${i}`],
      ['INCR', `${tag}:counter`],
      ['APPEND', `${tag}:app`, String(i)],
      ['EXPIRE', `${tag}:h:${i}`, String(7200 + i)],
      ['SELECT', '3'],
      ['SET', `${tag}:db3:${i}`, String(i)],
      ['SELECT', '0'],
    ];
    if (i % 5 === 0) cmds.push(['DEL', `${tag}:s:${i}`]);
    if (i % 7 === 0) cmds.push(['SET', `${tag}:big:${i}`, 'x'.repeat(70_000) + String(i)]);
    let wire = '';
    for (const cmd of cmds) wire += RawClient.encode(cmd);
    c.write(wire);
    for (let k = 0; k < cmds.length; k++) {
      const r = await c.readReply(10_000);
      if (r.startsWith('-')) throw new Error(`${cmds[k]!.join(' ')} -> ${r}`);
    }
  }
  // streams with consumer groups, a transaction
  for (let g = 0; g < 3; g++) {
    await c.call('XGROUP', 'CREATE', `${tag}:x:${g}`, 'grp', '0', 'MKSTREAM');
    await c.call('XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', '2', 'STREAMS', `${tag}:x:${g}`, '>');
  }
  await c.call('MULTI');
  await c.call('INCRBY', `${tag}:counter`, '100');
  await c.call('LPOP', `${tag}:l:0`);
  await c.call('SET', `${tag}:tx`, 'done');
  const exec = await c.call('EXEC');
  if (!exec.startsWith('*3')) throw new Error(`EXEC -> ${exec}`);
}

/** Where two texts part, with a little context. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 60);
  return `primary=${JSON.stringify(a.slice(from, i + 80))} replica=${JSON.stringify(b.slice(from, i + 80))}`;
}

/** Every key of both servers, compared; returns the differing keys (at most 10) and the counts. */
export async function compareDatasets(a: RawClient, b: RawClient): Promise<{ diffs: string[]; keysA: number; keysB: number }> {
  // consumer seen-times are the replica's own clock; a group's entries-read is not in
  // redis-server 7.0's stream for XREADGROUP (XCLAIM … LASTID only), so its own replicas
  // show it unset too (7.2 adds XGROUP SETID … ENTRIESREAD)
  const norm = (t: string): string => t.replace(/ seen=\S+/g, '').replace(/ read=\S+/g, '');
  const da = await dumpKeyspace(a, 4);
  const db = await dumpKeyspace(b, 4);
  const diffs: string[] = [];
  for (const [k, v] of da) {
    const w = db.get(k);
    if (w === undefined || norm(w) !== norm(v)) diffs.push(`${k}: ${firstDifference(norm(v), w === undefined ? '(missing)' : norm(w))}`);
    if (diffs.length >= 10) break;
  }
  for (const k of db.keys()) if (!da.has(k) && diffs.length < 10) diffs.push(`${k}: only on the replica`);
  return { diffs, keysA: da.size, keysB: db.size };
}
