/**
 * Differential test of the keyspace commands: the same command sequences against a real
 * redis-server and Redoubt, replies compared byte for byte. Hand-written edge cases first,
 * then seeded random sequences (the seed is printed on a mismatch so it can be replayed).
 *
 * Normalisations, and why:
 *  - KEYS: the order of keys is unspecified, so both replies are sorted.
 *  - SCAN: cursors are implementation-defined, so a sequence says `SCANALL <options>`, which
 *    runs a whole iteration on each side and compares the sorted union of returned keys.
 *  - TTL/PTTL: the two servers read their clocks at slightly different moments, so
 *    non-negative results may differ by 2 s / 2000 ms. -1 and -2 must still be identical.
 * RANDOMKEY (random) and OBJECT IDLETIME (timing) stay out of random sequences.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient, replyEnd } from '../helpers/raw-client.js';
import { findRedisServer, startRedisOracle, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';

const haveOracle = findRedisServer() !== null;
if (!haveOracle) console.warn(`\n*** keyspace-diff: ${NO_ORACLE_MESSAGE} ***\n`);

/** Elements of an array reply as raw RESP strings, or null when it is not an array. */
function arrayItems(raw: string): string[] | null {
  if (!raw.startsWith('*')) return null;
  const nl = raw.indexOf('\r\n');
  const n = Number(raw.slice(1, nl));
  if (n < 0) return null;
  const items: string[] = [];
  let p = nl + 2;
  for (let i = 0; i < n; i++) {
    const end = replyEnd(raw, p);
    items.push(raw.slice(p, end));
    p = end;
  }
  return items;
}

function bulkText(item: string): string {
  const nl = item.indexOf('\r\n');
  return item.slice(nl + 2, item.length - 2);
}

function sortedArray(items: string[]): string {
  return `*${items.length}\r\n${[...items].sort().join('')}`;
}

/** One command against one server, normalised as described above. */
async function run(c: RawClient, argv: string[]): Promise<string> {
  const name = argv[0]!.toUpperCase();
  if (name === 'SCANALL') {
    let cursor = '0';
    const keys: string[] = [];
    for (let guard = 0; guard < 100_000; guard++) {
      const r = await c.call('SCAN', cursor, ...argv.slice(1));
      const top = arrayItems(r);
      if (top === null) return r;
      cursor = bulkText(top[0]!);
      keys.push(...arrayItems(top[1]!)!);
      if (cursor === '0') return sortedArray(keys);
    }
    return 'SCAN did not finish';
  }
  const r = await c.call(...argv);
  if (name === 'KEYS') {
    const items = arrayItems(r);
    return items === null ? r : sortedArray(items);
  }
  return r;
}

/**
 * Replies that depend on the moment each server read its clock: TTL and PTTL always; in random
 * sequences also EXPIRETIME/PEXPIRETIME, which may read back an expiry set relative to "now".
 */
function closeEnough(argv: string[], a: string, b: string, clockReads: boolean): boolean {
  if (a === b) return true;
  const name = argv[0]!.toUpperCase();
  const ms = name === 'PTTL' || (clockReads && name === 'PEXPIRETIME');
  const s = name === 'TTL' || (clockReads && name === 'EXPIRETIME');
  const tolerance = ms ? 2000 : s ? 2 : -1;
  if (tolerance < 0) return false;
  const m1 = /^:(\d+)\r\n$/.exec(a);
  const m2 = /^:(\d+)\r\n$/.exec(b);
  return m1 !== null && m2 !== null && Math.abs(Number(m1[1]) - Number(m2[1])) <= tolerance;
}

const show = (s: string) => JSON.stringify(s);

interface Pair {
  ours: RawClient;
  theirs: RawClient;
}

/** Runs a sequence from a clean slate; throws with the whole history on the first mismatch. */
async function compare(pair: Pair, label: string, seq: string[][], clockReads = false): Promise<number> {
  await Promise.all([pair.ours.call('FLUSHALL'), pair.theirs.call('FLUSHALL')]);
  await Promise.all([pair.ours.call('SELECT', '0'), pair.theirs.call('SELECT', '0')]);
  const history: string[] = [];
  for (const argv of seq) {
    const [a, b] = await Promise.all([run(pair.ours, argv), run(pair.theirs, argv)]);
    history.push(`${argv.map(show).join(' ')} -> ${show(b)}`);
    if (!closeEnough(argv, a, b, clockReads)) {
      assert.fail(`${label}: replies differ for ${argv.map(show).join(' ')}\n redoubt: ${show(a)}\n   redis: ${show(b)}\nhistory:\n  ${history.slice(-25).join('\n  ')}`);
    }
  }
  return seq.length;
}

const NOW_S = Math.floor(Date.now() / 1000);
const FAR_S = String(NOW_S + 10 * 365 * 86400);
const FAR_MS = String((NOW_S + 10 * 365 * 86400) * 1000 + 123);

/** Hand-written edge cases, one sequence each (a sequence starts from empty databases). */
const EDGE_CASES: string[][][] = [
  // DEL / UNLINK / EXISTS / TYPE
  [['SET', 'a', '1'], ['SET', 'b', '2'], ['EXISTS', 'a', 'a', 'b', 'zz'], ['DEL', 'a', 'a', 'zz'], ['UNLINK', 'b', 'c'], ['EXISTS', 'a', 'b'], ['DEL'], ['UNLINK'], ['EXISTS']],
  [['SET', 'k', 'v'], ['TYPE', 'k'], ['TYPE', 'zz'], ['TYPE'], ['TYPE', 'a', 'b']],
  // KEYS and glob corners
  [
    ['SET', '', 'empty'], ['SET', 'a', '1'], ['SET', 'ab', '1'], ['SET', '\\', '1'], ['SET', ']', '1'], ['SET', '-', '1'], ['SET', '\xe9', '1'], ['SET', 'b', '1'], ['SET', '*', '1'],
    ['KEYS', '*'], ['KEYS', '**'], ['KEYS', '?'], ['KEYS', ''], ['KEYS', '[a-]'], ['KEYS', '[\\'], ['KEYS', '[\\\\]'], ['KEYS', '['], ['KEYS', '[^'], ['KEYS', '[]'], ['KEYS', '[^]'],
    ['KEYS', '[z-a]'], ['KEYS', '[a-\xff]'], ['KEYS', '[\x80-a]'], ['KEYS', '[\xff-\x80]'], ['KEYS', '\\*'], ['KEYS', 'a\\'], ['KEYS', '[ab'], ['KEYS', 'a*b*'], ['KEYS', '*\\'], ['KEYS', '[]a]'], ['KEYS', '[\\]]'],
    ['KEYS'], ['KEYS', 'a', 'b'],
  ],
  [['SET', 'a'.repeat(1001) + 'b', '1'], ['KEYS', '*a'.repeat(999) + '*b'], ['KEYS', '*a'.repeat(1000) + '*b'], ['KEYS', '*a'.repeat(1000) + '*'], ['KEYS', '*a'.repeat(1000) + '*?'], ['KEYS', '*a'.repeat(30) + '*c']],
  // SCAN
  [
    ['SET', '', 'e'], ['SET', 'k1', 'v'], ['SET', 'k2', 'v'], ['SET', 'x', 'v'],
    ['SCANALL'], ['SCANALL', 'MATCH', 'k*'], ['SCANALL', 'MATCH', '*'], ['SCANALL', 'COUNT', '1'], ['SCANALL', 'TYPE', 'string'], ['SCANALL', 'TYPE', 'STRING', 'MATCH', 'x'], ['SCANALL', 'TYPE', 'list'], ['SCANALL', 'TYPE', 'nosuch'],
    ['SCAN', 'x'], ['SCAN', ' 0'], ['SCAN', '0x'], ['SCAN', '1.5'], ['SCAN', '18446744073709551616'], ['SCAN', 'x', 'COUNT', '0'], ['SCAN', '0', 'COUNT', '0'], ['SCAN', '0', 'COUNT', '-1'], ['SCAN', '0', 'COUNT', 'x'],
    ['SCAN', '0', 'COUNT', '99999999999999999999'], ['SCAN', '0', 'MATCH'], ['SCAN', '0', 'FOO', 'x'], ['SCAN', '0', 'COUNT'], ['SCAN'], ['SCANALL', 'COUNT', '9223372036854775807'],
  ],
  // RANDOMKEY with zero or one key only (deterministic)
  [['RANDOMKEY'], ['SET', 'only', '1'], ['RANDOMKEY'], ['RANDOMKEY', 'x']],
  // RENAME / RENAMENX
  [
    ['SET', 'a', '1'], ['EXPIRE', 'a', '1000'], ['SET', 'b', '2'], ['RENAME', 'a', 'b'], ['GET', 'b'], ['TTL', 'b'], ['EXISTS', 'a'], ['RENAME', 'nope', 'x'], ['RENAME', 'nope', 'nope'], ['RENAMENX', 'nope', 'x'],
    ['RENAME', 'b', 'b'], ['RENAMENX', 'b', 'b'], ['SET', 'c', '3'], ['RENAMENX', 'b', 'c'], ['RENAMENX', 'b', 'd'], ['GET', 'd'], ['TTL', 'd'], ['SET', 'e', 'v'], ['EXPIRE', 'e', '500'], ['RENAME', 'c', 'e'], ['TTL', 'e'], ['RENAME', 'a'],
  ],
  // COPY
  [
    ['SET', 's', 'hello'], ['PEXPIREAT', 's', FAR_MS], ['COPY', 's', 'd'], ['PEXPIRETIME', 'd'], ['COPY', 's', 'd'], ['COPY', 's', 'd', 'REPLACE'], ['COPY', 's', 's'], ['COPY', 'zz', 'zz'], ['COPY', 'zz', 'y'],
    ['COPY', 's', 's', 'DB', '1'], ['COPY', 's', 's', 'DB', '1'], ['COPY', 's', 's', 'db', '1', 'replace'], ['COPY', 's', 's', 'DB', '0'], ['COPY', 's', 'x', 'DB', '16'], ['COPY', 's', 'x', 'DB', '-1'], ['COPY', 's', 'x', 'DB', 'x'],
    ['COPY', 's', 'x', 'DB', '99999999999'], ['COPY', 's', 'x', 'DB'], ['COPY', 's', 'x', 'REPLACE', 'FOO'], ['COPY', 's', 'x', 'DB', '16', 'FOO'], ['COPY', 's', 'x', 'FOO', 'DB', '16'], ['COPY', 's'],
    ['SELECT', '1'], ['GET', 's'], ['PEXPIRETIME', 's'], ['SET', 'n', '5'], ['COPY', 'n', 'n2'], ['OBJECT', 'ENCODING', 'n2'], ['OBJECT', 'REFCOUNT', 'n2'], ['OBJECT', 'REFCOUNT', 'n'],
  ],
  // MOVE
  [
    ['SET', 'k', 'v'], ['EXPIREAT', 'k', FAR_S], ['MOVE', 'k', '1'], ['EXISTS', 'k'], ['MOVE', 'k', '1'], ['SELECT', '1'], ['EXPIRETIME', 'k'], ['MOVE', 'k', '1'], ['MOVE', 'k', '16'], ['MOVE', 'k', '-1'],
    ['MOVE', 'k', 'x'], ['MOVE', 'k', '2147483648'], ['SET', 'k2', 'v'], ['SELECT', '0'], ['SET', 'k2', 'mine'], ['SELECT', '1'], ['MOVE', 'k2', '0'], ['GET', 'k2'], ['MOVE', 'zz', '0'], ['MOVE', 'k'],
  ],
  // SWAPDB
  [
    ['SET', 'in0', 'x'], ['SELECT', '1'], ['SET', 'in1', 'y'], ['SWAPDB', '0', '1'], ['GET', 'in0'], ['GET', 'in1'], ['SWAPDB', '1', '1'], ['SWAPDB', '0', '16'], ['SWAPDB', '-1', '0'], ['SWAPDB', 'x', '0'],
    ['SWAPDB', '0', 'y'], ['SWAPDB', 'x', 'y'], ['SWAPDB', '0', '2147483648'], ['SWAPDB', '0'], ['DBSIZE'], ['SELECT', '0'], ['DBSIZE'],
  ],
  // TOUCH / DBSIZE / FLUSHDB / FLUSHALL
  [
    ['SET', 'a', '1'], ['SET', 'b', '1'], ['TOUCH', 'a', 'a', 'b', 'zz'], ['TOUCH'], ['DBSIZE'], ['DBSIZE', 'x'], ['SELECT', '2'], ['SET', 'c', '1'], ['FLUSHDB'], ['DBSIZE'], ['SET', 'c', '1'], ['FLUSHDB', 'ASYNC'],
    ['SET', 'c', '1'], ['FLUSHDB', 'sync'], ['FLUSHDB', 'now'], ['FLUSHDB', 'async', 'x'], ['SELECT', '0'], ['DBSIZE'], ['FLUSHALL', 'x'], ['FLUSHALL', 'SYNC', 'SYNC'], ['FLUSHALL', 'ASYNC'], ['DBSIZE'], ['SET', 'a', '1'], ['FLUSHALL'], ['DBSIZE'],
  ],
  // EXPIRE family
  [
    ['SET', 'k', 'v'], ['TTL', 'k'], ['PTTL', 'k'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'], ['TTL', 'zz'], ['PTTL', 'zz'], ['EXPIRETIME', 'zz'], ['PEXPIRETIME', 'zz'],
    // GT/LT ties are compared on absolute times: relative ones depend on the millisecond each server reads.
    ['EXPIRE', 'k', '100', 'XX'], ['EXPIRE', 'k', '100', 'GT'], ['EXPIRE', 'k', '100', 'LT'], ['EXPIRE', 'k', '200', 'NX'], ['EXPIRE', 'k', '200', 'GT'],
    ['EXPIREAT', 'k', FAR_S, 'GT'], ['EXPIREAT', 'k', FAR_S, 'gt'], ['EXPIREAT', 'k', FAR_S, 'LT'], ['PEXPIREAT', 'k', FAR_MS, 'GT'], ['EXPIRE', 'k', '300', 'LT'], ['EXPIRE', 'k', '50', 'lt'],
    ['EXPIRE', 'k', '60', 'xx', 'gt'], ['TTL', 'k'], ['PERSIST', 'k'], ['PERSIST', 'k'], ['PERSIST', 'zz'], ['EXPIRE', 'k', '10', 'NX'], ['EXPIRE', 'zz', '10'],
    ['EXPIRE', 'k', '1', 'NX', 'XX'], ['EXPIRE', 'k', '1', 'gt', 'nx'], ['EXPIRE', 'k', '1', 'GT', 'LT'], ['EXPIRE', 'k', '1', 'LT', 'GT', 'NX'], ['EXPIRE', 'k', '1', 'foo'], ['EXPIRE', 'k', 'x', 'foo'], ['EXPIRE', 'k', '1', 'a\r\nb'],
    ['EXPIRE', 'k', '1', 'nx\0junk'], ['EXPIRE', 'k', 'x'], ['EXPIRE', 'k', '1.5'], ['EXPIRE', 'k', ''], ['EXPIRE', 'k', '+5'], ['EXPIRE', 'k', '05'],
    ['PEXPIREAT', 'k', '9223372036854775808'], ['EXPIRE', 'k', '9223372036854775'], ['EXPIREAT', 'k', '9223372036854776'], ['EXPIREAT', 'k', '-9223372036854776'], ['PEXPIRE', 'k', '9223372036854775807'],
    ['PEXPIRE', 'zz', '9223372036854775807'], ['EXPIREAT', 'k', '9223372036854775'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', '9223372036854775807'], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'], ['PEXPIREAT', 'k', '9007199254740993'], ['PEXPIRETIME', 'k'], ['EXPIREAT', 'k', FAR_S, 'GT'], ['PEXPIREAT', 'k', FAR_MS, 'LT'], ['PEXPIRETIME', 'k'],
    ['EXPIRE', 'k'], ['TTL'], ['PERSIST', 'a', 'b'],
  ],
  [
    ['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', 'c', '3'], ['SET', 'd', '4'], ['SET', 'e', '5'], ['EXPIRE', 'a', '-1'], ['PEXPIRE', 'b', '0'], ['EXPIREAT', 'c', '1000000000'], ['PEXPIREAT', 'd', '1'],
    ['EXPIREAT', 'e', '-9223372036854775'], ['EXISTS', 'a', 'b', 'c', 'd', 'e'], ['DBSIZE'], ['EXPIRE', 'missing', '-1'], ['SET', 'f', 'v'], ['EXPIRE', 'f', '-1', 'NX'], ['EXISTS', 'f'],
    ['SET', 'g', 'v'], ['EXPIRE', 'g', '-1', 'GT'], ['EXISTS', 'g'], ['EXPIRE', 'g', '-1', 'LT'], ['EXISTS', 'g'],
  ],
  [['SET', 'k', 'v', 'EX', '100'], ['SET', 'k', 'w'], ['TTL', 'k'], ['EXPIRE', 'k', '100'], ['COPY', 'k', 'c'], ['RENAME', 'k', 'r'], ['MOVE', 'c', '1'], ['TTL', 'r'], ['SELECT', '1'], ['TTL', 'c']],
  // OBJECT
  [
    ['SET', 'i', '12345'], ['SET', 'min', '-9223372036854775808'], ['SET', 'max', '9223372036854775807'], ['SET', 'over', '9223372036854775808'], ['SET', 'zero', '0'], ['SET', 'mz', '-0'], ['SET', 'lead', '007'],
    ['SET', 'plus', '+1'], ['SET', 'sp', ' 1'], ['SET', 'empty', ''], ['SET', 'e44', 'x'.repeat(44)], ['SET', 'r45', 'x'.repeat(45)], ['SET', 'small', '9999'], ['SET', 'big', '10000'], ['SET', 'neg', '-1'],
    ['OBJECT', 'ENCODING', 'i'], ['OBJECT', 'ENCODING', 'min'], ['OBJECT', 'ENCODING', 'max'], ['OBJECT', 'ENCODING', 'over'], ['OBJECT', 'ENCODING', 'zero'], ['OBJECT', 'ENCODING', 'mz'], ['OBJECT', 'ENCODING', 'lead'],
    ['OBJECT', 'ENCODING', 'plus'], ['OBJECT', 'ENCODING', 'sp'], ['OBJECT', 'ENCODING', 'empty'], ['OBJECT', 'ENCODING', 'e44'], ['OBJECT', 'ENCODING', 'r45'], ['OBJECT', 'ENCODING', 'zz'],
    ['OBJECT', 'REFCOUNT', 'small'], ['OBJECT', 'REFCOUNT', 'big'], ['OBJECT', 'REFCOUNT', 'neg'], ['OBJECT', 'REFCOUNT', 'e44'], ['OBJECT', 'REFCOUNT', 'zz'], ['OBJECT', 'FREQ', 'i'], ['OBJECT', 'FREQ', 'zz'], ['OBJECT', 'IDLETIME', 'zz'],
    ['OBJECT', 'HELP'], ['object', 'help'], ['oBjEcT', 'HeLp'], ['OBJECT', 'foo'], ['OBJECT'], ['OBJECT', 'encoding'], ['OBJECT', 'help', 'x'], ['OBJECT', 'ENCODING', 'a', 'b'],
  ],
];

test('keyspace differential: hand-written edge cases against redis-server', { skip: haveOracle ? false : NO_ORACLE_MESSAGE }, async () => {
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const pair: Pair = { ours: await RawClient.connect(srv.port), theirs: await RawClient.connect(oracle.port) };
  try {
    let n = 0;
    for (let i = 0; i < EDGE_CASES.length; i++) n += await compare(pair, `edge case #${i}`, EDGE_CASES[i]!);
    assert.ok(n > 300, `compared ${n} commands`);
  } finally {
    pair.ours.close();
    pair.theirs.close();
    await srv.close();
    await oracle.stop();
  }
});

/** mulberry32: small, seedable, good enough to pick commands. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'c', 'k1', 'k2', 'user:1', 'user:2', '\xff\x00', '', '5'];
const VALUES = ['v', '1', '0', '-1', '9999', '10000', 'x'.repeat(44), 'x'.repeat(45), '12345678901234567890', '-9223372036854775808', '3.0', ''];
const PATTERN_CHARS = ['a', 'b', 'k', 'u', '*', '*', '?', '[', ']', '^', '-', '\\', ':', '1', '\xff', '\x00'];
const EXPIRE_TIMES = ['-1', '0', '1000', '2000', '100000', 'x', '9223372036854775807', '-9223372036854775808', '5000'];

function randomSequence(seed: number, length: number): string[][] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const key = () => pick(KEYS);
  const keysN = () => Array.from({ length: 1 + Math.floor(r() * 3) }, key);
  const pattern = () => Array.from({ length: Math.floor(r() * 6) }, () => pick(PATTERN_CHARS)).join('');
  const db = () => pick(['0', '1', '2', '0', '1', '16', 'x', '-1']);
  // GT/LT only with absolute times: a tie between two relative times depends on the
  // millisecond each server reads, which differs between the two.
  const expireOpts = (all = true) => {
    const opts = all ? ['NX', 'XX', 'GT', 'LT'] : ['NX', 'XX'];
    return r() < 0.6 ? [] : r() < 0.8 ? [pick(opts)] : [pick(opts), pick([...opts, 'bad'])];
  };
  const absSeconds = () => pick(['1000000000', FAR_S, String(NOW_S + 3600), '9223372036854775', 'x']);
  const absMs = () => pick(['1000000000000', FAR_MS, String((NOW_S + 7200) * 1000), '9223372036854775807', '9007199254740993']);
  const gens: (() => string[])[] = [
    () => ['SET', key(), pick(VALUES)],
    () => ['SET', key(), pick(VALUES)],
    () => ['SET', key(), pick(VALUES), 'EX', '1000'],
    () => ['GET', key()],
    () => ['DEL', ...keysN()],
    () => ['UNLINK', ...keysN()],
    () => ['EXISTS', ...keysN()],
    () => ['TYPE', key()],
    () => ['KEYS', pattern()],
    () => ['SCANALL', ...(r() < 0.5 ? ['MATCH', pattern()] : []), ...(r() < 0.5 ? ['COUNT', pick(['1', '3', '100'])] : []), ...(r() < 0.3 ? ['TYPE', pick(['string', 'list', 'STRING'])] : [])],
    () => ['RENAME', key(), key()],
    () => ['RENAMENX', key(), key()],
    () => ['COPY', key(), key(), ...(r() < 0.4 ? ['DB', db()] : []), ...(r() < 0.4 ? ['REPLACE'] : [])],
    () => ['MOVE', key(), db()],
    () => ['SWAPDB', db(), db()],
    () => ['SELECT', pick(['0', '1', '2', '0'])],
    () => ['TOUCH', ...keysN()],
    () => ['EXPIRE', key(), pick(EXPIRE_TIMES), ...expireOpts(false)],
    () => ['PEXPIRE', key(), pick(EXPIRE_TIMES) + (r() < 0.5 ? '000' : ''), ...expireOpts(false)],
    () => ['EXPIREAT', key(), absSeconds(), ...expireOpts()],
    () => ['PEXPIREAT', key(), absMs(), ...expireOpts()],
    () => ['TTL', key()],
    () => ['PTTL', key()],
    () => ['EXPIRETIME', key()],
    () => ['PEXPIRETIME', key()],
    () => ['PERSIST', key()],
    () => ['OBJECT', pick(['ENCODING', 'REFCOUNT', 'FREQ', 'encoding']), key()],
    () => ['DBSIZE'],
    () => (r() < 0.3 ? ['FLUSHDB', ...(r() < 0.5 ? [pick(['ASYNC', 'SYNC', 'bad'])] : [])] : ['DBSIZE']),
    () => (r() < 0.1 ? ['FLUSHALL'] : ['EXISTS', key()]),
  ];
  return Array.from({ length }, () => pick(gens)());
}

test('keyspace differential: seeded random sequences against redis-server', { skip: haveOracle ? false : NO_ORACLE_MESSAGE }, async () => {
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const pair: Pair = { ours: await RawClient.connect(srv.port), theirs: await RawClient.connect(oracle.port) };
  const base = Number(process.env['KEYSPACE_DIFF_SEED'] ?? 1000);
  try {
    let n = 0;
    for (let s = base; s < base + 40; s++) n += await compare(pair, `random sequence, seed ${s} (KEYSPACE_DIFF_SEED=${s} replays it first)`, randomSequence(s, 120), true);
    assert.equal(n, 40 * 120);
  } finally {
    pair.ours.close();
    pair.theirs.close();
    await srv.close();
    await oracle.stop();
  }
});

test('keyspace differential: random glob patterns through KEYS against redis-server', { skip: haveOracle ? false : NO_ORACLE_MESSAGE }, async () => {
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const pair: Pair = { ours: await RawClient.connect(srv.port), theirs: await RawClient.connect(oracle.port) };
  try {
    const r = rng(99);
    const alphabet = ['a', 'b', 'A', 'z', '-', ']', '[', '^', '\\', '*', '?', '\x00', '\x80', '\xe9', '\xff', '_'];
    const pchars = [...alphabet, '*', '*', '?', '['];
    const seq: string[][] = [];
    for (let i = 0; i < 60; i++) {
      const len = 1 + Math.floor(r() * 5);
      seq.push(['SET', Array.from({ length: len }, () => alphabet[Math.floor(r() * alphabet.length)]!).join(''), 'v']);
    }
    for (let i = 0; i < 1500; i++) {
      const len = Math.floor(r() * 8);
      seq.push(['KEYS', Array.from({ length: len }, () => pchars[Math.floor(r() * pchars.length)]!).join('')]);
    }
    assert.equal(await compare(pair, 'glob patterns', seq), 1560);
  } finally {
    pair.ours.close();
    pair.theirs.close();
    await srv.close();
    await oracle.stop();
  }
});
