/**
 * Differential test for the hash commands: the same command sequences go to a real
 * redis-server (Debian 7.0.15, the local oracle for 7.2 behaviour) and to Redoubt, and
 * replies are compared byte for byte.
 *
 * Random and unordered replies are compared for what is deterministic about them:
 * - HGETALL/HKEYS/HVALS: exactly while the oracle's hash is listpack-encoded (insertion
 *   order), as sorted multisets (of field/value pairs) once it is a hashtable;
 * - HSCAN: exactly for listpack hashes (one reply, cursor 0); for hashtables the whole
 *   iteration is run on both servers and the sets of pairs compared;
 * - HRANDFIELD: the reply's shape (type, length, distinctness) and, when the count covers
 *   the whole hash, its content as a set; every returned field must be in the hash.
 * Phases run with tiny hash-max-listpack-* limits too, so conversions happen often.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { bind, type Seq, parse, type Node, show, prng } from '../helpers/diff-support.js';

const BIN = '\x00\x80\xff\r\n\x01';
const LLMAX = '9223372036854775807';
const LLMIN = '-9223372036854775808';
const LONG = 'x'.repeat(65);

const CASES: Seq[] = [
  // HSET / HGET / HMSET / HSETNX basics, binary data, insertion order
  [['HSET', 'K:h', 'a', '1'], ['HSET', 'K:h', 'b', '2', 'c', '3'], ['HSET', 'K:h', 'a', '9', 'd', '4'], ['HGETALL', 'K:h'], ['HKEYS', 'K:h'], ['HVALS', 'K:h'], ['HLEN', 'K:h'], ['OBJECT', 'ENCODING', 'K:h'], ['TYPE', 'K:h']],
  [['HSET', 'K:h', BIN, BIN], ['HGET', 'K:h', BIN], ['HSTRLEN', 'K:h', BIN], ['HEXISTS', 'K:h', BIN], ['HSET', 'K:h', '', ''], ['HGET', 'K:h', ''], ['HGETALL', 'K:h'], ['HSTRLEN', 'K:h', 'nope'], ['HSTRLEN', 'K:nokey', 'x']],
  [['HSET', 'K:h', 'a'], ['HSET', 'K:h', 'a', '1', 'b'], ['HMSET', 'K:h', 'a', '1', 'b'], ['HSET', 'K:h'], ['EXISTS', 'K:h'], ['HMSET', 'K:h', 'a', '1', 'b', '2'], ['HGETALL', 'K:h'], ['HSET', 'K:h', 'a', '1', 'a', '2', 'a', '3'], ['HGET', 'K:h', 'a']],
  [['HSETNX', 'K:h', 'a', '1'], ['HSETNX', 'K:h', 'a', '2'], ['HGET', 'K:h', 'a'], ['HSETNX', 'K:h', 'b', LONG], ['OBJECT', 'ENCODING', 'K:h'], ['HSETNX', 'K:h', 'b', 'x'], ['HGETALL', 'K:h']],
  [['HMGET', 'K:h', 'a', 'b'], ['HSET', 'K:h', 'a', '1'], ['HMGET', 'K:h', 'a', 'b', 'a'], ['HGET', 'K:h', 'b'], ['HGET', 'K:nokey', 'b'], ['HGETALL', 'K:nokey'], ['HKEYS', 'K:nokey'], ['HVALS', 'K:nokey'], ['HLEN', 'K:nokey'], ['HEXISTS', 'K:nokey', 'a']],
  // HDEL, deletion of the emptied key
  [['HSET', 'K:h', 'a', '1', 'b', '2', 'c', '3'], ['HDEL', 'K:h', 'b', 'x', 'b'], ['HGETALL', 'K:h'], ['HDEL', 'K:h', 'a', 'c', 'a'], ['EXISTS', 'K:h'], ['HDEL', 'K:h', 'a'], ['HDEL', 'K:nokey', 'a']],
  [['HSET', 'K:h', 'a', '1', 'b', '2', 'c', '3'], ['HDEL', 'K:h', 'a'], ['HSET', 'K:h', 'a', '5'], ['HGETALL', 'K:h'], ['HSET', 'K:h', 'b', '7'], ['HKEYS', 'K:h']],
  // WRONGTYPE both ways
  [['SET', 'K:s', 'v'], ['HSET', 'K:s', 'a', '1'], ['HSETNX', 'K:s', 'a', '1'], ['HGET', 'K:s', 'a'], ['HMGET', 'K:s', 'a'], ['HMSET', 'K:s', 'a', '1'], ['HDEL', 'K:s', 'a'], ['HEXISTS', 'K:s', 'a'], ['HLEN', 'K:s'], ['HSTRLEN', 'K:s', 'a'], ['HKEYS', 'K:s'], ['HVALS', 'K:s'], ['HGETALL', 'K:s'], ['HINCRBY', 'K:s', 'a', '1'], ['HINCRBYFLOAT', 'K:s', 'a', '1'], ['HRANDFIELD', 'K:s'], ['HRANDFIELD', 'K:s', '1'], ['HSCAN', 'K:s', '0']],
  [['HSET', 'K:h', 'a', '1'], ['GET', 'K:h'], ['APPEND', 'K:h', 'x'], ['INCR', 'K:h'], ['STRLEN', 'K:h'], ['SETRANGE', 'K:h', '0', 'x'], ['GETRANGE', 'K:h', '0', '1'], ['SET', 'K:h', 'x', 'GET'], ['SET', 'K:h', 'v'], ['GET', 'K:h']],
  [['HSET', 'K:s', 'a', '1'], ['HSET', 'K:s', 'a'], ['HINCRBY', 'K:s', 'a', 'x'], ['SET', 'K:t', 'v'], ['HINCRBY', 'K:t', 'a', 'x'], ['HINCRBYFLOAT', 'K:t', 'a', 'x'], ['HRANDFIELD', 'K:t', 'x'], ['HSCAN', 'K:t', 'x'], ['HSCAN', 'K:t', '0', 'COUNT', '0']],
  // HINCRBY
  [['HINCRBY', 'K:h', 'a', '5'], ['HINCRBY', 'K:h', 'a', '-7'], ['HINCRBY', 'K:h', 'a', 'x'], ['HINCRBY', 'K:h', 'a', '1.5'], ['HINCRBY', 'K:h', 'a', ' 1'], ['HINCRBY', 'K:h', 'a', '9223372036854775808'], ['HGET', 'K:h', 'a']],
  [['HSET', 'K:h', 'a', LLMAX, 'b', LLMIN, 'c', 'x', 'd', '1.5', 'e', '', 'f', '01', 'g', '-0', 'h', ' 1'], ['HINCRBY', 'K:h', 'a', '1'], ['HINCRBY', 'K:h', 'a', '0'], ['HINCRBY', 'K:h', 'a', '-1'], ['HINCRBY', 'K:h', 'b', '-1'], ['HINCRBY', 'K:h', 'b', '1'], ['HINCRBY', 'K:h', 'c', '1'], ['HINCRBY', 'K:h', 'd', '1'], ['HINCRBY', 'K:h', 'e', '1'], ['HINCRBY', 'K:h', 'f', '1'], ['HINCRBY', 'K:h', 'g', '1'], ['HINCRBY', 'K:h', 'h', '1'], ['HGETALL', 'K:h']],
  [['HINCRBY', 'K:h', 'a', LLMIN], ['HINCRBY', 'K:h', 'a', '-1'], ['HINCRBY', 'K:h', 'b', LLMAX], ['HINCRBY', 'K:h', 'b', '1'], ['HGETALL', 'K:h']],
  // HINCRBYFLOAT: long double arithmetic and formatting, errors
  [['HINCRBYFLOAT', 'K:h', 'a', '0.1'], ['HINCRBYFLOAT', 'K:h', 'a', '0.2'], ['HINCRBYFLOAT', 'K:h', 'a', '1e308'], ['HINCRBYFLOAT', 'K:h', 'a', '1e308'], ['HINCRBYFLOAT', 'K:h', 'b', '3.0e3'], ['HINCRBYFLOAT', 'K:h', 'b', '-3000'], ['HINCRBYFLOAT', 'K:h', 'c', '5.0'], ['HGETALL', 'K:h']],
  [['HINCRBYFLOAT', 'K:h', 'a', 'inf'], ['HINCRBYFLOAT', 'K:h', 'a', '-inf'], ['HINCRBYFLOAT', 'K:h', 'a', 'nan'], ['HINCRBYFLOAT', 'K:h', 'a', 'abc'], ['HINCRBYFLOAT', 'K:h', 'a', ''], ['HINCRBYFLOAT', 'K:h', 'a', ' 1'], ['HINCRBYFLOAT', 'K:h', 'a', '1e5000'], ['EXISTS', 'K:h']],
  [['HSET', 'K:h', 'a', 'abc', 'b', '1e4900', 'c', 'inf', 'd', ' 1', 'e', '0x10', 'f', ''], ['HINCRBYFLOAT', 'K:h', 'a', '1'], ['HINCRBYFLOAT', 'K:h', 'b', '1e4900'], ['HINCRBYFLOAT', 'K:h', 'b', '1'], ['HINCRBYFLOAT', 'K:h', 'c', '1'], ['HINCRBYFLOAT', 'K:h', 'd', '1'], ['HINCRBYFLOAT', 'K:h', 'e', '1'], ['HINCRBYFLOAT', 'K:h', 'f', '1'], ['HGETALL', 'K:h']],
  [['HSET', 'K:h', 'a', LLMAX], ['HINCRBYFLOAT', 'K:h', 'a', '1'], ['HINCRBY', 'K:h', 'a', '1'], ['HINCRBYFLOAT', 'K:h', 'x', '1.0'], ['HINCRBY', 'K:h', 'x', '1'], ['HINCRBYFLOAT', 'K:h', 'y', '1.5'], ['HINCRBY', 'K:h', 'y', '1']],
  // HRANDFIELD argument handling (content compared by shape)
  [['HRANDFIELD', 'K:nokey'], ['HRANDFIELD', 'K:nokey', '5'], ['HRANDFIELD', 'K:nokey', '-5', 'WITHVALUES'], ['HRANDFIELD', 'K:nokey', '0'], ['HRANDFIELD', 'K:nokey', 'x'], ['HRANDFIELD', 'K:nokey', '1', 'foo'], ['HRANDFIELD', 'K:nokey', '1', 'WITHVALUES', 'x']],
  [['HSET', 'K:h', 'a', '1', 'b', '2', 'c', '3'], ['HRANDFIELD', 'K:h', '0'], ['HRANDFIELD', 'K:h', '0', 'WITHVALUES'], ['HRANDFIELD', 'K:h', '3'], ['HRANDFIELD', 'K:h', '10', 'WITHVALUES'], ['HRANDFIELD', 'K:h', '2'], ['HRANDFIELD', 'K:h', '-10'], ['HRANDFIELD', 'K:h', '-10', 'withvalues'], ['HRANDFIELD', 'K:h', '1', 'WITHVALUES'], ['HRANDFIELD', 'K:h', '-1']],
  [['HSET', 'K:h', 'a', '1'], ['HRANDFIELD', 'K:h'], ['HRANDFIELD', 'K:h', LLMIN], ['HRANDFIELD', 'K:h', LLMAX, 'WITHVALUES'], ['HRANDFIELD', 'K:h', '-4611686018427387904', 'WITHVALUES'], ['HRANDFIELD', 'K:h', '4611686018427387904', 'WITHVALUES'], ['HRANDFIELD', 'K:h', '4611686018427387903', 'WITHVALUES'], ['HRANDFIELD', 'K:h', LLMAX], ['HRANDFIELD', 'K:h', '1', 'WITHVALUES\x00x'], ['HRANDFIELD', 'K:h', '1.5']],
  // HSCAN argument handling
  [['HSCAN', 'K:nokey', '0'], ['HSCAN', 'K:nokey', 'x'], ['HSCAN', 'K:nokey', '0', 'COUNT', '0'], ['HSCAN', 'K:nokey', '0', 'FOO']],
  [['HSET', 'K:h', 'a1', '1', 'b1', '2', 'a2', '3'], ['HSCAN', 'K:h', '0'], ['HSCAN', 'K:h', '0', 'MATCH', 'a*'], ['HSCAN', 'K:h', '0', 'MATCH', '*', 'COUNT', '1'], ['HSCAN', 'K:h', '123'], ['HSCAN', 'K:h', '-1'], ['HSCAN', 'K:h', ''], ['HSCAN', 'K:h', ' 1'], ['HSCAN', 'K:h', '18446744073709551616'], ['HSCAN', 'K:h', '0', 'COUNT', '0'], ['HSCAN', 'K:h', '0', 'COUNT', 'x'], ['HSCAN', 'K:h', '0', 'COUNT', '-1'], ['HSCAN', 'K:h', '0', 'COUNT'], ['HSCAN', 'K:h', '0', 'TYPE', 'hash'], ['HSCAN', 'K:h', '0', 'MATCH'], ['HSCAN', 'K:h', '0', 'count', '5', 'match', 'b?']],
  // encodings: listpack limits (64 bytes, 512 entries by default) and the one-way switch
  [['HSET', 'K:h', 'a', 'x'.repeat(64)], ['OBJECT', 'ENCODING', 'K:h'], ['HSET', 'K:h', 'b', LONG], ['OBJECT', 'ENCODING', 'K:h'], ['HDEL', 'K:h', 'b'], ['OBJECT', 'ENCODING', 'K:h'], ['HSET', 'K:i', LONG, '1'], ['OBJECT', 'ENCODING', 'K:i'], ['HINCRBY', 'K:j', LONG, '1'], ['OBJECT', 'ENCODING', 'K:j'], ['HINCRBYFLOAT', 'K:k', LONG, '1'], ['OBJECT', 'ENCODING', 'K:k']],
  // COPY and RENAME keep an independent hash
  [['HSET', 'K:h', 'a', '1', 'b', '2'], ['COPY', 'K:h', 'K:c'], ['HSET', 'K:c', 'x', '3'], ['HDEL', 'K:c', 'a'], ['HGETALL', 'K:h'], ['HGETALL', 'K:c'], ['OBJECT', 'ENCODING', 'K:c'], ['RENAME', 'K:h', 'K:r'], ['HGETALL', 'K:r'], ['TYPE', 'K:r'], ['EXISTS', 'K:h']],
  [['HSET', 'K:h', 'a', LONG], ['COPY', 'K:h', 'K:c'], ['OBJECT', 'ENCODING', 'K:c'], ['HSET', 'K:h', 'a', '1', 'EX'], ['EXPIRE', 'K:h', '100'], ['TTL', 'K:h'], ['HSET', 'K:h', 'b', '2'], ['TTL', 'K:h'], ['HDEL', 'K:h', 'a', 'b'], ['TTL', 'K:h'], ['EXISTS', 'K:h']],
  // wrong number of arguments
  [['HSET', 'K:h', 'a'], ['HSETNX', 'K:h', 'a'], ['HGET', 'K:h'], ['HMGET', 'K:h'], ['HDEL', 'K:h'], ['HLEN'], ['HSTRLEN', 'K:h'], ['HKEYS'], ['HGETALL', 'K:h', 'x'], ['HINCRBY', 'K:h', 'a'], ['HINCRBYFLOAT', 'K:h', 'a'], ['HRANDFIELD'], ['HSCAN', 'K:h'], ['HEXISTS', 'K:h']],
];

/** A parsed RESP reply; `raw` is its exact bytes. */

/** Items of a flat field/value list (or a RESP3 map) grouped into sorted "pair" strings. */
function sortedPairs(items: Node[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) out.push(items[i]!.raw + items[i + 1]!.raw);
  return out.sort();
}

function randomSequence(rand: () => number, length: number, bigFields: boolean): Seq {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const key = () => pick(['K:a', 'K:b', 'K:c', 'K:s']);
  const bytes = () => {
    let s = '';
    const n = int(0, 8);
    for (let i = 0; i < n; i++) s += String.fromCharCode(rand() < 0.5 ? int(0, 255) : pick([0, 0x80, 0xff, 13, 10, 48, 49, 97]));
    return s;
  };
  const field = () => (bigFields && rand() < 0.7 ? `f${int(0, 60)}` : pick(['a', 'b', 'c', 'd', 'e', '', BIN, '1', 'ab', 'ba']));
  const intText = () => pick([() => String(int(-1000, 1000)), () => pick([LLMAX, LLMIN, '0', '-1', 'x', '1.5', '01']), () => String(int(-(2 ** 40), 2 ** 40))])();
  const floatText = () =>
    pick([
      () => (rand() * 2000 - 1000).toFixed(int(0, 6)),
      () => `${int(-99, 99)}e${int(-30, 30)}`,
      () => pick(['0.1', '0.2', '-0.3', '1e308', '1e-308', 'inf', 'nan', 'abc', '.5', '5.', '1e4000']),
      () => String(rand() * 10 ** int(-20, 25)),
    ])();
  const value = () => pick([bytes, intText, floatText, () => 'v'.repeat(int(10, 70))])();
  const pairs = () => {
    const out: string[] = [];
    const n = bigFields ? int(1, 12) : int(1, 3);
    for (let i = 0; i < n; i++) out.push(field(), value());
    return out;
  };
  const gens: (() => string[])[] = [
    () => ['HSET', key(), ...pairs()],
    () => ['HSET', key(), ...pairs()],
    () => ['HMSET', key(), ...pairs()],
    () => ['HSETNX', key(), field(), value()],
    () => ['HGET', key(), field()],
    () => ['HMGET', key(), field(), field(), field()],
    () => ['HDEL', key(), field(), ...(rand() < 0.5 ? [field(), field()] : [])],
    () => ['HDEL', key(), field(), field(), field(), field(), field()],
    () => ['HEXISTS', key(), field()],
    () => ['HLEN', key()],
    () => ['HSTRLEN', key(), field()],
    () => ['HKEYS', key()],
    () => ['HVALS', key()],
    () => ['HGETALL', key()],
    () => ['HINCRBY', key(), field(), intText()],
    () => ['HINCRBYFLOAT', key(), field(), floatText()],
    () => ['HRANDFIELD', key()],
    () => ['HRANDFIELD', key(), String(int(-8, 8)), ...(rand() < 0.5 ? ['WITHVALUES'] : [])],
    () => ['HSCAN', key(), '0', ...(rand() < 0.5 ? ['MATCH', pick(['f1*', '*', 'a', '?', '[a-c]*'])] : []), ...(rand() < 0.5 ? ['COUNT', String(int(1, 20))] : [])],
    () => ['OBJECT', 'ENCODING', key()],
    () => ['TYPE', key()],
    () => ['EXISTS', key()],
    () => ['SET', 'K:s', value()],
    () => ['COPY', key(), key(), 'REPLACE'],
    () => ['DEL', key()],
  ];
  const seq: Seq = [];
  for (let i = 0; i < length; i++) seq.push(pick(gens)());
  return seq;
}

test('hash commands answer like redis-server', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    console.warn(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const rc = await RawClient.connect(oracle.port);
  const oc = await RawClient.connect(srv.port);
  let compared = 0;
  let exact = 0;
  let seqNo = 0;

  /** Full HSCAN iteration (same options) as a sorted list of pairs, or the first error. */
  async function scanAll(c: RawClient, argv: string[]): Promise<string> {
    const pairs: string[] = [];
    let cursor = '0';
    for (let rounds = 0; rounds < 100000; rounds++) {
      const r = await c.call(argv[0]!, argv[1]!, cursor, ...argv.slice(3));
      const [n] = parse(r);
      if (n.t !== '*') return r;
      cursor = n.items![0]!.s!;
      pairs.push(...sortedPairs(n.items![1]!.items!));
      if (cursor === '0') break;
    }
    return [...new Set(pairs)].sort().join('|');
  }

  /** Compares one reply; `mine`/`theirs` are raw. Returns a description of the difference or null. */
  async function compare(argv: string[], mine: string, theirs: string): Promise<string | null> {
    compared++;
    const cmd = argv[0]!.toUpperCase();
    if (mine === theirs) {
      exact++;
      return null;
    }
    const [m] = parse(mine);
    const [o] = parse(theirs);
    if (m.t !== o.t || m.t === '-' || (m.items === undefined) !== (o.items === undefined)) return 'differs';
    const unordered = cmd === 'HGETALL' || cmd === 'HKEYS' || cmd === 'HVALS' || cmd === 'HSCAN' || cmd === 'HRANDFIELD';
    if (!unordered) return 'differs';
    const enc = await rc.call('OBJECT', 'ENCODING', argv[1]!);
    const listpack = enc === '$8\r\nlistpack\r\n';
    if (cmd === 'HRANDFIELD') {
      if (argv.length === 2) return m.t === '$' && o.t === '$' ? null : 'differs';
      // shape: same length; distinct for positive counts; whole hash when count >= size
      if (m.items!.length !== o.items!.length) return 'length differs';
      const count = Number(argv[2]);
      const withValues = argv.length === 4;
      const resp3Pairs = m.items!.length > 0 && m.items![0]!.t === '*';
      const fieldsOf = (n: Node) => (resp3Pairs ? n.items!.map((p) => p.items![0]!.raw) : withValues ? n.items!.filter((_, i) => i % 2 === 0).map((x) => x.raw) : n.items!.map((x) => x.raw));
      const mf = fieldsOf(m);
      const of = fieldsOf(o);
      if (count > 0 && new Set(mf).size !== mf.length) return 'repeated fields for a positive count';
      const all = parse(await oc.call('HKEYS', argv[1]!))[0].items!.map((x) => x.raw);
      if (!mf.every((f) => all.includes(f))) return 'field not in the hash';
      if (count >= all.length && [...mf].sort().join() !== [...of].sort().join()) return 'whole-hash content differs';
      return null;
    }
    if (listpack) return 'differs (listpack: order must match)';
    if (cmd === 'HSCAN') {
      const a = await scanAll(oc, argv);
      const b = await scanAll(rc, argv);
      return a === b ? null : `full scan differs\n   redis:   ${show(b)}\n   redoubt: ${show(a)}`;
    }
    const mi = m.items!;
    const oi = o.items!;
    if (cmd === 'HGETALL') return sortedPairs(mi).join() === sortedPairs(oi).join() ? null : 'pairs differ';
    return mi.map((x) => x.raw).sort().join() === oi.map((x) => x.raw).sort().join() ? null : 'elements differ';
  }

  async function run(seq: Seq, label: string): Promise<void> {
    const prefix = `t${process.pid}:${seqNo++}:`;
    const bound = bind(seq, prefix);
    for (let i = 0; i < bound.length; i++) {
      const argv = bound[i]!;
      const mine = await oc.call(...argv);
      const theirs = await rc.call(...argv);
      const diff = await compare(argv, mine, theirs);
      if (diff !== null) {
        const context = seq
          .slice(0, i + 1)
          .map((a) => a.map(show).join(' '))
          .join('\n  ');
        assert.fail(`${label}: reply ${i} ${diff}\n  ${context}\nredis:   ${show(theirs)}\nredoubt: ${show(mine)}`);
      }
    }
  }

  async function configBoth(entries: string, value: string): Promise<void> {
    for (const c of [rc, oc]) {
      assert.equal(await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', entries), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'SET', 'hash-max-listpack-value', value), '+OK\r\n');
    }
  }

  try {
    for (let i = 0; i < CASES.length; i++) await run(CASES[i]!, `case ${i}`);
    // RESP3: HGETALL maps, HRANDFIELD WITHVALUES pairs, nulls
    assert.ok((await oc.call('HELLO', '3')).startsWith('%'));
    await rc.call('HELLO', '3');
    for (let i = 0; i < CASES.length; i++) await run(CASES[i]!, `case ${i} (RESP3)`);
    await oc.call('HELLO', '2');
    await rc.call('HELLO', '2');

    // a big hash: hashtable encoding past 512 entries, order-free comparisons, full HSCANs
    const big: Seq = [];
    for (let i = 0; i < 600; i += 50) big.push(['HSET', 'K:big', ...Array.from({ length: 100 }, (_, j) => (j % 2 === 0 ? `f${i + j / 2}` : `v${i + j}`))]);
    big.push(['OBJECT', 'ENCODING', 'K:big'], ['HLEN', 'K:big'], ['HGETALL', 'K:big'], ['HKEYS', 'K:big'], ['HVALS', 'K:big'], ['HSCAN', 'K:big', '0'], ['HSCAN', 'K:big', '0', 'MATCH', 'f1*', 'COUNT', '7']);
    big.push(['HRANDFIELD', 'K:big', '-20', 'WITHVALUES'], ['HRANDFIELD', 'K:big', '20'], ['HRANDFIELD', 'K:big', '500'], ['HRANDFIELD', 'K:big', '1000', 'WITHVALUES']);
    for (let i = 0; i < 600; i += 3) big.push(['HDEL', 'K:big', `f${i}`]);
    big.push(['OBJECT', 'ENCODING', 'K:big'], ['HLEN', 'K:big'], ['HGETALL', 'K:big'], ['HSCAN', 'K:big', '0', 'COUNT', '3']);
    await run(big, 'big hash');

    const seed = Number(process.env['HASH_DIFF_SEED'] ?? 20261127);
    const rand = prng(seed);
    for (let i = 0; i < 300; i++) await run(randomSequence(rand, 25, false), `random sequence ${i} (seed ${seed})`);
    // small listpack limits: conversions to hashtable happen all the time
    await configBoth('8', '16');
    try {
      for (let i = 0; i < 200; i++) await run(randomSequence(rand, 30, true), `small-limit sequence ${i} (seed ${seed})`);
      await oc.call('HELLO', '3');
      await rc.call('HELLO', '3');
      for (let i = 0; i < 60; i++) await run(randomSequence(rand, 30, true), `small-limit RESP3 sequence ${i} (seed ${seed})`);
    } finally {
      await oc.call('HELLO', '2');
      await rc.call('HELLO', '2');
      await configBoth('512', '64');
    }
    t.diagnostic(`compared ${compared} replies, ${exact} byte for byte`);
    assert.ok(compared > 10000, `too few replies compared: ${compared}`);
  } finally {
    rc.close();
    oc.close();
    await srv.close();
    await oracle.stop();
  }
});
