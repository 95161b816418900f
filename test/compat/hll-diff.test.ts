/**
 * Differential test for PFADD / PFCOUNT / PFMERGE: the same sequences go to a real
 * redis-server (the Debian 7.0.15 oracle; hyperloglog.c did not change in ways that show
 * in replies or bytes between 7.0 and 7.2) and to Redoubt. Every reply is compared byte
 * for byte, and after every write the GET of every key involved is compared too, so the
 * sparse opcodes, the promotion to dense, the cached-cardinality bytes and the estimator
 * must all be Redis's exactly. Sequences are seeded and also drawn by fast-check; phases run
 * with several hll-sparse-max-bytes values. Hand-made corrupt and foreign strings check
 * Redis's errors. Finally the estimate of 100k distinct elements must be within Redis's
 * error bound (and equal to Redis's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';

type Seq = string[][];

function bind(seq: Seq, prefix: string): Seq {
  return seq.map((argv) => argv.map((a) => (a.startsWith('K:') ? prefix + a.slice(2) : a)));
}

const HDR_SPARSE = 'HYLL\x01\x00\x00\x00' + '\x00'.repeat(8);
const HDR_SPARSE_STALE = 'HYLL\x01\x00\x00\x00' + '\x00'.repeat(7) + '\x80';
const HDR_DENSE = 'HYLL\x00\x00\x00\x00' + '\x00'.repeat(7) + '\x80';
const EMPTY_SPARSE = HDR_SPARSE_STALE + '\x7f\xff';

const CASES: Seq[] = [
  // creation, no-op adds, cache bytes
  [['PFADD', 'K:h'], ['GET', 'K:h'], ['PFADD', 'K:h'], ['PFCOUNT', 'K:h'], ['GET', 'K:h'], ['PFADD', 'K:h', 'a'], ['GET', 'K:h'], ['PFADD', 'K:h', 'a'], ['PFCOUNT', 'K:h'], ['PFCOUNT', 'K:h'], ['GET', 'K:h'], ['OBJECT', 'ENCODING', 'K:h'], ['TYPE', 'K:h'], ['STRLEN', 'K:h']],
  [['PFADD', 'K:h', '', '\x00', '\xff\xfe', 'a'.repeat(1000), 'b'.repeat(7), 'c'.repeat(8), 'd'.repeat(9)], ['GET', 'K:h'], ['PFCOUNT', 'K:h'], ['PFCOUNT', 'K:nokey'], ['PFCOUNT', 'K:nokey', 'K:h'], ['PFCOUNT', 'K:nokey', 'K:nokey2']],
  // TTL survives edits
  [['PFADD', 'K:h', 'x'], ['EXPIRE', 'K:h', '100'], ['PFADD', 'K:h', 'y'], ['TTL', 'K:h'], ['PFCOUNT', 'K:h'], ['TTL', 'K:h'], ['PFMERGE', 'K:h', 'K:nokey'], ['TTL', 'K:h']],
  // PFMERGE: into a new key, into itself, destination part of the union
  [['PFADD', 'K:a', '1', '2', '3'], ['PFADD', 'K:b', '3', '4'], ['PFMERGE', 'K:c', 'K:a', 'K:b'], ['GET', 'K:c'], ['PFCOUNT', 'K:c'], ['PFMERGE', 'K:a'], ['GET', 'K:a'], ['PFMERGE', 'K:b', 'K:a'], ['GET', 'K:b'], ['PFMERGE', 'K:n'], ['GET', 'K:n'], ['PFCOUNT', 'K:a', 'K:b', 'K:c']],
  // wrong types and foreign strings
  [['SET', 'K:s', 'hello'], ['PFADD', 'K:s', 'a'], ['PFCOUNT', 'K:s'], ['PFCOUNT', 'K:s', 'K:nokey'], ['PFMERGE', 'K:d', 'K:s'], ['EXISTS', 'K:d'], ['PFMERGE', 'K:s', 'K:nokey'], ['SADD', 'K:l', 'x'], ['PFADD', 'K:l', 'a'], ['PFCOUNT', 'K:l'], ['PFCOUNT', 'K:nokey', 'K:l'], ['PFMERGE', 'K:l'], ['PFMERGE', 'K:d', 'K:l'], ['SET', 'K:i', '1234567890123456789'], ['PFADD', 'K:i', 'a'], ['SET', 'K:e', ''], ['PFCOUNT', 'K:e']],
  [['SET', 'K:s', 'HYLL'], ['PFCOUNT', 'K:s'], ['SET', 'K:s', 'HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff'], ['PFCOUNT', 'K:s'], ['SET', 'K:s', 'HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff'], ['PFADD', 'K:s', 'a'], ['SET', 'K:s', HDR_DENSE + '\x00'.repeat(100)], ['PFCOUNT', 'K:s'], ['PFADD', 'K:s', 'x']],
  // a valid cache is trusted as it is
  [['SET', 'K:s', HDR_SPARSE.slice(0, 8) + '\x39\x30\x00\x00\x00\x00\x00\x00' + '\x7f\xff'], ['PFCOUNT', 'K:s'], ['OBJECT', 'ENCODING', 'K:s'], ['PFADD', 'K:s', 'a'], ['PFCOUNT', 'K:s'], ['GET', 'K:s']],
  [['SET', 'K:s', EMPTY_SPARSE], ['PFCOUNT', 'K:s'], ['GET', 'K:s'], ['SET', 'K:t', HDR_DENSE + '\x00'.repeat(12288)], ['PFCOUNT', 'K:t'], ['GET', 'K:t'], ['PFADD', 'K:t', 'a', 'b'], ['PFCOUNT', 'K:t'], ['PFMERGE', 'K:s', 'K:t'], ['STRLEN', 'K:s'], ['PFCOUNT', 'K:s']],
  // corrupt sparse data: INVALIDOBJ where Redis detects it
  [['SET', 'K:s', HDR_SPARSE_STALE + '\x7f\xfe'], ['PFCOUNT', 'K:s'], ['PFCOUNT', 'K:s', 'K:nokey'], ['PFMERGE', 'K:d', 'K:s'], ['EXISTS', 'K:d'], ['PFADD', 'K:s', 'a', 'b', 'c', 'd', 'e'], ['GET', 'K:s']],
  [['SET', 'K:s', HDR_SPARSE_STALE + '\x7f\xff\x80'], ['PFCOUNT', 'K:s'], ['PFADD', 'K:s', 'a'], ['SET', 'K:s', HDR_SPARSE_STALE + '\x7f\xff\x7f\xff'], ['PFCOUNT', 'K:s'], ['PFADD', 'K:s', 'a'], ['GET', 'K:s'], ['SET', 'K:s', HDR_SPARSE_STALE], ['PFCOUNT', 'K:s'], ['PFADD', 'K:s', 'a'], ['SET', 'K:s', HDR_SPARSE_STALE + '\x7f'], ['PFCOUNT', 'K:s'], ['PFADD', 'K:s', 'a']],
  [['SET', 'K:s', HDR_SPARSE_STALE + '\x3f'.repeat(256)], ['PFCOUNT', 'K:s'], ['PFADD', 'K:s', 'a', 'b', 'c'], ['GET', 'K:s'], ['PFCOUNT', 'K:s'], ['SET', 'K:t', HDR_SPARSE_STALE + '\xff'.repeat(128) + '\x7f\xff'], ['PFCOUNT', 'K:t'], ['PFMERGE', 'K:u', 'K:t']],
  [['SET', 'K:s', HDR_SPARSE_STALE + '\x40\x00'.repeat(16384)], ['PFCOUNT', 'K:s'], ['PFADD', 'K:s', 'a', 'b', 'c'], ['GET', 'K:s'], ['PFMERGE', 'K:s', 'K:nokey'], ['GET', 'K:s']],
  // string commands editing an HLL in between (no stale decoded state)
  [['PFADD', 'K:h', 'a', 'b'], ['PFCOUNT', 'K:h'], ['SETRANGE', 'K:h', '8', '\x07'], ['PFCOUNT', 'K:h'], ['SETRANGE', 'K:h', '15', '\x80'], ['PFCOUNT', 'K:h'], ['APPEND', 'K:h', '\x80'], ['PFCOUNT', 'K:h'], ['PFADD', 'K:h', 'zz'], ['GET', 'K:h'], ['PFADD', 'K:g', ...Array.from({ length: 3000 }, (_, i) => `d${i}`)], ['SETRANGE', 'K:g', '100', '\xff\xff'], ['PFCOUNT', 'K:g'], ['PFADD', 'K:g', 'q'], ['PFCOUNT', 'K:g'], ['SETRANGE', 'K:g', '4', '\x01'], ['PFCOUNT', 'K:g'], ['PFADD', 'K:g', 'w']],
  // wrong number of arguments
  [['PFADD'], ['PFCOUNT'], ['PFMERGE']],
];

function show(s: string): string {
  return JSON.stringify(s.length > 300 ? s.slice(0, 300) + `…(${s.length} bytes)` : s);
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['K:a', 'K:b', 'K:c', 'K:d'];

function buildCommand(pick: <T>(xs: readonly T[]) => T, int: (lo: number, hi: number) => number): string[] {
  const element = () => {
    const r = int(0, 9);
    if (r < 6) return `e${int(0, 200000)}`;
    if (r < 8) return String(int(-1000, 1000));
    let s = '';
    for (let i = int(0, 20); i > 0; i--) s += String.fromCharCode(int(0, 255));
    return s;
  };
  const n = () => (int(0, 9) === 0 ? int(100, 1500) : int(0, 12));
  const gens: (() => string[])[] = [
    () => ['PFADD', pick(KEYS), ...Array.from({ length: n() }, element)],
    () => ['PFADD', pick(KEYS), ...Array.from({ length: n() }, element)],
    () => ['PFADD', pick(KEYS), ...Array.from({ length: n() }, element)],
    () => ['PFCOUNT', pick(KEYS)],
    () => ['PFCOUNT', ...Array.from({ length: int(2, 4) }, () => pick(KEYS))],
    () => ['PFMERGE', pick(KEYS), ...Array.from({ length: int(0, 3) }, () => pick(KEYS))],
    () => ['DEL', pick(KEYS)],
  ];
  return pick(gens)();
}

function randomSequence(rand: () => number, length: number): Seq {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  return Array.from({ length }, () => buildCommand(pick, int));
}

const commandArb = fc.array(fc.nat({ max: 1 << 24 }), { minLength: 40, maxLength: 40 }).map((choices) => {
  let i = 0;
  const next = () => choices[i++ % choices.length]!;
  const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
  const int = (lo: number, hi: number) => lo + (next() % (hi - lo + 1));
  return buildCommand(pick, int);
});

test('PFADD / PFCOUNT / PFMERGE answer and store bytes like redis-server', async (t) => {
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
  let seqNo = 0;

  async function run(seq: Seq, label: string): Promise<void> {
    const prefix = `t${process.pid}:${seqNo++}:`;
    const bound = bind(seq, prefix);
    const fail = (i: number, what: string, mine: string, theirs: string) => {
      const context = seq
        .slice(0, i + 1)
        .map((a) => a.map(show).join(' ').slice(0, 300))
        .join('\n  ');
      assert.fail(`${label}: reply ${i} ${what}\n  ${context}\nredis:   ${show(theirs)}\nredoubt: ${show(mine)}`);
    };
    for (let i = 0; i < bound.length; i++) {
      const argv = bound[i]!;
      const mine = await oc.call(...argv);
      const theirs = await rc.call(...argv);
      compared++;
      if (mine !== theirs) fail(i, 'differs', mine, theirs);
      const cmd = argv[0]!.toUpperCase();
      if (cmd === 'PFADD' || cmd === 'PFCOUNT' || cmd === 'PFMERGE') {
        for (const k of new Set(argv.slice(1))) {
          const a = await oc.call('GET', k);
          const b = await rc.call('GET', k);
          compared++;
          if (a !== b) fail(i, `GET ${show(k)} differs after it`, a, b);
        }
      }
    }
  }

  async function sparseMaxBoth(bytes: string): Promise<void> {
    for (const c of [rc, oc]) assert.equal(await c.call('CONFIG', 'SET', 'hll-sparse-max-bytes', bytes), '+OK\r\n');
  }

  try {
    for (let i = 0; i < CASES.length; i++) await run(CASES[i]!, `case ${i}`);
    assert.ok((await oc.call('HELLO', '3')).startsWith('%'));
    await rc.call('HELLO', '3');
    for (let i = 0; i < CASES.length; i++) await run(CASES[i]!, `case ${i} (RESP3)`);
    await oc.call('HELLO', '2');
    await rc.call('HELLO', '2');

    const seed = Number(process.env['HLL_DIFF_SEED'] ?? 20261127);
    const rand = prng(seed);
    try {
      for (const limit of ['3000', '300', '40', '0', '20000']) {
        await sparseMaxBoth(limit);
        for (let i = 0; i < 25; i++) await run(randomSequence(rand, 20), `random sequence ${i} (hll-sparse-max-bytes ${limit}, seed ${seed})`);
      }
      await sparseMaxBoth('3000');
      await fc.assert(
        fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 15 }), async (seq) => {
          await run(seq, 'fast-check sequence');
        }),
        { numRuns: 40, seed },
      );
      // sparse limit changed between edits of the same key
      await sparseMaxBoth('100000');
      const grow: Seq = [];
      for (let i = 0; i < 30; i++) grow.push(['PFADD', 'K:g', ...Array.from({ length: 100 }, (_, j) => `g${i * 100 + j}`)]);
      grow.push(['PFCOUNT', 'K:g']);
      await run(grow, 'large sparse');
      await sparseMaxBoth('3000');
      await run([['PFADD', 'K:g', 'one more'], ['PFADD', 'K:g', 'x1', 'x2', 'x3'], ['PFCOUNT', 'K:g']].map((a) => a), 'large sparse, lower limit');
    } finally {
      await sparseMaxBoth('3000');
    }

    // error bound: 100k distinct elements, the estimate equals Redis's and is within 3 standard errors
    const key = `t${process.pid}:big`;
    for (let i = 0; i < 100000; i += 2000) {
      const batch = Array.from({ length: 2000 }, (_, j) => `element:${i + j}`);
      assert.equal(await oc.call('PFADD', key, ...batch), await rc.call('PFADD', key, ...batch));
    }
    const mine = await oc.call('PFCOUNT', key);
    assert.equal(mine, await rc.call('PFCOUNT', key));
    assert.equal(await oc.call('GET', key), await rc.call('GET', key));
    const estimate = Number(mine.slice(1, -2));
    const relErr = Math.abs(estimate - 100000) / 100000;
    t.diagnostic(`100k distinct elements estimated as ${estimate} (error ${(relErr * 100).toFixed(3)}%)`);
    assert.ok(relErr < 3 * 0.0081, `error ${relErr} beyond 3 x 0.81%`);
    t.diagnostic(`compared ${compared} replies and GETs byte for byte`);
    assert.ok(compared > 3000, `too few comparisons: ${compared}`);
  } finally {
    rc.close();
    oc.close();
    await srv.close();
    await oracle.stop();
  }
});
