/**
 * What the RDB and DUMP/RESTORE differential tests share: a keyspace fill covering every
 * type in every encoding (binary keys and values, every integer width, LZF-sized strings,
 * TTLs, streams with deletions, groups, PELs, consumers) plus a seeded random part; the
 * per-type queries that read a key back; and a comparison of two servers key by key.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { RawClient } from './raw-client.js';
import { parse, prng, show, type Node } from './diff-support.js';
import type { Server } from '../../src/server/server.js';
import { RdbWriter, type RdbWriterOptions } from '../../src/persistence/rdb/rdb-writer.js';
import { RdbReader } from '../../src/persistence/rdb/rdb-reader.js';
import { loadLimitsFromConfig } from '../../src/persistence/rdb/load-limits.js';

export const BIN = '\x00\r\n\x80\xff\x01';
const INTS = ['0', '1', '-1', '127', '128', '-128', '4095', '-4096', '4096', '32767', '-32768', '32768', '8388607', '-8388608', '8388608', '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '01', '-0', '+5', '1.5'];

/** A command that sets up the keyspace; `db` selects the database first. */
export interface FillCommand {
  db: number;
  argv: string[];
}

function bytes(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rand() < 0.3 ? [0, 13, 10, 0x80, 0xff][Math.floor(rand() * 5)]! : Math.floor(rand() * 256));
  return s;
}

/** The deterministic part of the fill, then `randomKeys` random keys from `seed`. */
export function fillCommands(seed: number, randomKeys: number, farFuture = 4102444800000): FillCommand[] {
  const out: FillCommand[] = [];
  const c = (...argv: string[]) => out.push({ db: 0, argv });
  const rand = prng(seed);
  // strings: every int width, binary, LZF-compressible, incompressible, raw (appended)
  c('SET', 's:hello', 'hello');
  INTS.forEach((v, i) => c('SET', `s:int${i}`, v));
  c('SET', 's:longint', '12345678901234');
  c('SET', `s:${BIN}`, BIN);
  c('SET', 's:empty', '');
  c('SET', 's:lzf', 'abcdefgh'.repeat(500));
  c('SET', 's:lzf21', 'aaaaaaaaaaaaaaaaaaaaa');
  c('SET', 's:rand', bytes(rand, 3000));
  c('SET', 's:app', 'x');
  c('APPEND', 's:app', 'yz');
  c('SET', 's:embstr44', 'e'.repeat(44));
  c('SET', 's:raw45', 'r'.repeat(45));
  c('SET', 's:ttl', 'v', 'PXAT', String(farFuture));
  c('SET', 's:ttl2', 'w', 'PXAT', String(farFuture + 12345));
  c('SET', 's:bigttl', 'w');
  c('PEXPIREAT', 's:bigttl', '9007199254740993');
  // lists
  c('RPUSH', 'l:small', ...INTS, BIN, '', 'plain');
  for (let i = 0; i < 6; i++) c('RPUSH', 'l:big', ...Array.from({ length: 200 }, (_, j) => `e${i * 200 + j}`));
  c('RPUSH', 'l:bigel', 'y'.repeat(10000), 'z'.repeat(100), '5');
  c('LPUSH', `l:${BIN}`, BIN, bytes(rand, 100));
  c('RPUSH', 'l:ttl', 'a');
  c('PEXPIREAT', 'l:ttl', String(farFuture));
  // sets
  c('SADD', 'set:int', '1', '2', '3', '-5', '100000');
  c('SADD', 'set:int64', '1', '9223372036854775807', '-9223372036854775808');
  c('SADD', 'set:int32', '70000', '-70000');
  c('SADD', 'set:small', 'a', 'b', 'c', BIN);
  c('SADD', 'set:big', ...Array.from({ length: 200 }, (_, j) => `m${j}`));
  c('SADD', 'set:bigint', ...Array.from({ length: 600 }, (_, j) => String(j * 3)));
  c('SADD', 'set:longmember', 'q'.repeat(100), 'a');
  // hashes
  c('HSET', 'h:small', 'f', 'v', 'n', '12', 'neg', '-7', BIN, BIN, '', 'empty');
  c('HSET', 'h:big', ...Array.from({ length: 600 }, (_, j) => [`f${j}`, `v${j}`]).flat());
  c('HSET', 'h:longval', 'f', 'L'.repeat(100));
  c('HSET', 'h:ttl', 'a', '1');
  c('PEXPIREAT', 'h:ttl', String(farFuture));
  // sorted sets
  c('ZADD', 'z:small', '1', 'a', '-2.5', 'b', 'inf', 'c', '-inf', 'd', '0', BIN, '1e10', 'e', '123456789012', 'f', '0.25', 'g');
  c('ZADD', 'z:big', ...Array.from({ length: 200 }, (_, j) => [String(j / 4), `m${j}`]).flat());
  c('ZADD', 'z:longmember', '1', 'M'.repeat(100));
  // streams: explicit IDs, differing fields, deletions, big (several nodes), groups, PEL
  c('XADD', 'x:s', '1-1', 'f', 'v', 'g', '1');
  c('XADD', 'x:s', '1-2', 'f', 'w', 'g', '2');
  c('XADD', 'x:s', '2-0', 'other', BIN);
  c('XADD', 'x:s', '3-0', 'f', 'x', 'g', '-3');
  c('XADD', 'x:s', '4-0', 'f', 'y'.repeat(100), 'g', '4');
  c('XDEL', 'x:s', '1-2');
  c('XGROUP', 'CREATE', 'x:s', 'g1', '0');
  c('XGROUP', 'CREATE', 'x:s', 'g2', '$');
  c('XGROUP', 'CREATE', 'x:s', `g${BIN}`, '0', 'ENTRIESREAD', '1');
  c('XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '2', 'STREAMS', 'x:s', '>');
  c('XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '1', 'STREAMS', 'x:s', '>');
  c('XGROUP', 'CREATECONSUMER', 'x:s', 'g1', 'idle');
  c('XCLAIM', 'x:s', 'g1', 'bob', '0', '1-1', 'RETRYCOUNT', '5');
  for (let i = 0; i < 250; i++) c('XADD', 'x:big', `${1000 + i}-${i % 3}`, 'k', String(i), ...(i % 7 === 0 ? ['extra', 'e'.repeat(i)] : []));
  c('XDEL', 'x:big', '1001-1', '1100-1');
  c('XTRIM', 'x:big', 'MINID', '1005');
  // a node left with deleted entries only (MINID trimming stops at its deleted last entry)
  for (let i = 1; i <= 102; i++) c('XADD', 'x:trim', `${i}-0`, 'a', String(i));
  c('XDEL', 'x:trim', '100-0');
  c('XTRIM', 'x:trim', 'MINID', '100');
  c('XADD', 'x:huge', '18446744073709551614-18446744073709551615', 'a', '1');
  c('XADD', 'x:empty', '5-5', 'a', '1');
  c('XDEL', 'x:empty', '5-5');
  c('XGROUP', 'CREATE', 'x:mk', 'g', '$', 'MKSTREAM');
  c('XSETID', 'x:s', '9-9', 'ENTRIESADDED', '77', 'MAXDELETEDID', '8-0');
  // other databases
  out.push({ db: 1, argv: ['SET', 'db1:a', 'one'] }, { db: 1, argv: ['RPUSH', 'db1:l', 'x'] }, { db: 3, argv: ['HSET', 'db3:h', 'a', 'b'] });
  // random keys
  for (let k = 0; k < randomKeys; k++) {
    const key = `r${k}:${bytes(rand, Math.floor(rand() * 6))}`;
    const n = rand() < 0.2 ? 100 + Math.floor(rand() * 600) : 1 + Math.floor(rand() * 12);
    const el = () => (rand() < 0.4 ? INTS[Math.floor(rand() * INTS.length)]! : bytes(rand, rand() < 0.1 ? 70 + Math.floor(rand() * 200) : Math.floor(rand() * 10)));
    const t = Math.floor(rand() * 6);
    if (t === 0) c('SET', key, rand() < 0.2 ? 'ab'.repeat(100 + Math.floor(rand() * 1000)) : el());
    else if (t === 1) c('RPUSH', key, ...Array.from({ length: n }, el));
    else if (t === 2) c('SADD', key, ...Array.from({ length: n }, () => (rand() < 0.5 ? String(Math.floor(rand() * 1e6) - 5e5) : el())));
    else if (t === 3) c('HSET', key, ...Array.from({ length: n }, () => [el(), el()]).flat());
    else if (t === 4) c('ZADD', key, ...Array.from({ length: n }, () => [String(Math.floor(rand() * 400 - 200) / 4), el()]).flat());
    else {
      for (let i = 0; i < n; i++) c('XADD', key, `${i + 1}-${Math.floor(rand() * 3)}`, 'f', el(), ...(rand() < 0.3 ? ['g', el()] : []));
      if (rand() < 0.5) c('XDEL', key, `${1 + Math.floor(rand() * n)}-0`, `${1 + Math.floor(rand() * n)}-1`);
      if (rand() < 0.5) {
        c('XGROUP', 'CREATE', key, 'grp', '0');
        c('XREADGROUP', 'GROUP', 'grp', 'c1', 'COUNT', String(1 + Math.floor(rand() * 5)), 'STREAMS', key, '>');
      }
    }
    if (rand() < 0.2) c('PEXPIREAT', key, String(farFuture + Math.floor(rand() * 1e6)));
  }
  return out;
}

/** Sends the fill to a server (any error reply fails: the fill must be valid everywhere). */
export async function applyFill(client: RawClient, cmds: readonly FillCommand[]): Promise<void> {
  let db = -1;
  for (const { db: d, argv } of cmds) {
    if (d !== db) {
      assert.equal(await client.call('SELECT', String(d)), '+OK\r\n');
      db = d;
    }
    const r = await client.call(...argv);
    assert.ok(!r.startsWith('-'), `${show(argv.join(' '))} → ${show(r)}`);
  }
  await client.call('SELECT', '0');
}

export interface CompareOptions {
  /** value types whose OBJECT ENCODING must agree */
  encodings: ReadonlySet<string>;
  /** compare SMEMBERS/HGETALL as sorted multisets (hashtable order differs between servers) */
  sortUnordered: boolean;
  /** one side is Redis 7.0: drop 7.2's XINFO STREAM FULL `active-time`, compare scores as numbers */
  crossVersion: boolean;
  /** drop XINFO STREAM FULL `active-time` (RDB version 10 does not carry it: a loaded consumer's is its seen-time) */
  dropActiveTime: boolean;
  /** databases to compare */
  dbs: readonly number[];
}

function serialize(n: Node): string {
  if (n.items === undefined) return n.raw;
  const count = n.t === '%' ? n.items.length / 2 : n.items.length;
  return `${n.t}${count}\r\n${n.items.map(serialize).join('')}`;
}

/** Removes `name`/value pairs from every flat key/value array, recursively. */
function dropField(n: Node, name: string): Node {
  if (n.items === undefined) return n;
  const items: Node[] = [];
  for (let i = 0; i < n.items.length; i++) {
    const it = n.items[i]!;
    if (i % 2 === 0 && it.t === '$' && it.s === name && i + 1 < n.items.length) {
      i++;
      continue;
    }
    items.push(dropField(it, name));
  }
  return { ...n, items };
}

function sortedItems(raw: string, pairs: boolean): string {
  const [n] = parse(raw);
  if (n.items === undefined) return raw;
  const out: string[] = [];
  const step = pairs ? 2 : 1;
  for (let i = 0; i < n.items.length; i += step) out.push(n.items.slice(i, i + step).map((x) => x.raw).join(''));
  return out.sort().join('|');
}

function numericScores(raw: string): string {
  const [n] = parse(raw);
  if (n.items === undefined) return raw;
  return n.items.map((x, i) => (i % 2 === 1 ? String(Number(x.s)) : x.raw)).join('|');
}

async function keysOf(c: RawClient): Promise<string[]> {
  const [n] = parse(await c.call('KEYS', '*'));
  return (n.items ?? []).map((x) => x.s!).sort();
}

/** Compares every key of every listed database between two servers. */
export async function compareKeyspaces(a: RawClient, b: RawClient, opts: CompareOptions, label: string): Promise<number> {
  let compared = 0;
  for (const db of opts.dbs) {
    await a.call('SELECT', String(db));
    await b.call('SELECT', String(db));
    const ka = await keysOf(a);
    const kb = await keysOf(b);
    assert.deepEqual(kb, ka, `${label}: keys of db ${db}`);
    for (const key of ka) {
      const typeReply = await a.call('TYPE', key);
      assert.equal(await b.call('TYPE', key), typeReply, `${label}: TYPE ${show(key)}`);
      const type = typeReply.slice(1, -2);
      const queries: [string[], (r: string) => string][] = [[['PEXPIRETIME', key], (r) => r]];
      if (opts.encodings.has(type)) queries.push([['OBJECT', 'ENCODING', key], (r) => r]);
      switch (type) {
        case 'string':
          queries.push([['GET', key], (r) => r]);
          break;
        case 'list':
          queries.push([['LRANGE', key, '0', '-1'], (r) => r]);
          break;
        case 'set': {
          // a hashtable's order is its own business (and a loaded set may pass through an intset)
          const sort = opts.sortUnordered || (await a.call('OBJECT', 'ENCODING', key)).includes('hashtable');
          queries.push([['SMEMBERS', key], (r) => (sort ? sortedItems(r, false) : r)], [['SCARD', key], (r) => r]);
          break;
        }
        case 'hash':
          queries.push([['HGETALL', key], (r) => (opts.sortUnordered ? sortedItems(r, true) : r)]);
          break;
        case 'zset':
          queries.push([['ZRANGE', key, '0', '-1', 'WITHSCORES'], (r) => (opts.crossVersion ? numericScores(r) : r)]);
          break;
        case 'stream': {
          const full = (r: string) => (opts.crossVersion || opts.dropActiveTime ? serialize(dropField(parse(r)[0], 'active-time')) : r);
          queries.push([['XRANGE', key, '-', '+'], (r) => r], [['XINFO', 'STREAM', key, 'FULL'], full], [['XINFO', 'GROUPS', key], (r) => r], [['XINFO', 'STREAM', key], (r) => r]);
          break;
        }
        default:
          assert.fail(`${label}: unexpected type ${type}`);
      }
      for (const [argv, norm] of queries) {
        const ra = await a.call(...argv);
        const rb = await b.call(...argv);
        assert.equal(norm(rb), norm(ra), `${label}: db ${db} ${show(argv.join(' '))}\n a: ${show(ra)}\n b: ${show(rb)}`);
      }
      compared++;
    }
  }
  await a.call('SELECT', '0');
  await b.call('SELECT', '0');
  return compared;
}

/**
 * Writes a Redoubt keyspace with RdbWriter. `revisit` writes db 0's first key, then the
 * other databases, then comes back to db 0 for the rest (a repeated SELECTDB).
 */
export function writeDump(server: Server, file: string, opts: RdbWriterOptions, revisit = false): void {
  const w = new RdbWriter(opts);
  const chunks: Buffer[] = [w.header({ usedMem: 1234 })];
  const dbs = server.dbs.map((db, i) => ({ db, i })).filter((x) => x.db.size > 0);
  const writeDb = (db: (typeof dbs)[number], skip: number, only: number) => {
    // a revisited database gets a bare SELECTDB
    chunks.push(skip > 0 ? w.selectDb(db.i) : w.selectDb(db.i, db.db.size, db.db.expiresCount));
    let n = 0;
    for (const [k, e] of db.db.entries()) {
      if (n++ < skip) continue;
      if (n > skip + only) break;
      chunks.push(w.entry(k, e, db.db.getExpireExact(k)));
    }
  };
  if (revisit && dbs[0]?.i === 0) {
    writeDb(dbs[0], 0, 1);
    for (const d of dbs.slice(1)) writeDb(d, 0, Infinity);
    writeDb(dbs[0], 1, Infinity);
  } else {
    for (const d of dbs) writeDb(d, 0, Infinity);
  }
  chunks.push(w.footer());
  assert.equal(chunks.reduce((a, b) => a + b.length, 0), w.bytesWritten);
  writeFileSync(file, Buffer.concat(chunks));
}

/** Loads a dump into a Redoubt server's databases with RdbReader; returns the key count. */
export function loadDump(server: Server, file: string): number {
  const r = RdbReader.openFile(file, { limits: loadLimitsFromConfig(server.config) });
  let keys = 0;
  try {
    for (let rec = r.next(); rec !== null; rec = r.next()) {
      if (rec.kind === 'key') {
        server.dbs[rec.db]!.add(rec.key, rec.value, rec.expireAt);
        keys++;
      }
      assert.notEqual(rec.kind, 'empty-key');
    }
  } finally {
    r.close();
  }
  return keys;
}
