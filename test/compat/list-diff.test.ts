/**
 * Differential test for the list commands: the same command sequences go to a real
 * redis-server (Debian 7.0.15, the local oracle for 7.2 behaviour) and to Redoubt, and
 * replies are compared byte for byte — in RESP2 and RESP3, with the default and with tiny
 * list-max-listpack-size settings. The only reply not compared byte for byte is OBJECT
 * ENCODING of a list (7.0 always says "quicklist", see known-differences.ts); inputs
 * listed there are left out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { bind, type Seq, show } from '../helpers/diff-support.js';

const BIN = '\x00\x80\xff\r\n\x01';
const LLMAX = '9223372036854775807';
const LLMIN = '-9223372036854775808';
const BIG = 'x'.repeat(9000);

const CASES: Seq[] = [
  // pushes, lengths, ranges, binary data
  [['LPUSH', 'K:l', 'a', 'b', 'c'], ['RPUSH', 'K:l', 'd', BIN, ''], ['LRANGE', 'K:l', '0', '-1'], ['LLEN', 'K:l'], ['TYPE', 'K:l'], ['LINDEX', 'K:l', '4'], ['LINDEX', 'K:l', '-1'], ['LINDEX', 'K:l', '6'], ['LINDEX', 'K:l', '-7'], ['LINDEX', 'K:l', 'x'], ['LINDEX', 'K:nokey', 'x']],
  [['LPUSHX', 'K:l', 'a'], ['RPUSHX', 'K:l', 'a', 'b'], ['EXISTS', 'K:l'], ['RPUSH', 'K:l', '1'], ['LPUSHX', 'K:l', '0', '-1'], ['RPUSHX', 'K:l', '2', '3'], ['LRANGE', 'K:l', '0', '-1']],
  [['RPUSH', 'K:l', '1', '2', '3', '4', '5'], ['LRANGE', 'K:l', '-100', '100'], ['LRANGE', 'K:l', '2', '1'], ['LRANGE', 'K:l', '5', '10'], ['LRANGE', 'K:l', '-2', '-1'], ['LRANGE', 'K:l', '-1', '-2'], ['LRANGE', 'K:l', LLMIN, LLMAX], ['LRANGE', 'K:l', '0', LLMIN], ['LRANGE', 'K:l', 'a', '1'], ['LRANGE', 'K:l', '1', '9223372036854775808'], ['LRANGE', 'K:nokey', '0', '-1'], ['LRANGE', 'K:nokey', 'x', '1']],
  // pops with and without counts
  [['RPUSH', 'K:l', 'a', 'b', 'c', 'd', 'e'], ['LPOP', 'K:l'], ['RPOP', 'K:l'], ['LPOP', 'K:l', '2'], ['RPOP', 'K:l', '0'], ['RPOP', 'K:l', '5'], ['EXISTS', 'K:l'], ['LPOP', 'K:l'], ['LPOP', 'K:l', '1'], ['RPOP', 'K:l', '0'], ['LPOP', 'K:l', '-1'], ['LPOP', 'K:l', 'x'], ['LPOP', 'K:l', '1', '2'], ['RPOP', 'K:l', LLMAX]],
  [['RPUSH', 'K:l', 'a'], ['LPOP', 'K:l', '-1'], ['LPOP', 'K:l', 'x'], ['RPOP', 'K:l', '1.5'], ['LPOP', 'K:l', LLMAX], ['EXISTS', 'K:l']],
  // LSET / LTRIM / LREM / LINSERT
  [['LSET', 'K:nokey', '0', 'x'], ['LSET', 'K:nokey', 'x', 'x'], ['RPUSH', 'K:l', 'a', 'b', 'c'], ['LSET', 'K:l', '0', 'A'], ['LSET', 'K:l', '-1', 'C'], ['LSET', 'K:l', '3', 'x'], ['LSET', 'K:l', '-4', 'x'], ['LSET', 'K:l', 'x', 'y'], ['LSET', 'K:l', '1', BIN], ['LRANGE', 'K:l', '0', '-1']],
  [['RPUSH', 'K:l', '1', '2', '3', '4', '5', '6'], ['LTRIM', 'K:l', '1', '-2'], ['LRANGE', 'K:l', '0', '-1'], ['LTRIM', 'K:l', '-100', '100'], ['LRANGE', 'K:l', '0', '-1'], ['LTRIM', 'K:l', '2', '1'], ['EXISTS', 'K:l'], ['LTRIM', 'K:l', '0', '1'], ['LTRIM', 'K:l', 'x', '1'], ['LTRIM', 'K:nokey', '0', 'y']],
  [['RPUSH', 'K:l', 'a', 'b', 'a', 'c', 'a', 'b'], ['LREM', 'K:l', '1', 'a'], ['LRANGE', 'K:l', '0', '-1'], ['LREM', 'K:l', '-1', 'b'], ['LRANGE', 'K:l', '0', '-1'], ['LREM', 'K:l', '0', 'a'], ['LRANGE', 'K:l', '0', '-1'], ['LREM', 'K:l', '0', 'zz'], ['LREM', 'K:l', 'x', 'b'], ['LREM', 'K:l', LLMAX, 'b'], ['LREM', 'K:l', '-9223372036854775807', 'c'], ['EXISTS', 'K:l'], ['LREM', 'K:nokey', '1', 'a'], ['LREM', 'K:nokey', 'x', 'a']],
  [['LINSERT', 'K:nokey', 'BEFORE', 'a', 'b'], ['LINSERT', 'K:nokey', 'middle', 'a', 'b'], ['RPUSH', 'K:l', 'a', 'b', 'a'], ['LINSERT', 'K:l', 'BEFORE', 'a', 'x'], ['LINSERT', 'K:l', 'after', 'a', 'y'], ['LINSERT', 'K:l', 'AFTER', 'zz', 'y'], ['LINSERT', 'K:l', 'After', 'b', BIN], ['LINSERT', 'K:l', 'up', 'a', 'b'], ['LRANGE', 'K:l', '0', '-1'], ['LLEN', 'K:l']],
  // LPOS
  [['RPUSH', 'K:l', 'a', 'b', 'c', 'a', 'b', 'c', 'a'], ['LPOS', 'K:l', 'a'], ['LPOS', 'K:l', 'a', 'RANK', '2'], ['LPOS', 'K:l', 'a', 'RANK', '-1'], ['LPOS', 'K:l', 'a', 'RANK', '-2', 'COUNT', '0'], ['LPOS', 'K:l', 'a', 'COUNT', '0'], ['LPOS', 'K:l', 'a', 'COUNT', '2'], ['LPOS', 'K:l', 'a', 'COUNT', '2', 'MAXLEN', '3'], ['LPOS', 'K:l', 'c', 'MAXLEN', '2'], ['LPOS', 'K:l', 'a', 'RANK', '4'], ['LPOS', 'K:l', 'a', 'RANK', '4', 'COUNT', '1'], ['LPOS', 'K:l', 'zz'], ['LPOS', 'K:l', 'zz', 'COUNT', '1'], ['LPOS', 'K:l', 'a', 'rank', '1', 'rank', '-1'], ['LPOS', 'K:l', 'a', 'RANK', LLMAX], ['LPOS', 'K:l', 'a', 'RANK', '-9223372036854775807']],
  [['RPUSH', 'K:l', 'a'], ['LPOS', 'K:l', 'a', 'RANK', '0'], ['LPOS', 'K:l', 'a', 'RANK', 'x'], ['LPOS', 'K:l', 'a', 'COUNT', '-1'], ['LPOS', 'K:l', 'a', 'COUNT', 'x'], ['LPOS', 'K:l', 'a', 'MAXLEN', '-1'], ['LPOS', 'K:l', 'a', 'MAXLEN', 'x'], ['LPOS', 'K:l', 'a', 'FOO'], ['LPOS', 'K:l', 'a', 'RANK'], ['LPOS', 'K:nokey', 'a'], ['LPOS', 'K:nokey', 'a', 'COUNT', '3'], ['LPOS', 'K:nokey', 'a', 'RANK', '0'], ['LPOS', 'K:nokey', 'a', 'COUNT', '1', 'FOO']],
  // LMOVE / RPOPLPUSH
  [['RPUSH', 'K:a', '1', '2', '3'], ['LMOVE', 'K:a', 'K:b', 'LEFT', 'RIGHT'], ['LMOVE', 'K:a', 'K:b', 'right', 'left'], ['LMOVE', 'K:a', 'K:a', 'LEFT', 'RIGHT'], ['LRANGE', 'K:a', '0', '-1'], ['LRANGE', 'K:b', '0', '-1'], ['RPOPLPUSH', 'K:a', 'K:b'], ['EXISTS', 'K:a'], ['RPOPLPUSH', 'K:a', 'K:b'], ['LMOVE', 'K:a', 'K:b', 'LEFT', 'LEFT'], ['LMOVE', 'K:b', 'K:b', 'up', 'LEFT'], ['LMOVE', 'K:b', 'K:b', 'LEFT', 'down'], ['RPOPLPUSH', 'K:b', 'K:b'], ['LRANGE', 'K:b', '0', '-1']],
  [['SET', 'K:s', 'v'], ['RPUSH', 'K:a', 'x'], ['LMOVE', 'K:a', 'K:s', 'LEFT', 'LEFT'], ['LMOVE', 'K:nokey', 'K:s', 'LEFT', 'LEFT'], ['LMOVE', 'K:s', 'K:a', 'LEFT', 'LEFT'], ['RPOPLPUSH', 'K:a', 'K:s'], ['LRANGE', 'K:a', '0', '-1'], ['RPOPLPUSH', 'K:s', 'K:nokey']],
  // LMPOP
  [['RPUSH', 'K:b', '1', '2', '3'], ['LMPOP', '2', 'K:a', 'K:b', 'LEFT'], ['LMPOP', '2', 'K:a', 'K:b', 'RIGHT', 'COUNT', '10'], ['LMPOP', '2', 'K:a', 'K:b', 'RIGHT'], ['EXISTS', 'K:b'], ['LMPOP', '1', 'K:a', 'LEFT', 'COUNT', '0'], ['LMPOP', '1', 'K:a', 'LEFT', 'COUNT', '-1'], ['LMPOP', '1', 'K:a', 'LEFT', 'COUNT', 'x'], ['LMPOP', '1', 'K:a', 'LEFT', 'COUNT', '1', 'COUNT', '2'], ['LMPOP', '1', 'K:a', 'LEFT', 'COUNT'], ['LMPOP', '1', 'K:a', 'MIDDLE'], ['LMPOP', '2', 'K:a', 'LEFT'], ['LMPOP', '0', 'K:a', 'LEFT'], ['LMPOP', '-1', 'K:a', 'LEFT'], ['LMPOP', 'x', 'K:a', 'LEFT'], ['LMPOP', LLMAX, 'K:a', 'LEFT']],
  [['SET', 'K:s', 'v'], ['RPUSH', 'K:b', '1'], ['LMPOP', '2', 'K:s', 'K:b', 'LEFT'], ['LMPOP', '2', 'K:nokey', 'K:s', 'LEFT'], ['LMPOP', '2', 'K:b', 'K:s', 'LEFT'], ['EXISTS', 'K:b']],
  // blocking commands that are served at once, and their argument errors
  [['RPUSH', 'K:a', '1', '2', '3'], ['BLPOP', 'K:nokey', 'K:a', '0'], ['BRPOP', 'K:a', 'K:nokey', '1.5'], ['BLMPOP', '0', '2', 'K:nokey', 'K:a', 'LEFT', 'COUNT', '5'], ['EXISTS', 'K:a'], ['RPUSH', 'K:a', 'x', 'y'], ['BLMOVE', 'K:a', 'K:b', 'LEFT', 'RIGHT', '0'], ['BRPOPLPUSH', 'K:a', 'K:b', '0'], ['LRANGE', 'K:b', '0', '-1'], ['BLMPOP', '0', '1', 'K:b', 'RIGHT']],
  [['BLPOP', 'K:a', 'x'], ['BLPOP', 'K:a', '-1'], ['BLPOP', 'K:a', ' 1'], ['BLPOP', 'K:a', ''], ['BLPOP', 'K:a', 'nan'], ['BLPOP', 'K:a', '-0.5'], ['BRPOP', 'K:a', '-inf'], ['BLMOVE', 'K:a', 'K:b', 'LEFT', 'RIGHT', 'x'], ['BLMOVE', 'K:a', 'K:b', 'UP', 'RIGHT', 'x'], ['BLMOVE', 'K:a', 'K:b', 'LEFT', 'DOWN', '-1'], ['BRPOPLPUSH', 'K:a', 'K:b', 'x'], ['BLMPOP', 'x', '1', 'K:a', 'LEFT'], ['BLMPOP', '0', '0', 'K:a', 'LEFT'], ['BLMPOP', 'x', '1', 'K:a', 'MIDDLE'], ['BLMPOP', 'x', '1', 'K:a', 'LEFT', 'COUNT', '0'], ['BLMPOP', '-1', '1', 'K:a', 'LEFT'], ['BLMPOP', '0', '2', 'K:a', 'LEFT']],
  [['SET', 'K:s', 'v'], ['BLPOP', 'K:nokey', 'K:s', '0'], ['BRPOP', 'K:s', '0'], ['BLMOVE', 'K:s', 'K:b', 'LEFT', 'LEFT', '0'], ['BRPOPLPUSH', 'K:s', 'K:b', '0'], ['BLMPOP', '0', '1', 'K:s', 'LEFT'], ['RPUSH', 'K:a', '1'], ['BLMOVE', 'K:a', 'K:s', 'LEFT', 'LEFT', '0'], ['LLEN', 'K:a']],
  // timeouts (short): nil replies
  [['BLPOP', 'K:nokey', '0.01'], ['BRPOP', 'K:nokey', 'K:nokey2', '0.02'], ['BLMOVE', 'K:nokey', 'K:b', 'LEFT', 'LEFT', '0.01'], ['BRPOPLPUSH', 'K:nokey', 'K:b', '0.01'], ['BLMPOP', '0.01', '1', 'K:nokey', 'RIGHT', 'COUNT', '2'], ['EXISTS', 'K:b']],
  // WRONGTYPE both ways
  [['SET', 'K:s', 'v'], ['LPUSH', 'K:s', 'a'], ['RPUSH', 'K:s', 'a'], ['LPUSHX', 'K:s', 'a'], ['RPUSHX', 'K:s', 'a'], ['LPOP', 'K:s'], ['RPOP', 'K:s', '2'], ['LLEN', 'K:s'], ['LINDEX', 'K:s', '0'], ['LINDEX', 'K:s', 'x'], ['LSET', 'K:s', '0', 'a'], ['LSET', 'K:s', 'x', 'a'], ['LRANGE', 'K:s', '0', '1'], ['LRANGE', 'K:s', 'x', '1'], ['LTRIM', 'K:s', '0', '1'], ['LREM', 'K:s', '0', 'a'], ['LREM', 'K:s', 'x', 'a'], ['LINSERT', 'K:s', 'BEFORE', 'a', 'b'], ['LINSERT', 'K:s', 'x', 'a', 'b'], ['LPOS', 'K:s', 'a'], ['LPOS', 'K:s', 'a', 'RANK', '0'], ['LPOP', 'K:s', '0'], ['LPOP', 'K:s', 'x']],
  [['RPUSH', 'K:l', 'a'], ['GET', 'K:l'], ['APPEND', 'K:l', 'x'], ['INCR', 'K:l'], ['HSET', 'K:l', 'a', '1'], ['HGET', 'K:l', 'a'], ['SET', 'K:l', 'v'], ['TYPE', 'K:l']],
  // big elements, integers of every listpack width, COPY / RENAME / expiry
  [['RPUSH', 'K:l', BIG, '0', '127', '128', '-4096', '4095', '-32768', '32767', '8388607', '-8388608', '2147483647', '-2147483648', LLMAX, LLMIN, '9223372036854775808', '-0', '01', '1.5'], ['LRANGE', 'K:l', '1', '-1'], ['LINDEX', 'K:l', '0'], ['LPOP', 'K:l'], ['LPOS', 'K:l', '-0'], ['LREM', 'K:l', '0', '127'], ['LLEN', 'K:l']],
  [['RPUSH', 'K:l', 'a', 'b'], ['COPY', 'K:l', 'K:c'], ['RPUSH', 'K:c', 'x'], ['LPOP', 'K:c'], ['LRANGE', 'K:l', '0', '-1'], ['LRANGE', 'K:c', '0', '-1'], ['RENAME', 'K:l', 'K:r'], ['LRANGE', 'K:r', '0', '-1'], ['TYPE', 'K:r'], ['EXISTS', 'K:l'], ['EXPIRE', 'K:r', '100'], ['RPUSH', 'K:r', 'z'], ['TTL', 'K:r'], ['LPOP', 'K:r', '10'], ['TTL', 'K:r'], ['EXISTS', 'K:r']],
  // wrong number of arguments
  [['LPUSH', 'K:l'], ['RPUSH', 'K:l'], ['LPUSHX', 'K:l'], ['RPUSHX'], ['LPOP'], ['RPOP'], ['LLEN'], ['LLEN', 'K:l', 'x'], ['LINDEX', 'K:l'], ['LSET', 'K:l', '0'], ['LRANGE', 'K:l', '0'], ['LTRIM', 'K:l', '0'], ['LREM', 'K:l', '0'], ['LINSERT', 'K:l', 'BEFORE', 'a'], ['LPOS', 'K:l'], ['LMOVE', 'K:a', 'K:b', 'LEFT'], ['RPOPLPUSH', 'K:a'], ['LMPOP', '1', 'K:a'], ['BLPOP', 'K:a'], ['BRPOP', 'K:a'], ['BLMOVE', 'K:a', 'K:b', 'LEFT', 'LEFT'], ['BRPOPLPUSH', 'K:a', 'K:b'], ['BLMPOP', '0', '1', 'K:a']],
];

/** fast-check generator of list command sequences over a few keys. */
function sequenceArb(bigElements: boolean): fc.Arbitrary<Seq> {
  const key = fc.constantFrom('K:a', 'K:b', 'K:c', 'K:s');
  const smallInt = fc.integer({ min: -12, max: 12 }).map(String);
  const element = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'c', '', '1', '-1', '127', '128', '99999', BIN, LLMAX) },
    { weight: 2, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 6 }) },
    { weight: bigElements ? 2 : 0, arbitrary: fc.integer({ min: 10, max: 80 }).map((n) => 'v'.repeat(n)) },
  );
  const elements = fc.array(element, { minLength: 1, maxLength: bigElements ? 8 : 4 });
  const side = fc.constantFrom('LEFT', 'RIGHT', 'left', 'Right');
  const index = fc.oneof({ weight: 8, arbitrary: smallInt }, { weight: 1, arbitrary: fc.constantFrom(LLMAX, LLMIN, 'x', '1.0') });
  const count = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 6 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('-1', LLMAX, 'x') });
  const cmd: fc.Arbitrary<string[]> = fc.oneof(
    fc.tuple(fc.constantFrom('LPUSH', 'RPUSH', 'LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX'), key, elements).map(([c, k, e]) => [c, k, ...e]),
    fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key).map(([c, k]) => [c, k]),
    fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key, count).map(([c, k, n]) => [c, k, n]),
    key.map((k) => ['LLEN', k]),
    fc.tuple(key, index).map(([k, i]) => ['LINDEX', k, i]),
    fc.tuple(key, index, element).map(([k, i, e]) => ['LSET', k, i, e]),
    fc.tuple(key, index, index).map(([k, a, b]) => ['LRANGE', k, a, b]),
    fc.tuple(key, index, index).map(([k, a, b]) => ['LTRIM', k, a, b]),
    fc.tuple(key, smallInt, element).map(([k, n, e]) => ['LREM', k, n, e]),
    fc.tuple(key, fc.constantFrom('BEFORE', 'AFTER', 'after', 'x'), element, element).map(([k, w, p, e]) => ['LINSERT', k, w, p, e]),
    fc
      .tuple(key, element, fc.option(fc.constantFrom('-3', '-2', '-1', '1', '2', '3', '0'), { nil: undefined }), fc.option(count, { nil: undefined }), fc.option(fc.constantFrom('0', '1', '3', '10'), { nil: undefined }))
      .map(([k, e, r, c, m]) => ['LPOS', k, e, ...(r !== undefined ? ['RANK', r] : []), ...(c !== undefined ? ['COUNT', c] : []), ...(m !== undefined ? ['MAXLEN', m] : [])]),
    fc.tuple(key, key, side, side).map(([a, b, f, t]) => ['LMOVE', a, b, f, t]),
    fc.tuple(key, key).map(([a, b]) => ['RPOPLPUSH', a, b]),
    fc.tuple(fc.array(key, { minLength: 1, maxLength: 3 }), side, fc.option(count, { nil: undefined })).map(([ks, s, c]) => ['LMPOP', String(ks.length), ...ks, s, ...(c !== undefined ? ['COUNT', c] : [])]),
    // blocking forms with a non-zero timeout: served at once, or a short wait on both servers
    fc.tuple(fc.constantFrom('BLPOP', 'BRPOP'), fc.array(key, { minLength: 1, maxLength: 2 })).map(([c, ks]) => [c, ...ks, '0.01']),
    fc.tuple(key, key, side, side).map(([a, b, f, t]) => ['BLMOVE', a, b, f, t, '0.01']),
    fc.tuple(fc.array(key, { minLength: 1, maxLength: 2 }), side).map(([ks, s]) => ['BLMPOP', '0.01', String(ks.length), ...ks, s, 'COUNT', '2']),
    key.map((k) => ['TYPE', k]),
    key.map((k) => ['EXISTS', k]),
    key.map((k) => ['OBJECT', 'ENCODING', k]),
    element.map((e) => ['SET', 'K:s', e]),
    fc.tuple(key, key).map(([a, b]) => ['COPY', a, b, 'REPLACE']),
    key.map((k) => ['DEL', k]),
  );
  return fc.array(cmd, { minLength: 5, maxLength: 30, size: 'max' });
}

test('list commands answer like redis-server', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    console.warn(NO_ORACLE_MESSAGE);
    return;
  }
  // hz 100: the oracle's 10 ms blocking timeouts end after ~10 ms, not at its next 100 ms tick
  const oracle = await startRedisOracle(['--hz', '100']);
  const srv = await startTestServer();
  const rc = await RawClient.connect(oracle.port);
  const oc = await RawClient.connect(srv.port);
  let compared = 0;
  let exact = 0;
  let seqNo = 0;

  /** Null when equal; OBJECT ENCODING of a list is only checked to be a bulk string (known difference). */
  function difference(argv: string[], mine: string, theirs: string): string | null {
    compared++;
    if (mine === theirs) {
      exact++;
      return null;
    }
    const isEncoding = argv[0]!.toUpperCase() === 'OBJECT' && argv[1]!.toUpperCase() === 'ENCODING';
    if (isEncoding && theirs === '$9\r\nquicklist\r\n' && (mine === '$8\r\nlistpack\r\n' || mine === '$9\r\nquicklist\r\n')) return null;
    return 'differs';
  }

  async function run(seq: Seq, label: string): Promise<string | null> {
    const prefix = `t${process.pid}:${seqNo++}:`;
    const bound = bind(seq, prefix);
    for (let i = 0; i < bound.length; i++) {
      const argv = bound[i]!;
      const [mine, theirs] = await Promise.all([oc.call(...argv), rc.call(...argv)]);
      const diff = difference(argv, mine, theirs);
      if (diff !== null) {
        const context = seq
          .slice(0, i + 1)
          .map((a) => a.map(show).join(' '))
          .join('\n  ');
        return `${label}: reply ${i} ${diff}\n  ${context}\nredis:   ${show(theirs)}\nredoubt: ${show(mine)}`;
      }
    }
    return null;
  }

  async function runAll(label: string): Promise<void> {
    for (let i = 0; i < CASES.length; i++) {
      const failure = await run(CASES[i]!, `${label} case ${i}`);
      if (failure !== null) assert.fail(failure);
    }
  }

  async function randomized(label: string, bigElements: boolean, runs: number): Promise<void> {
    const seed = Number(process.env['LIST_DIFF_SEED'] ?? 20261127);
    await fc.assert(
      fc.asyncProperty(sequenceArb(bigElements), async (seq) => {
        const failure = await run(seq, `${label} (seed ${seed})`);
        if (failure !== null) throw new Error(failure);
      }),
      { seed, numRuns: runs, endOnFailure: true },
    );
  }

  async function configBoth(value: string): Promise<void> {
    for (const c of [rc, oc]) assert.equal(await c.call('CONFIG', 'SET', 'list-max-listpack-size', value), '+OK\r\n');
  }

  try {
    await runAll('RESP2');
    await randomized('random', false, 250);
    assert.ok((await oc.call('HELLO', '3')).startsWith('%'));
    await rc.call('HELLO', '3');
    await runAll('RESP3');
    await randomized('random RESP3', false, 80);
    await oc.call('HELLO', '2');
    await rc.call('HELLO', '2');
    // tiny node limits: conversions and node splits all the time (replies must not change)
    for (const fill of ['2', '-1']) {
      await configBoth(fill);
      try {
        await randomized(`list-max-listpack-size ${fill}`, true, 80);
      } finally {
        await configBoth('-2');
      }
    }
    t.diagnostic(`compared ${compared} replies, ${exact} byte for byte`);
    assert.ok(compared > 5000, `too few replies compared: ${compared}`);
  } finally {
    rc.close();
    oc.close();
    await srv.close();
    await oracle.stop();
  }
});
