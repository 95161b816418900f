/**
 * Differential test for the set commands: the same command sequences go to a real
 * redis-server (Debian 7.0.15, the local oracle) and to Redoubt, replies compared byte for
 * byte where Redis's answer is deterministic.
 *
 * 7.0 has no listpack sets (see knownSetDifferences): a small non-integer set is a
 * "hashtable" there and a "listpack" in 7.2/Redoubt. So:
 * - OBJECT ENCODING must match, except oracle "hashtable" where Redoubt says "listpack";
 * - replies whose order comes from an intset (ascending integers, the same in 7.0 and 7.2)
 *   must match exactly; those built from a hashtable on the oracle are compared as sorted
 *   multisets; SSCAN of a hashtable runs to completion on both and compares the members;
 * - random commands (SPOP, SRANDMEMBER) are checked by shape: length, distinctness,
 *   membership, whole-set content when the count covers the set. After an SPOP the two
 *   servers hold different members, so both are reset to the oracle's remaining members.
 * Random sequences come from a seeded generator and from fast-check (shrinking to a
 * minimal failing sequence).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { isAcceptedSetEncodingDifference } from './known-differences.js';
import { bind, type Seq, parse, type Node, show, prng } from '../helpers/diff-support.js';

const BIN = '\x00\x80\xff\r\n\x01';
const LLMAX = '9223372036854775807';
const LLMIN = '-9223372036854775808';
const LONG = 'x'.repeat(65);

const CASES: Seq[] = [
  // intsets: ascending order, conversions, non-canonical integers are strings
  [['SADD', 'K:s', '3', '1', '2', '-5', '10'], ['SMEMBERS', 'K:s'], ['OBJECT', 'ENCODING', 'K:s'], ['SADD', 'K:s', '1', '4'], ['SCARD', 'K:s'], ['SMEMBERS', 'K:s'], ['SISMEMBER', 'K:s', '4'], ['SISMEMBER', 'K:s', '04'], ['SMISMEMBER', 'K:s', '1', '9', '-5', '+1'], ['TYPE', 'K:s']],
  [['SADD', 'K:s', LLMAX, LLMIN, '0', '-1'], ['SMEMBERS', 'K:s'], ['OBJECT', 'ENCODING', 'K:s'], ['SADD', 'K:s', '9223372036854775808'], ['OBJECT', 'ENCODING', 'K:s'], ['SISMEMBER', 'K:s', LLMAX], ['SREM', 'K:s', LLMIN, 'x'], ['SCARD', 'K:s']],
  [['SADD', 'K:s', '01', '-0', '+1', ' 1', '1.0'], ['OBJECT', 'ENCODING', 'K:s'], ['SCARD', 'K:s'], ['SISMEMBER', 'K:s', '1'], ['SISMEMBER', 'K:s', '01']],
  [['SADD', 'K:s', '1', '2'], ['SADD', 'K:s', 'a'], ['OBJECT', 'ENCODING', 'K:s'], ['SREM', 'K:s', 'a'], ['OBJECT', 'ENCODING', 'K:s'], ['SMEMBERS', 'K:s']],
  // binary members, empty member
  [['SADD', 'K:s', BIN, '', 'a'], ['SISMEMBER', 'K:s', BIN], ['SISMEMBER', 'K:s', ''], ['SMISMEMBER', 'K:s', '', 'b', BIN], ['SREM', 'K:s', '', BIN, 'zz'], ['SMEMBERS', 'K:s']],
  // SREM / deletion of emptied keys
  [['SADD', 'K:s', 'a', 'b', 'c'], ['SREM', 'K:s', 'b', 'x', 'b'], ['SREM', 'K:s', 'a', 'c', 'a'], ['EXISTS', 'K:s'], ['SREM', 'K:s', 'a'], ['SREM', 'K:nokey', 'a'], ['SCARD', 'K:nokey'], ['SMEMBERS', 'K:nokey'], ['SISMEMBER', 'K:nokey', 'a'], ['SMISMEMBER', 'K:nokey', 'a', 'b']],
  // WRONGTYPE everywhere, and check order between keys
  [['SET', 'K:str', 'v'], ['SADD', 'K:str', 'a'], ['SREM', 'K:str', 'a'], ['SMEMBERS', 'K:str'], ['SISMEMBER', 'K:str', 'a'], ['SMISMEMBER', 'K:str', 'a'], ['SCARD', 'K:str'], ['SPOP', 'K:str'], ['SPOP', 'K:str', '2'], ['SRANDMEMBER', 'K:str'], ['SRANDMEMBER', 'K:str', '2'], ['SSCAN', 'K:str', '0'], ['SINTER', 'K:str'], ['SUNION', 'K:str'], ['SDIFF', 'K:str'], ['SINTERCARD', '1', 'K:str']],
  [['SET', 'K:str', 'v'], ['SADD', 'K:s', 'a'], ['SINTER', 'K:nokey', 'K:str'], ['SINTER', 'K:s', 'K:nokey', 'K:str'], ['SUNION', 'K:s', 'K:str'], ['SDIFF', 'K:nokey', 'K:str'], ['SINTERSTORE', 'K:d', 'K:nokey', 'K:str'], ['SUNIONSTORE', 'K:d', 'K:s', 'K:str'], ['SDIFFSTORE', 'K:d', 'K:s', 'K:str'], ['SINTERCARD', '2', 'K:nokey', 'K:str'], ['EXISTS', 'K:d'], ['SINTERSTORE', 'K:str', 'K:s'], ['TYPE', 'K:str']],
  [['SET', 'K:str', 'v'], ['SADD', 'K:s', 'a'], ['SMOVE', 'K:nokey', 'K:str', 'a'], ['SMOVE', 'K:str', 'K:s', 'a'], ['SMOVE', 'K:s', 'K:str', 'a'], ['SMOVE', 'K:s', 'K:str', 'zz'], ['SMEMBERS', 'K:s']],
  // SMOVE
  [['SADD', 'K:a', '1', '2', 'x'], ['SADD', 'K:b', '5'], ['SMOVE', 'K:a', 'K:b', '1'], ['SMOVE', 'K:a', 'K:b', 'nope'], ['SMOVE', 'K:a', 'K:b', 'x'], ['OBJECT', 'ENCODING', 'K:b'], ['SMOVE', 'K:a', 'K:a', '2'], ['SMOVE', 'K:a', 'K:a', '9'], ['SMOVE', 'K:a', 'K:c', '2'], ['EXISTS', 'K:a'], ['SMEMBERS', 'K:c'], ['OBJECT', 'ENCODING', 'K:c'], ['SMOVE', 'K:b', 'K:c', '5'], ['SMEMBERS', 'K:c'], ['SMOVE', 'K:b', 'K:d', 'x'], ['OBJECT', 'ENCODING', 'K:d']],
  [['SADD', 'K:a', 'm'], ['SADD', 'K:b', 'm'], ['SMOVE', 'K:a', 'K:b', 'm'], ['EXISTS', 'K:a'], ['SCARD', 'K:b']],
  // SPOP / SRANDMEMBER argument handling (content checked by shape)
  [['SPOP', 'K:nokey'], ['SPOP', 'K:nokey', '0'], ['SPOP', 'K:nokey', '3'], ['SPOP', 'K:nokey', '-1'], ['SPOP', 'K:nokey', 'x'], ['SPOP', 'K:nokey', '1', '2'], ['SRANDMEMBER', 'K:nokey'], ['SRANDMEMBER', 'K:nokey', '3'], ['SRANDMEMBER', 'K:nokey', '-3'], ['SRANDMEMBER', 'K:nokey', 'x'], ['SRANDMEMBER', 'K:nokey', '1', '2'], ['SRANDMEMBER', 'K:nokey', LLMIN]],
  [['SADD', 'K:s', 'a'], ['SPOP', 'K:s', '-1'], ['SPOP', 'K:s', 'x'], ['SPOP', 'K:s', '1.5'], ['SPOP', 'K:s', '0'], ['SPOP', 'K:s', '1', '2'], ['SRANDMEMBER', 'K:s', '1', '2'], ['SRANDMEMBER', 'K:s', LLMIN], ['SRANDMEMBER', 'K:s', '1.5'], ['SRANDMEMBER', 'K:s', '0'], ['SRANDMEMBER', 'K:s', LLMAX], ['SRANDMEMBER', 'K:s', '-3000'], ['SCARD', 'K:s']],
  [['SADD', 'K:s', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], ['SPOP', 'K:s', '20'], ['EXISTS', 'K:s'], ['SADD', 'K:s', 'a', 'b', 'c'], ['SPOP', 'K:s', '3'], ['EXISTS', 'K:s'], ['SADD', 'K:s', 'a'], ['SPOP', 'K:s'], ['EXISTS', 'K:s'], ['SPOP', 'K:s']],
  [['SADD', 'K:s', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], ['SRANDMEMBER', 'K:s', '10'], ['SRANDMEMBER', 'K:s', '100'], ['SRANDMEMBER', 'K:s', '-20'], ['SRANDMEMBER', 'K:s', '5'], ['SRANDMEMBER', 'K:s', '1'], ['SRANDMEMBER', 'K:s', '-1'], ['SPOP', 'K:s', '4'], ['SCARD', 'K:s'], ['SPOP', 'K:s', '5'], ['SCARD', 'K:s'], ['OBJECT', 'ENCODING', 'K:s']],
  // SINTER / SINTERCARD / SINTERSTORE
  [['SADD', 'K:a', '1', '2', '3', '4', '5'], ['SADD', 'K:b', '2', '3', '4', 'x'], ['SADD', 'K:c', '3', '4', '5'], ['SINTER', 'K:a', 'K:b'], ['SINTER', 'K:a', 'K:c'], ['SINTER', 'K:a', 'K:b', 'K:c'], ['SINTER', 'K:a', 'K:a'], ['SINTER', 'K:a', 'K:nokey'], ['SINTERCARD', '3', 'K:a', 'K:b', 'K:c'], ['SINTERCARD', '2', 'K:a', 'K:c', 'LIMIT', '2'], ['SINTERCARD', '2', 'K:a', 'K:c', 'LIMIT', '0'], ['SINTERCARD', '2', 'K:a', 'K:c', 'limit', '1', 'LIMIT', '5'], ['SINTERSTORE', 'K:d', 'K:a', 'K:b'], ['SMEMBERS', 'K:d'], ['OBJECT', 'ENCODING', 'K:d'], ['SINTERSTORE', 'K:d', 'K:b', 'K:b'], ['OBJECT', 'ENCODING', 'K:d'], ['SINTERSTORE', 'K:d', 'K:a', 'K:nokey'], ['EXISTS', 'K:d']],
  [['SINTERCARD', '0', 'K:a'], ['SINTERCARD', '-1', 'K:a'], ['SINTERCARD', 'x', 'K:a'], ['SINTERCARD', '3', 'K:a'], ['SINTERCARD', '1', 'K:a', 'LIMIT'], ['SINTERCARD', '1', 'K:a', 'LIMIT', '-1'], ['SINTERCARD', '1', 'K:a', 'LIMIT', 'x'], ['SINTERCARD', '1', 'K:a', 'FOO', '1'], ['SINTERCARD', '1', 'K:a', 'K:b'], ['SINTERCARD', LLMAX, 'K:a'], ['SINTERCARD', '1', 'K:a', 'LIMIT', LLMAX], ['SINTERCARD', '2', 'K:a', 'LIMIT', '1']],
  // SUNION / SDIFF / stores
  [['SADD', 'K:a', '5', '1', '3'], ['SADD', 'K:b', '2', '3', '9'], ['SADD', 'K:c', 'z', '1'], ['SUNION', 'K:a', 'K:b'], ['SUNION', 'K:a', 'K:nokey', 'K:b'], ['SDIFF', 'K:a', 'K:b'], ['SDIFF', 'K:a', 'K:a'], ['SDIFF', 'K:nokey', 'K:a'], ['SDIFF', 'K:a', 'K:nokey'], ['SDIFF', 'K:a', 'K:b', 'K:c'], ['SUNIONSTORE', 'K:d', 'K:a', 'K:b'], ['SMEMBERS', 'K:d'], ['OBJECT', 'ENCODING', 'K:d'], ['SUNIONSTORE', 'K:d', 'K:a', 'K:c'], ['OBJECT', 'ENCODING', 'K:d'], ['SCARD', 'K:d'], ['SDIFFSTORE', 'K:d', 'K:a', 'K:a'], ['EXISTS', 'K:d'], ['SDIFFSTORE', 'K:d', 'K:a', 'K:b'], ['SMEMBERS', 'K:d'], ['SUNIONSTORE', 'K:d', 'K:nokey'], ['EXISTS', 'K:d']],
  [['SET', 'K:d', 'v'], ['EXPIRE', 'K:d', '100'], ['SADD', 'K:a', '1'], ['SUNIONSTORE', 'K:d', 'K:a'], ['TTL', 'K:d'], ['TYPE', 'K:d'], ['SET', 'K:e', 'v'], ['SDIFFSTORE', 'K:e', 'K:nokey'], ['EXISTS', 'K:e'], ['SADD', 'K:a', '2'], ['SUNIONSTORE', 'K:a', 'K:a', 'K:nokey'], ['SMEMBERS', 'K:a']],
  // SSCAN
  [['SSCAN', 'K:nokey', '0'], ['SSCAN', 'K:nokey', 'x'], ['SSCAN', 'K:nokey', '0', 'COUNT', '0'], ['SADD', 'K:s', '1', '2', '11', '21'], ['SSCAN', 'K:s', '0'], ['SSCAN', 'K:s', '0', 'MATCH', '1*'], ['SSCAN', 'K:s', '7'], ['SSCAN', 'K:s', '0', 'COUNT', '1'], ['SSCAN', 'K:s', '0', 'COUNT', '0'], ['SSCAN', 'K:s', '0', 'COUNT', 'x'], ['SSCAN', 'K:s', '0', 'COUNT'], ['SSCAN', 'K:s', '0', 'TYPE', 'set'], ['SSCAN', 'K:s', '0', 'MATCH'], ['SSCAN', 'K:s', '-1'], ['SSCAN', 'K:s', '18446744073709551616'], ['SADD', 'K:t', 'a1', 'b1', 'a2'], ['SSCAN', 'K:t', '0', 'MATCH', 'a*', 'COUNT', '100']],
  // encodings: the intset limit (512 by default), long members
  [['SADD', 'K:s', ...Array.from({ length: 511 }, (_, i) => String(i * 7 - 100))], ['SADD', 'K:s', '-1000'], ['OBJECT', 'ENCODING', 'K:s'], ['SADD', 'K:s', '99999'], ['OBJECT', 'ENCODING', 'K:s'], ['SRANDMEMBER', 'K:s', '3'], ['SINTERSTORE', 'K:d', 'K:s'], ['OBJECT', 'ENCODING', 'K:d'], ['SCARD', 'K:d']],
  [['SADD', 'K:s', 'a', LONG], ['OBJECT', 'ENCODING', 'K:s'], ['SADD', 'K:t', '1', LONG], ['OBJECT', 'ENCODING', 'K:t'], ['SADD', 'K:u', 'x'.repeat(64)], ['OBJECT', 'ENCODING', 'K:u']],
  // COPY / RENAME keep an independent set
  [['SADD', 'K:s', 'a', 'b', '1'], ['COPY', 'K:s', 'K:c'], ['SADD', 'K:c', 'z'], ['SREM', 'K:c', 'a'], ['SMEMBERS', 'K:s'], ['SCARD', 'K:c'], ['OBJECT', 'ENCODING', 'K:c'], ['RENAME', 'K:s', 'K:r'], ['TYPE', 'K:r'], ['SCARD', 'K:r'], ['SADD', 'K:i', '3', '1'], ['COPY', 'K:i', 'K:j'], ['SMEMBERS', 'K:j'], ['OBJECT', 'ENCODING', 'K:j']],
  // wrong number of arguments
  [['SADD', 'K:s'], ['SREM', 'K:s'], ['SMEMBERS'], ['SISMEMBER', 'K:s'], ['SMISMEMBER', 'K:s'], ['SCARD'], ['SPOP'], ['SRANDMEMBER'], ['SMOVE', 'K:a', 'K:b'], ['SINTER'], ['SINTERCARD', '1'], ['SUNION'], ['SDIFF'], ['SINTERSTORE', 'K:d'], ['SUNIONSTORE', 'K:d'], ['SDIFFSTORE', 'K:d'], ['SSCAN', 'K:s']],
];

/** A parsed RESP reply; `raw` is its exact bytes. */

const MEMBER_POOL = ['a', 'b', 'c', 'd', '', BIN, 'ab', '01', '-0', '+1', '1.5', LLMAX, LLMIN, '9223372036854775808', 'v'.repeat(63), LONG];
const KEYS = ['K:a', 'K:b', 'K:c', 'K:s'];

/** Commands with a member list, from a source of choices (seeded PRNG or fast-check values). */
function buildCommand(pick: <T>(xs: readonly T[]) => T, int: (lo: number, hi: number) => number, bigSets: boolean, intHeavy = false): string[] {
  const key = () => pick(KEYS);
  const member = () => {
    const r = int(0, 9);
    if (bigSets && r < 6) return String(int(-40, 300));
    if (r < (intHeavy ? 9 : 5)) return String(int(-10, 30));
    return pick(MEMBER_POOL);
  };
  const members = (lo: number, hi: number) => Array.from({ length: int(lo, hi) }, member);
  const keyList = () => Array.from({ length: int(1, 3) }, key);
  const gens: (() => string[])[] = [
    () => ['SADD', key(), ...members(1, bigSets ? 40 : 6)],
    () => ['SADD', key(), ...members(1, bigSets ? 40 : 6)],
    () => ['SREM', key(), ...members(1, bigSets ? 30 : 4)],
    () => ['SISMEMBER', key(), member()],
    () => ['SMISMEMBER', key(), ...members(1, 4)],
    () => ['SCARD', key()],
    () => ['SMEMBERS', key()],
    () => ['SMOVE', key(), key(), member()],
    () => ['SINTER', ...keyList()],
    () => ['SUNION', ...keyList()],
    () => ['SDIFF', ...keyList()],
    () => {
      const ks = keyList();
      return ['SINTERCARD', String(ks.length), ...ks, ...(int(0, 1) === 1 ? ['LIMIT', String(int(0, 5))] : [])];
    },
    () => ['SINTERSTORE', key(), ...keyList()],
    () => ['SUNIONSTORE', key(), ...keyList()],
    () => ['SDIFFSTORE', key(), ...keyList()],
    () => ['SPOP', key()],
    () => ['SPOP', key(), String(int(-1, bigSets ? 300 : 8))],
    () => ['SRANDMEMBER', key()],
    () => ['SRANDMEMBER', key(), String(int(-12, bigSets ? 300 : 12))],
    () => ['SSCAN', key(), '0', ...(int(0, 1) === 1 ? ['MATCH', pick(['1*', '*', 'a', '?', '[a-c]*'])] : []), ...(int(0, 1) === 1 ? ['COUNT', String(int(1, 20))] : [])],
    () => ['OBJECT', 'ENCODING', key()],
    () => ['EXISTS', key()],
    () => ['TYPE', key()],
    () => ['SET', 'K:s', 'str'],
    () => ['DEL', key()],
    () => ['COPY', key(), key(), 'REPLACE'],
  ];
  return pick(gens)();
}

function randomSequence(rand: () => number, length: number, bigSets: boolean, intHeavy = false): Seq {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const seq: Seq = [];
  for (let i = 0; i < length; i++) seq.push(buildCommand(pick, int, bigSets, intHeavy));
  return seq;
}

/** fast-check: a command is a list of choice numbers interpreted by buildCommand (so it shrinks). */
const commandArb = fc.array(fc.nat({ max: 1 << 20 }), { minLength: 60, maxLength: 60 }).map((choices) => {
  let i = 0;
  const next = () => choices[i++ % choices.length]!;
  const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
  const int = (lo: number, hi: number) => lo + (next() % (hi - lo + 1));
  return buildCommand(pick, int, false);
});

test('set commands answer like redis-server', async (t) => {
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
  let intsetLimit = 512;

  const bulksOf = (n: Node) => (n.items ?? []).map((x) => x.raw);
  const sorted = (xs: string[]) => [...xs].sort().join('|');

  async function encodingOf(c: RawClient, key: string): Promise<string> {
    const [n] = parse(await c.call('OBJECT', 'ENCODING', key));
    return n.s ?? '';
  }

  async function membersOf(c: RawClient, key: string): Promise<string[] | null> {
    const [n] = parse(await c.call('SMEMBERS', key));
    return n.t === '-' ? null : bulksOf(n);
  }

  /** Full SSCAN iteration (same options) as a sorted member list, or the first error. */
  async function scanAll(c: RawClient, argv: string[]): Promise<string> {
    const out: string[] = [];
    let cursor = '0';
    for (let rounds = 0; rounds < 100000; rounds++) {
      const r = await c.call(argv[0]!, argv[1]!, cursor, ...argv.slice(3));
      const [n] = parse(r);
      if (n.t !== '*') return r;
      cursor = n.items![0]!.s!;
      out.push(...bulksOf(n.items![1]!));
      if (cursor === '0') break;
    }
    return [...new Set(out)].sort().join('|');
  }

  /** Keys named by a multi-key command (for the "all intsets" test of exact order). */
  function sourceKeys(argv: string[]): string[] {
    const cmd = argv[0]!.toUpperCase();
    if (cmd === 'SMEMBERS') return [argv[1]!];
    return argv.slice(1);
  }

  /**
   * Compares one reply. `before` holds the oracle's members of the key before a random
   * command ran (for the shape checks). Returns a description of the difference or null.
   */
  async function compare(argv: string[], mine: string, theirs: string, before: string[] | null): Promise<string | null> {
    compared++;
    const cmd = argv[0]!.toUpperCase();
    const [m] = parse(mine);
    const [o] = parse(theirs);
    if (cmd === 'SPOP' || cmd === 'SRANDMEMBER') {
      if (mine === theirs) exact++;
      if (m.t !== o.t) return 'reply type differs';
      if (m.t === '-' || m.t === '_' || (m.t === '$' && m.s === undefined)) return mine === theirs ? null : 'differs';
      const all = new Set(before ?? []);
      if (m.t === '$') return all.has(m.raw) ? null : 'member not in the set';
      const mi = bulksOf(m);
      if (mi.length !== o.items!.length) return 'length differs';
      if (!mi.every((x) => all.has(x))) return 'member not in the set';
      const count = Number(argv[2]);
      if (count > 0 && new Set(mi).size !== mi.length) return 'repeated members for a positive count';
      if (count >= all.size && sorted(mi) !== sorted(bulksOf(o))) return 'whole-set content differs';
      return null;
    }
    if (mine === theirs) {
      exact++;
      return null;
    }
    if (cmd === 'OBJECT' && m.t === '$' && o.t === '$' && isAcceptedSetEncodingDifference(o.s ?? '', m.s ?? '')) return null;
    if (m.t !== o.t || m.t === '-' || (m.items === undefined) !== (o.items === undefined)) return 'differs';
    if (cmd === 'SSCAN') {
      if ((await encodingOf(rc, argv[1]!)) === 'intset') return 'differs (intset: one exact reply)';
      const a = await scanAll(oc, argv);
      const b = await scanAll(rc, argv);
      return a === b ? null : `full scan differs\n   redis:   ${show(b)}\n   redoubt: ${show(a)}`;
    }
    if (cmd === 'SMEMBERS' || cmd === 'SINTER' || cmd === 'SUNION' || cmd === 'SDIFF') {
      if (sorted(bulksOf(m)) !== sorted(bulksOf(o))) return 'members differ';
      // order is Redis's when every input is an intset on the oracle (intsets iterate in
      // ascending order in 7.0 and 7.2 alike) and, for union/diff, the result is one too
      let allIntsets = true;
      for (const k of sourceKeys(argv)) {
        const enc = await encodingOf(rc, k);
        if (enc !== 'intset' && enc !== '') allIntsets = false;
      }
      // SUNION/SDIFF build their result in an intset, which stays one up to the limit
      const resultIsIntset = cmd === 'SMEMBERS' || cmd === 'SINTER' || bulksOf(o).length <= intsetLimit;
      return allIntsets && resultIsIntset ? 'order differs (intset inputs)' : null;
    }
    return 'differs';
  }

  /** After an SPOP the servers hold different members: both get the oracle's remainder. */
  async function resync(key: string): Promise<void> {
    const left = await membersOf(rc, key);
    for (const c of [rc, oc]) {
      await c.call('DEL', key);
      if (left !== null && left.length > 0) {
        const members = left.map((raw) => parse(raw)[0].s!);
        await c.call('SADD', key, ...members);
      }
    }
  }

  async function run(seq: Seq, label: string): Promise<void> {
    const prefix = `t${process.pid}:${seqNo++}:`;
    const bound = bind(seq, prefix);
    for (let i = 0; i < bound.length; i++) {
      const argv = bound[i]!;
      const cmd = argv[0]!.toUpperCase();
      const random = (cmd === 'SPOP' || cmd === 'SRANDMEMBER') && argv.length >= 2;
      const before = random ? await membersOf(rc, argv[1]!) : null;
      const mine = await oc.call(...argv);
      const theirs = await rc.call(...argv);
      const diff = await compare(argv, mine, theirs, before);
      if (diff !== null) {
        const context = seq
          .slice(0, i + 1)
          .map((a) => a.map(show).join(' '))
          .join('\n  ');
        assert.fail(`${label}: reply ${i} ${diff}\n  ${context}\nredis:   ${show(theirs)}\nredoubt: ${show(mine)}`);
      }
      if (cmd === 'SPOP' && before !== null) {
        // same number of members left on both, then the same members
        assert.equal(await oc.call('SCARD', argv[1]!), await rc.call('SCARD', argv[1]!), `${label}: SCARD after SPOP`);
        await resync(argv[1]!);
      }
    }
  }

  async function configBoth(intsetEntries: string, listpackEntries: string, listpackValue: string): Promise<void> {
    for (const c of [rc, oc]) assert.equal(await c.call('CONFIG', 'SET', 'set-max-intset-entries', intsetEntries), '+OK\r\n');
    intsetLimit = Number(intsetEntries);
    // 7.0 has no set-max-listpack-*: only Redoubt takes them
    assert.equal(await oc.call('CONFIG', 'SET', 'set-max-listpack-entries', listpackEntries), '+OK\r\n');
    assert.equal(await oc.call('CONFIG', 'SET', 'set-max-listpack-value', listpackValue), '+OK\r\n');
  }

  try {
    for (let i = 0; i < CASES.length; i++) await run(CASES[i]!, `case ${i}`);
    assert.ok((await oc.call('HELLO', '3')).startsWith('%'));
    await rc.call('HELLO', '3');
    for (let i = 0; i < CASES.length; i++) await run(CASES[i]!, `case ${i} (RESP3)`);
    await oc.call('HELLO', '2');
    await rc.call('HELLO', '2');

    // big sets: intset → hashtable past 512, listpack → hashtable past 128, full scans
    const big: Seq = [];
    for (let i = 0; i < 600; i += 50) big.push(['SADD', 'K:int', ...Array.from({ length: 50 }, (_, j) => String(i + j))]);
    big.push(['OBJECT', 'ENCODING', 'K:int'], ['SCARD', 'K:int']);
    for (let i = 0; i < 200; i += 50) big.push(['SADD', 'K:str', ...Array.from({ length: 50 }, (_, j) => `m${i + j}`)]);
    big.push(['OBJECT', 'ENCODING', 'K:str'], ['SMEMBERS', 'K:str'], ['SSCAN', 'K:str', '0'], ['SSCAN', 'K:str', '0', 'MATCH', 'm1*', 'COUNT', '7']);
    big.push(['SINTER', 'K:int', 'K:str'], ['SUNION', 'K:int', 'K:str'], ['SDIFF', 'K:int', 'K:str'], ['SINTERCARD', '2', 'K:int', 'K:int']);
    big.push(['SRANDMEMBER', 'K:int', '-20'], ['SRANDMEMBER', 'K:int', '20'], ['SRANDMEMBER', 'K:int', '500'], ['SRANDMEMBER', 'K:str', '150'], ['SRANDMEMBER', 'K:str', '1000']);
    for (let i = 0; i < 600; i += 3) big.push(['SREM', 'K:int', String(i)]);
    big.push(['OBJECT', 'ENCODING', 'K:int'], ['SCARD', 'K:int'], ['SSCAN', 'K:int', '0', 'COUNT', '3']);
    big.push(['SINTERSTORE', 'K:d', 'K:int', 'K:int'], ['OBJECT', 'ENCODING', 'K:d'], ['SUNIONSTORE', 'K:e', 'K:int'], ['OBJECT', 'ENCODING', 'K:e'], ['SDIFFSTORE', 'K:f', 'K:str', 'K:int'], ['OBJECT', 'ENCODING', 'K:f']);
    big.push(['SPOP', 'K:int', '10'], ['SPOP', 'K:int', '300'], ['OBJECT', 'ENCODING', 'K:int'], ['SPOP', 'K:str', '190'], ['SCARD', 'K:str']);
    await run(big, 'big sets');

    const seed = Number(process.env['SET_DIFF_SEED'] ?? 20261127);
    const rand = prng(seed);
    for (let i = 0; i < 300; i++) await run(randomSequence(rand, 25, false), `random sequence ${i} (seed ${seed})`);
    for (let i = 0; i < 60; i++) await run(randomSequence(rand, 30, true), `big-member sequence ${i} (seed ${seed})`);

    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 30 }), async (seq) => {
        await run(seq, 'fast-check sequence');
      }),
      { numRuns: 150, seed },
    );

    // small limits: conversions happen all the time
    await configBoth('6', '4', '3');
    try {
      for (let i = 0; i < 150; i++) await run(randomSequence(rand, 30, false, i % 2 === 0), `small-limit sequence ${i} (seed ${seed})`);
      await oc.call('HELLO', '3');
      await rc.call('HELLO', '3');
      for (let i = 0; i < 50; i++) await run(randomSequence(rand, 30, false), `small-limit RESP3 sequence ${i} (seed ${seed})`);
    } finally {
      await oc.call('HELLO', '2');
      await rc.call('HELLO', '2');
      await configBoth('512', '128', '64');
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
