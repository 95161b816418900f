/**
 * The write feed's promise, as a property: whatever a random workload does to server A —
 * including everything that depends on time or chance (SPOP, INCRBYFLOAT, relative TTLs
 * while the clock moves, XADD *, consumer groups, blocked clients served later, lazy and
 * active expiry, MULTI/EXEC, database moves) — replaying what A propagated into an empty
 * server B, through B's dispatcher, each command at the time A propagated it, rebuilds
 * exactly A's keyspace: every database, key, type, value, absolute expiry, and for streams
 * every entry, group, pending entry (owner, delivery time and count) and consumer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Server } from '../../src/server/server.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { formatId } from '../../src/types/stream-id.js';
import { Kind } from '../../src/protocol/reply.js';
import { startTestServer } from '../helpers/server.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import type { RunningServer } from '../../src/server/server.js';
import { rmSync } from 'node:fs';
import { RawClient } from '../helpers/raw-client.js';
import { dumpKeyspace, loadFeed, localClient, replayFeed, TimedSink, type TimedCommand } from '../helpers/propagation.js';

const T0 = 1_700_000_000_000;

type Op =
  | { t: 'cmd'; argv: string[] }
  | { t: 'multi'; cmds: string[][] }
  | { t: 'block'; db: number; argv: string[] }
  | { t: 'advance'; ms: number }
  | { t: 'cron' };

const K = {
  str: ['sa', 'sb'],
  hash: ['ha', 'hb'],
  set: ['ta', 'tb'],
  list: ['la', 'lb'],
  zset: ['za', 'zb'],
  stream: ['xa', 'xb'],
  /** HyperLogLogs and bitmaps (strings too) */
  bits: ['pa', 'pb'],
};
const allKeys = Object.values(K).flat();
const key = (ks: string[]): fc.Arbitrary<string> => fc.constantFrom(...ks);
const anyKey = fc.constantFrom(...allKeys);
const val = fc.constantFrom('1', '2', 'x', '3.5', '-7', 'yy');
const small = fc.integer({ min: 1, max: 4 });
const db = fc.integer({ min: 0, max: 2 });
const consumer = fc.constantFrom('c1', 'c2', 'c3');
const ms = fc.integer({ min: 1, max: 3000 });
const cmd = (a: fc.Arbitrary<string[]>): fc.Arbitrary<string[]> => a;

/** `@pxat+N`, `@exat+N`: absolute times resolved when run; `@pending:I`: a pending ID of group g. */
const families: Record<string, fc.Arbitrary<string[]>[]> = {
  str: [
    cmd(fc.tuple(key(K.str), val).map(([k, v]) => ['SET', k, v])),
    cmd(fc.tuple(key(K.str), val, small).map(([k, v, n]) => ['SET', k, v, 'EX', String(n)])),
    cmd(fc.tuple(key(K.str), val, ms).map(([k, v, n]) => ['SET', k, v, 'PX', String(n), 'GET'])),
    cmd(fc.tuple(key(K.str), val, ms).map(([k, v, n]) => ['SET', k, v, 'PXAT', `@pxat+${n}`])),
    cmd(fc.tuple(key(K.str), val, small).map(([k, v, n]) => ['SET', k, v, 'EXAT', `@exat+${n}`, 'NX'])),
    cmd(fc.tuple(key(K.str), val).map(([k, v]) => ['SET', k, v, 'KEEPTTL', 'XX'])),
    cmd(fc.tuple(key(K.str), val, small).map(([k, v, n]) => ['SETEX', k, String(n), v])),
    cmd(fc.tuple(key(K.str), val, ms).map(([k, v, n]) => ['PSETEX', k, String(n), v])),
    cmd(fc.tuple(key(K.str), small).map(([k, n]) => ['GETEX', k, 'EX', String(n)])),
    cmd(fc.tuple(key(K.str), ms).map(([k, n]) => ['GETEX', k, 'PXAT', `@pxat+${n - 500}`])),
    cmd(key(K.str).map((k) => ['GETEX', k, 'PERSIST'])),
    cmd(fc.tuple(key(K.str), fc.constantFrom('1.5', '0.1', '-2.25', '3e2')).map(([k, v]) => ['INCRBYFLOAT', k, v])),
    cmd(key(K.str).map((k) => ['INCR', k])),
    cmd(fc.tuple(key(K.str), val).map(([k, v]) => ['APPEND', k, v])),
    cmd(key(K.str).map((k) => ['GETDEL', k])),
  ],
  expire: [
    cmd(fc.tuple(anyKey, small, fc.constantFrom([], ['NX'], ['XX'], ['GT'], ['LT'])).map(([k, n, f]) => ['EXPIRE', k, String(n), ...f])),
    cmd(fc.tuple(anyKey, ms).map(([k, n]) => ['PEXPIRE', k, String(n)])),
    cmd(fc.tuple(anyKey, fc.integer({ min: -2, max: 4 })).map(([k, n]) => ['EXPIREAT', k, `@exat+${n}`])),
    cmd(fc.tuple(anyKey, fc.integer({ min: -1000, max: 3000 })).map(([k, n]) => ['PEXPIREAT', k, `@pxat+${n}`])),
    cmd(anyKey.map((k) => ['PERSIST', k])),
  ],
  hash: [
    cmd(fc.tuple(key(K.hash), fc.constantFrom('f', 'g'), val).map(([k, f, v]) => ['HSET', k, f, v])),
    cmd(fc.tuple(key(K.hash), fc.constantFrom('f', 'g')).map(([k, f]) => ['HDEL', k, f])),
    cmd(fc.tuple(key(K.hash), fc.constantFrom('f', 'n'), fc.constantFrom('1.5', '0.1', '-3')).map(([k, f, v]) => ['HINCRBYFLOAT', k, f, v])),
  ],
  set: [
    cmd(fc.tuple(key(K.set), fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', '1', '2'), { minLength: 1, maxLength: 5 })).map(([k, ms2]) => ['SADD', k, ...ms2])),
    cmd(key(K.set).map((k) => ['SPOP', k])),
    cmd(fc.tuple(key(K.set), fc.integer({ min: 0, max: 8 })).map(([k, n]) => ['SPOP', k, String(n)])),
    cmd(fc.tuple(key(K.set), key(K.set), fc.constantFrom('a', 'b', '1')).map(([a, b, m]) => ['SMOVE', a, b, m])),
  ],
  list: [
    cmd(fc.tuple(key(K.list), fc.array(val, { minLength: 1, maxLength: 3 })).map(([k, vs]) => ['RPUSH', k, ...vs])),
    cmd(fc.tuple(key(K.list), val).map(([k, v]) => ['LPUSH', k, v])),
    cmd(fc.tuple(key(K.list), small).map(([k, n]) => ['LPOP', k, String(n)])),
    cmd(fc.tuple(key(K.list), key(K.list)).map(([a, b]) => ['LMOVE', a, b, 'LEFT', 'RIGHT'])),
    cmd(fc.tuple(key(K.list), key(K.list), small).map(([a, b, n]) => ['LMPOP', '2', a, b, 'RIGHT', 'COUNT', String(n)])),
  ],
  zset: [
    cmd(fc.tuple(key(K.zset), fc.constantFrom('1', '2.5', '-1'), fc.constantFrom('m', 'n', 'o')).map(([k, s, m]) => ['ZADD', k, s, m])),
    cmd(fc.tuple(key(K.zset), fc.constantFrom('m', 'n')).map(([k, m]) => ['ZINCRBY', k, '0.5', m])),
    cmd(key(K.zset).map((k) => ['ZPOPMIN', k])),
    cmd(fc.tuple(key(K.zset), small).map(([k, n]) => ['ZMPOP', '1', k, 'MAX', 'COUNT', String(n)])),
  ],
  stream: [
    cmd(fc.tuple(key(K.stream), val).map(([k, v]) => ['XADD', k, '*', 'f', v])),
    cmd(fc.tuple(key(K.stream), val, fc.integer({ min: 0, max: 3 })).map(([k, v, n]) => ['XADD', k, 'MAXLEN', '~', String(n), '*', 'f', v])),
    cmd(fc.tuple(key(K.stream), val, fc.integer({ min: 0, max: 3 })).map(([k, v, n]) => ['XADD', k, 'MAXLEN', '=', String(n), '*', 'f', v])),
    cmd(fc.tuple(key(K.stream), fc.integer({ min: 0, max: 3 })).map(([k, n]) => ['XTRIM', k, 'MAXLEN', '~', String(n)])),
    cmd(fc.tuple(key(K.stream), ms).map(([k, n]) => ['XTRIM', k, 'MINID', '~', `@pxat+${n - 2000}`])),
    cmd(key(K.stream).map((k) => ['XGROUP', 'CREATE', k, 'g', '0', 'MKSTREAM'])),
    cmd(key(K.stream).map((k) => ['XGROUP', 'CREATE', k, 'h', '$', 'MKSTREAM'])),
    cmd(fc.tuple(key(K.stream), consumer, small).map(([k, c, n]) => ['XREADGROUP', 'GROUP', 'g', c, 'COUNT', String(n), 'STREAMS', k, '>'])),
    cmd(fc.tuple(key(K.stream), consumer).map(([k, c]) => ['XREADGROUP', 'GROUP', 'h', c, 'NOACK', 'STREAMS', k, '>'])),
    cmd(fc.tuple(key(K.stream), consumer).map(([k, c]) => ['XREADGROUP', 'GROUP', 'g', c, 'STREAMS', k, '0'])),
    cmd(fc.tuple(key(K.stream), consumer, fc.nat(9), fc.constantFrom('0', '500')).map(([k, c, i, idle]) => ['XCLAIM', k, 'g', c, idle, `@pending:${i}`])),
    cmd(fc.tuple(key(K.stream), consumer, fc.nat(9)).map(([k, c, i]) => ['XCLAIM', k, 'g', c, '0', `@pending:${i}`, 'IDLE', '100', 'JUSTID'])),
    cmd(fc.tuple(key(K.stream), consumer, small).map(([k, c, n]) => ['XAUTOCLAIM', k, 'g', c, '0', '0', 'COUNT', String(n)])),
    cmd(fc.tuple(key(K.stream), fc.nat(9)).map(([k, i]) => ['XACK', k, 'g', `@pending:${i}`])),
    cmd(fc.tuple(key(K.stream), fc.nat(9)).map(([k, i]) => ['XDEL', k, `@pending:${i}`])),
    cmd(fc.tuple(key(K.stream), consumer).map(([k, c]) => ['XGROUP', 'DELCONSUMER', k, 'g', c])),
  ],
  others: [
    cmd(fc.tuple(key(K.bits), fc.integer({ min: 0, max: 40 }), fc.constantFrom('0', '1')).map(([k, o, b]) => ['SETBIT', k, String(o), b])),
    cmd(fc.tuple(fc.constantFrom('AND', 'OR', 'XOR'), key(K.bits), key(K.bits)).map(([op, a, b]) => ['BITOP', op, a, a, b])),
    cmd(fc.tuple(key(K.bits), fc.integer({ min: 0, max: 30 })).map(([k, o]) => ['BITFIELD', k, 'INCRBY', 'u8', String(o), '7', 'SET', 'i4', '0', '3'])),
    cmd(fc.tuple(key(K.bits), fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 3 })).map(([k, es]) => ['PFADD', k, ...es])),
    cmd(fc.tuple(key(K.bits), key(K.bits)).map(([a, b]) => ['PFMERGE', a, b])),
    cmd(fc.tuple(key(K.str), val, key(K.str), val).map(([a, x, b, y]) => ['MSET', a, x, b, y])),
    cmd(fc.tuple(key(K.str), val).map(([a, x]) => ['MSETNX', a, x])),
    cmd(fc.tuple(key(K.str), val).map(([a, x]) => ['SETNX', a, x])),
    cmd(fc.tuple(key(K.str), val).map(([a, x]) => ['GETSET', a, x])),
    cmd(fc.tuple(key(K.str), fc.integer({ min: 0, max: 6 }), val).map(([k, o, v]) => ['SETRANGE', k, String(o), v])),
    cmd(fc.tuple(key(K.hash), val).map(([k, v]) => ['HMSET', k, 'f', v, 'h', v])),
    cmd(fc.tuple(key(K.hash), val).map(([k, v]) => ['HSETNX', k, 'g', v])),
    cmd(key(K.hash).map((k) => ['HINCRBY', k, 'n', '3'])),
    cmd(fc.tuple(key(K.set), key(K.set)).map(([a, b]) => ['SINTERSTORE', b, a, b])),
    cmd(fc.tuple(key(K.set), key(K.set)).map(([a, b]) => ['SUNIONSTORE', a, a, b])),
    cmd(fc.tuple(key(K.set), key(K.set)).map(([a, b]) => ['SDIFFSTORE', a, b, a])),
    cmd(fc.tuple(key(K.list), val).map(([k, v]) => ['LPUSHX', k, v])),
    cmd(fc.tuple(key(K.list), val).map(([k, v]) => ['LSET', k, '0', v])),
    cmd(key(K.list).map((k) => ['LTRIM', k, '0', '2'])),
    cmd(fc.tuple(key(K.list), val).map(([k, v]) => ['LREM', k, '0', v])),
    cmd(fc.tuple(key(K.list), val).map(([k, v]) => ['LINSERT', k, 'BEFORE', '1', v])),
    cmd(fc.tuple(key(K.zset), key(K.zset)).map(([a, b]) => ['ZUNIONSTORE', a, '2', a, b, 'WEIGHTS', '1', '0.5'])),
    cmd(fc.tuple(key(K.zset), key(K.zset)).map(([a, b]) => ['ZINTERSTORE', b, '2', a, b, 'AGGREGATE', 'MAX'])),
    cmd(fc.tuple(key(K.zset), key(K.zset)).map(([a, b]) => ['ZRANGESTORE', b, a, '0', '1'])),
    cmd(key(K.zset).map((k) => ['ZREMRANGEBYSCORE', k, '-inf', '1'])),
    cmd(fc.tuple(key(K.stream), fc.nat(9)).map(([k, i]) => ['XSETID', k, `@pending:${i}`])),
    cmd(key(K.stream).map((k) => ['XGROUP', 'DESTROY', k, 'g'])),
    cmd(fc.tuple(key(K.stream), consumer).map(([k, c]) => ['XGROUP', 'CREATECONSUMER', k, 'g', c])),
    cmd(key(K.stream).map((k) => ['XGROUP', 'SETID', k, 'g', '$'])),
    cmd(fc.tuple(anyKey, anyKey, fc.constantFrom('0', '5', '2000')).map(([src, dst, ttl]) => ['RESTORE', dst, ttl, `@dump:${src}`, 'REPLACE'])),
    cmd(fc.tuple(anyKey, anyKey, fc.integer({ min: -100, max: 3000 })).map(([src, dst, n]) => ['RESTORE', dst, `@pxat+${n}`, `@dump:${src}`, 'REPLACE', 'ABSTTL'])),
  ],
  keyspace: [
    cmd(anyKey.map((k) => ['DEL', k])),
    cmd(anyKey.map((k) => ['UNLINK', k])),
    cmd(fc.tuple(fc.constantFrom(...Object.values(K)), fc.boolean()).chain(([ks, nx]) => fc.tuple(key(ks), key(ks)).map(([a, b]) => [nx ? 'RENAMENX' : 'RENAME', a, b]))),
    cmd(fc.tuple(anyKey, db, fc.boolean()).map(([k, d, r]) => ['COPY', k, k, 'DB', String(d), ...(r ? ['REPLACE'] : [])])),
    cmd(fc.tuple(anyKey, db).map(([k, d]) => ['MOVE', k, String(d)])),
    cmd(fc.tuple(db, db).map(([a, b]) => ['SWAPDB', String(a), String(b)])),
    cmd(fc.constant(['FLUSHDB'])),
  ],
};
const writes: fc.Arbitrary<string[]>[] = Object.values(families).flat();

const reads: fc.Arbitrary<string[]>[] = [
  cmd(anyKey.map((k) => ['EXISTS', k])),
  cmd(key(K.str).map((k) => ['GET', k])),
  cmd(anyKey.map((k) => ['TYPE', k])),
  cmd(key(K.set).map((k) => ['SRANDMEMBER', k, '-3'])),
  cmd(key(K.zset).map((k) => ['ZRANDMEMBER', k, '2'])),
  cmd(key(K.hash).map((k) => ['HRANDFIELD', k, '-2'])),
  cmd(key(K.list).map((k) => ['LRANGE', k, '0', '-1'])),
  cmd(key(K.stream).map((k) => ['XRANGE', k, '-', '+'])),
  cmd(key(K.stream).map((k) => ['XREAD', 'COUNT', '2', 'STREAMS', k, '0'])),
  cmd(key(K.stream).map((k) => ['XINFO', 'STREAM', k, 'FULL'])),
  cmd(key(K.stream).map((k) => ['XPENDING', k, 'g', '-', '+', '10'])),
  cmd(fc.constant(['SCAN', '0', 'COUNT', '100'])),
  cmd(fc.constant(['RANDOMKEY'])),
  cmd(fc.constant(['KEYS', '*'])),
  cmd(fc.constant(['DBSIZE'])),
  cmd(anyKey.map((k) => ['PTTL', k])),
];

const blocking: fc.Arbitrary<string[]>[] = [
  cmd(fc.tuple(key(K.list), key(K.list)).map(([a, b]) => ['BLPOP', a, b, '0'])),
  cmd(key(K.list).map((k) => ['BRPOP', k, '0'])),
  cmd(fc.tuple(key(K.list), key(K.list)).map(([a, b]) => ['BLMOVE', a, b, 'RIGHT', 'LEFT', '0'])),
  cmd(fc.tuple(key(K.list), key(K.list)).map(([a, b]) => ['BRPOPLPUSH', a, b, '0'])),
  cmd(fc.tuple(key(K.list), key(K.list), small).map(([a, b, n]) => ['BLMPOP', '0', '2', a, b, 'LEFT', 'COUNT', String(n)])),
  cmd(fc.tuple(key(K.zset), key(K.zset)).map(([a, b]) => ['BZPOPMIN', a, b, '0'])),
  cmd(fc.tuple(key(K.zset), small).map(([k, n]) => ['BZMPOP', '0', '1', k, 'MAX', 'COUNT', String(n)])),
  cmd(fc.tuple(key(K.stream), consumer).map(([k, c]) => ['XREADGROUP', 'GROUP', 'g', c, 'BLOCK', '0', 'COUNT', '2', 'STREAMS', k, '>'])),
];

/** inside EXEC blocking commands never wait: they pop at once or answer as on timeout */
const inExecOnly: fc.Arbitrary<string[]>[] = [
  cmd(fc.tuple(key(K.list), key(K.list)).map(([a, b]) => ['BLPOP', a, b, '0'])),
  cmd(fc.tuple(key(K.zset), key(K.zset)).map(([a, b]) => ['BZPOPMAX', a, b, '0'])),
  cmd(fc.tuple(key(K.stream), consumer).map(([k, c]) => ['XREADGROUP', 'GROUP', 'g', c, 'BLOCK', '0', 'STREAMS', k, '>'])),
];
function opArbOf(writeArb: fc.Arbitrary<string[]>): fc.Arbitrary<Op> {
  return fc.oneof(
    { weight: 12, arbitrary: writeArb.map((argv): Op => ({ t: 'cmd', argv })) },
    { weight: 3, arbitrary: fc.oneof(...reads).map((argv): Op => ({ t: 'cmd', argv })) },
    { weight: 1, arbitrary: db.map((d): Op => ({ t: 'cmd', argv: ['SELECT', String(d)] })) },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.oneof({ weight: 6, arbitrary: writeArb }, { weight: 1, arbitrary: fc.oneof(...inExecOnly) }, { weight: 1, arbitrary: db.map((d) => ['SELECT', String(d)]) }), { minLength: 1, maxLength: 4 })
        .map((cmds): Op => ({ t: 'multi', cmds })),
    },
    { weight: 2, arbitrary: fc.tuple(db, fc.oneof(...blocking)).map(([d, argv]): Op => ({ t: 'block', db: d, argv })) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 2500 }).map((n): Op => ({ t: 'advance', ms: n })) },
    { weight: 1, arbitrary: fc.constant<Op>({ t: 'cron' }) },
  );
}

/**
 * A run's workload: the commands of one to three families, so that commands meet on the
 * same keys often enough (a SPOP on a set some SADD filled, an XCLAIM on a PEL some
 * XREADGROUP filled); now and then the whole mix.
 */
const workloadArb: fc.Arbitrary<Op[]> = fc
  .oneof(
    { weight: 4, arbitrary: fc.subarray(Object.keys(families), { minLength: 1, maxLength: 3 }).map((fs) => fs.flatMap((f) => families[f]!)) },
    { weight: 1, arbitrary: fc.constant(writes) },
  )
  .chain((ws) => fc.array(opArbOf(fc.oneof(...ws)), { minLength: 5, maxLength: 45, size: 'max' }));

/** Commands or forms whose effect would depend on when or by whom they are replayed. */
function nondeterministic(argv: readonly string[]): boolean {
  const name = argv[0]!.toUpperCase();
  const opts = argv.slice(1).map((a) => a.toUpperCase());
  switch (name) {
    case 'SPOP':
    case 'SRANDMEMBER':
    case 'INCRBYFLOAT':
    case 'HINCRBYFLOAT':
    case 'EXPIRE':
    case 'PEXPIRE':
    case 'EXPIREAT':
    case 'SETEX':
    case 'PSETEX':
    case 'BLPOP':
    case 'BRPOP':
    case 'BLMOVE':
    case 'BRPOPLPUSH':
    case 'BLMPOP':
    case 'BZPOPMIN':
    case 'BZPOPMAX':
    case 'BZMPOP':
    case 'LMPOP':
    case 'ZMPOP':
    case 'XREADGROUP':
    case 'XAUTOCLAIM':
      return true;
    case 'SET':
      return opts.some((o) => o === 'EX' || o === 'PX' || o === 'EXAT');
    case 'GETEX':
      return opts.some((o) => o === 'EX' || o === 'PX' || o === 'EXAT');
    case 'XADD':
      return opts.includes('~') || argv.some((a, i) => i > 1 && (a === '*' || a.endsWith('-*')));
    case 'XTRIM':
      return opts.includes('~');
    case 'XCLAIM':
      return argv[4] !== '0' || !opts.includes('TIME') || !opts.includes('RETRYCOUNT') || opts.includes('IDLE');
    default:
      return false;
  }
}

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

/** Runs `ops` against a fresh server A; returns A's dump and B's after replaying A's feed. */
/**
 * Runs `ops` against the running server A (a main client, plus one client per blocking
 * command), then answers once A has processed everything. Blocked clients are closed.
 */
async function driveWorkload(running: RunningServer, clockA: ManualClock, ops: Op[]): Promise<void> {
  const A = running.server;
  const main = await RawClient.connect(running.port);
  const blockers: RawClient[] = [];
  try {
    const idReply = await main.call('CLIENT', 'ID');
    const mainId = Number(/:(\d+)/.exec(idReply)![1]);
    const mainDb = (): number => A.clientById(mainId)!.client.dbIndex;
    const resolve = (argv: string[]): string[] => {
      const now = clockA.now();
      return argv.map((a) => {
        if (a.startsWith('@pxat+')) return String(now + Number(a.slice(6)));
        if (a.startsWith('@exat+')) return String(Math.floor(now / 1000) + Number(a.slice(6)));
        if (a.startsWith('@dump:')) {
          const local = localClient(A);
          local.call('SELECT', String(mainDb()));
          const r = local.call('DUMP', a.slice(6));
          return r !== null && r.k === Kind.Bulk ? r.s : 'not a payload';
        }
        if (a.startsWith('@pending:')) {
          const e = A.dbs[mainDb()]!.peek(argv[1]!);
          const g = e !== undefined && e.v.type === 'stream' ? e.v.value.group('g') : undefined;
          if (g === undefined || g.pel.size === 0) return '0-1';
          return formatId(g.pel.at(Number(a.slice(9)) % g.pel.size).id);
        }
        return a;
      });
    };
    for (const op of ops) {
      if (op.t === 'cmd') await main.call(...resolve(op.argv));
      else if (op.t === 'multi') {
        await main.call('MULTI');
        for (const c of op.cmds) await main.call(...resolve(c));
        await main.call('EXEC');
      } else if (op.t === 'advance') clockA.advance(op.ms);
      else if (op.t === 'cron') A.cron.tick();
      else {
        const b = await RawClient.connect(running.port);
        blockers.push(b);
        await b.call('SELECT', String(op.db));
        const before = A.blocking.size;
        b.write(RawClient.encode(op.argv));
        // served at once (a reply) or waiting: either way A has processed it
        assert.ok(await waitFor(() => A.blocking.size > before || b.received.length > 0), `no progress on ${op.argv.join(' ')}`);
      }
    }
    // every command A executed has been answered, so its feed is complete
    await main.call('PING');
  } finally {
    for (const b of blockers) b.close();
    main.close();
  }
}

/** Runs `ops` against a fresh server A; returns A's dump and those rebuilt from its feed. */
async function runAndReplay(ops: Op[]): Promise<{ a: string; b: string; loaded: string; problems: string[]; loadProblems: string[]; feedLength: number; feed: TimedCommand[] }> {
  const clockA = new ManualClock(T0);
  const running = await startTestServer({ clock: clockA });
  const A = running.server;
  const sink = new TimedSink(A);
  A.propagator.sink = sink;
  try {
    await driveWorkload(running, clockA, ops);
    A.propagator.sink = null;
    A.updateTime();
    const a = dumpKeyspace(A);
    // replayed at the times A propagated each command
    const clockB = new ManualClock(T0);
    const B = new Server({ clock: clockB });
    const problems = replayFeed(B, clockB, sink.commands);
    clockB.set(clockA.now());
    B.updateTime();
    const b = dumpKeyspace(B);
    // the AOF's way: everything loaded at once, later, with expiry suspended meanwhile
    const clockC = new ManualClock(T0);
    const C = new Server({ clock: clockC });
    const loadProblems = loadFeed(C, clockC, clockA.now(), sink.commands);
    C.updateTime();
    const loaded = dumpKeyspace(C);
    return { a, b, loaded, problems, loadProblems, feedLength: sink.commands.length, feed: sink.commands };
  } finally {
    await running.close();
  }
}

test('propagation replay: a random workload replayed from its feed rebuilds the same keyspace, at the recorded times and loaded at the end', async () => {
  let nonEmpty = 0;
  await fc.assert(
    fc.asyncProperty(workloadArb, async (ops) => {
      const { a, b, loaded, problems, loadProblems, feed } = await runAndReplay(ops);
      assert.deepEqual(problems, [], 'every propagated command replays without error');
      assert.deepEqual(loadProblems, [], 'every propagated command loads without error');
      // replayed at the recorded times, a relative time would still land right: the feed
      // must not contain any (nor anything random)
      assert.deepEqual(feed.filter((c) => nondeterministic(c.argv)), []);
      assert.equal(b, a);
      assert.equal(loaded, a, 'loaded at the end, as start-up loading does');
      if (a.length > 0) nonEmpty++;
    }),
    { numRuns: 300 },
  );
  // the workload is not vacuous: most runs end with data to compare
  assert.ok(nonEmpty >= 200, `only ${nonEmpty} runs ended with keys`);
});

test('propagation replay: blocked clients served by later pushes, across databases', async () => {
  const ops: Op[] = [
    { t: 'block', db: 1, argv: ['BLMOVE', 'la', 'lb', 'RIGHT', 'LEFT', '0'] },
    { t: 'block', db: 1, argv: ['BLMPOP', '0', '2', 'xx', 'lb', 'LEFT', 'COUNT', '3'] },
    { t: 'block', db: 0, argv: ['BZMPOP', '0', '1', 'za', 'MAX', 'COUNT', '2'] },
    { t: 'cmd', argv: ['XGROUP', 'CREATE', 'xa', 'g', '$', 'MKSTREAM'] },
    { t: 'block', db: 0, argv: ['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 'xa', '>'] },
    { t: 'advance', ms: 100 },
    { t: 'cmd', argv: ['SELECT', '1'] },
    { t: 'cmd', argv: ['RPUSH', 'la', 'a', 'b', 'c'] },
    { t: 'cmd', argv: ['SELECT', '0'] },
    { t: 'cmd', argv: ['ZADD', 'za', '1', 'm', '2', 'n', '3', 'o'] },
    { t: 'advance', ms: 100 },
    { t: 'cmd', argv: ['XADD', 'xa', '*', 'f', 'v'] },
  ];
  const { a, b, loaded, problems, loadProblems, feedLength } = await runAndReplay(ops);
  assert.deepEqual(problems, []);
  assert.deepEqual(loadProblems, []);
  assert.equal(b, a);
  assert.equal(loaded, a);
  assert.match(a, /db1 "la" "list" expire=-1 \["a","b"\]/);
  assert.match(a, /db0 "za" "zset" expire=-1 \["m",1\]/);
  assert.match(a, /"pending",\[\["\d+-0","c1"/);
  assert.ok(feedLength >= 8);
});

test('propagation replay: a read-only workload propagates nothing', async () => {
  const clock = new ManualClock(T0);
  const server = new Server({ clock });
  const c = localClient(server);
  server.updateTime();
  for (const argv of [
    ['SET', 'sa', '1'],
    ['HSET', 'ha', 'f', '1', 'g', '2'],
    ['SADD', 'ta', 'a', 'b', 'c'],
    ['RPUSH', 'la', 'a', 'b'],
    ['ZADD', 'za', '1', 'm', '2', 'n'],
    ['XADD', 'xa', '1-1', 'f', 'v'],
    ['XGROUP', 'CREATE', 'xa', 'g', '0'],
    ['SET', 'sb', 'x', 'EX', '1000'],
  ]) {
    c.call(...argv);
  }
  const sink = new TimedSink(server);
  server.propagator.sink = sink;
  const dirty = server.stats.dirty;
  fc.assert(
    fc.property(fc.array(fc.oneof(...reads), { minLength: 1, maxLength: 30 }), (cmds) => {
      for (const argv of cmds) c.call(...argv);
      assert.deepEqual(sink.commands, []);
    }),
    { numRuns: 100 },
  );
  assert.equal(server.stats.dirty, dirty);
});

const withRewrite: fc.Arbitrary<Op[]> = fc.tuple(workloadArb, fc.nat(45)).map(([ops, at]) => {
  const out = ops.slice();
  out.splice(at % (out.length + 1), 0, { t: 'cmd', argv: ['BGREWRITEAOF'] });
  return out;
});

test('propagation replay: through the real AOF (appendonly yes), a restarted server loads the same keyspace', async () => {
  let nonEmpty = 0;
  await fc.assert(
    // a BGREWRITEAOF somewhere in the workload: the feed keeps going to the new incr file
    fc.asyncProperty(withRewrite, async (ops) => {
      const dir = scratchDir();
      try {
        const clock = new ManualClock(T0);
        const config: [string, string][] = [['dir', dir], ['save', ''], ['appendonly', 'yes'], ['appendfsync', 'always']];
        const first = await startTestServer({ clock, config });
        let a: string;
        try {
          await driveWorkload(first, clock, ops);
          first.server.updateTime();
          a = dumpKeyspace(first.server);
        } finally {
          await first.close();
        }
        // the same moment, a new process: start-up loading replays the AOF
        const second = await startTestServer({ clock, config });
        try {
          second.server.updateTime();
          assert.equal(dumpKeyspace(second.server), a);
          if (a.length > 0) nonEmpty++;
        } finally {
          await second.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 40 },
  );
  assert.ok(nonEmpty >= 20, `only ${nonEmpty} runs ended with keys`);
});
