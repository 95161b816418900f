/**
 * Differential test of glob matching through every command family that matches: the same
 * binary key set, fields, members and channels on a real redis-server and on Redoubt, then
 * tricky and seeded random patterns through KEYS, SCAN/HSCAN/SSCAN/ZSCAN MATCH, PUBSUB
 * CHANNELS and (case-insensitive) COMMAND LIST FILTERBY PATTERN, results compared as sets.
 * keyspace-diff.test.ts covers KEYS on short random patterns; this adds the other callers,
 * the nocase path, long classes and patterns thousands of tokens long.
 *
 * COMMAND LIST differs between the two servers in which commands exist (7.0 vs 7.2), so
 * its results are compared on the commands both servers know.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient, replyEnd } from '../helpers/raw-client.js';
import { findRedisServer, startRedisOracle, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';
import { prng, show } from '../helpers/diff-support.js';

const haveOracle = findRedisServer() !== null;
if (!haveOracle) console.warn(`\n*** glob-diff: ${NO_ORACLE_MESSAGE} ***\n`);

/** Binary names every collection holds: metacharacters, case pairs, high bytes, NUL. */
const NAMES = [
  'a', 'b', 'A', 'B', 'z', 'Z', 'm', '_', ']', '[', '^', '-', '\\', '*', '?', '\x00', '\x80', '\xe9', '\xff', '\xc9',
  'ab', 'aB', 'Ab', 'a]', ']a', 'a-', '-a', '[a', 'a\\', '\\a', 'a*', '*a', 'a?', '\x00a', 'a\x00', '\xffa', 'a\xff',
  'hello', 'hallo', 'hllo', 'heeello', 'user:42:name', 'user:42:names', 'app:1', 'k\x00\xff', 'aaaa', 'abab', 'zzz',
];

/** Hand-picked patterns: every branch of stringmatchlen, quirks included. */
const TRICKY = [
  '*', '**', '?', '??', '*?', '?*', 'a*', '*a', '*a*', 'a*b', 'a**', 'a*?', '\\*', '\\?', '\\[', '\\\\', 'a\\', '\\', '*\\',
  '[', '[^', '[]', '[^]', '[]a]', '[\\]]', '[\\', '[\\\\]', '[\\-a]', '[a-]', '[-a]', '[a-b', '[ab', '[^ab]', '[!a]',
  '[z-a]', '[a-z]', '[A-Z]', '[Z-a]', '[a-\xff]', '[\x80-a]', '[\xff-\x80]', '[\x00-a]', '[\x00]', '[^\x00]', '[]-a]',
  '[a-]]', '[[]', '[[-]]', '[^-]', '[\\^a]', '[^^]', '[a^]', 'h[ae]llo', 'h[^e]llo', 'h*llo', 'h?llo', 'user:*:name',
  '[a-z]*:[0-9]*', '*[a]', '[a][a][a][a]', '*[ab]*[ab]', '[\xe9]', '[\xc9-\xe9]', '\\[a', '[a\\]', 'k\x00*', '*\x00*',
];

/** Elements of an array reply as raw RESP strings, or null when it is not an array. */
function arrayItems(raw: string): string[] | null {
  if (!raw.startsWith('*')) return null;
  const nl = raw.indexOf('\r\n');
  const n = Number(raw.slice(1, nl));
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

/** Runs a whole SCAN-family iteration (`head` is e.g. ['HSCAN', 'h']) and returns the sorted names. */
async function scanAll(c: RawClient, head: string[], pattern: string, pairs: boolean): Promise<string> {
  let cursor = '0';
  const names: string[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const r = await call(c, [...head, cursor, 'MATCH', pattern, 'COUNT', '7']);
    const top = arrayItems(r);
    if (top === null) return r;
    cursor = bulkText(top[0]!);
    const items = arrayItems(top[1]!)!.map(bulkText);
    for (let i = 0; i < items.length; i += pairs ? 2 : 1) names.push(items[i]!);
    if (cursor === '0') return JSON.stringify(names.sort());
  }
  return 'SCAN did not finish';
}

/** One request, allowing for slow pathological patterns (the default read timeout is 2 s). */
async function call(c: RawClient, argv: string[]): Promise<string> {
  c.write(RawClient.encode(argv));
  return c.readReply(30_000);
}

async function sortedNames(c: RawClient, argv: string[]): Promise<string> {
  const r = await call(c, argv);
  const items = arrayItems(r);
  return items === null ? r : JSON.stringify(items.map(bulkText).sort());
}

interface Side {
  c: RawClient;
  sub: RawClient;
}

async function populate(side: Side): Promise<void> {
  const { c, sub } = side;
  for (const n of NAMES) {
    assert.equal(await c.call('SET', n, 'v'), '+OK\r\n');
    await c.call('HSET', 'h', n, 'v');
    await c.call('SADD', 's', n);
    await c.call('ZADD', 'z', '1', n);
  }
  // a large set and hash, so SCAN walks a real table rather than a listpack
  for (let i = 0; i < 200; i++) {
    await c.call('SADD', 'bigs', `m${i}`);
    await c.call('HSET', 'bigh', `f${i}`, 'v');
  }
  sub.write(RawClient.encode(['SUBSCRIBE', ...NAMES]));
  for (let i = 0; i < NAMES.length; i++) await sub.readReply();
}

/** Every matching command for one pattern, on one server. */
async function answers(side: Side, pattern: string): Promise<Record<string, string>> {
  const { c } = side;
  return {
    keys: await sortedNames(c, ['KEYS', pattern]),
    scan: await scanAll(c, ['SCAN'], pattern, false),
    hscan: await scanAll(c, ['HSCAN', 'h'], pattern, true),
    sscan: await scanAll(c, ['SSCAN', 's'], pattern, false),
    zscan: await scanAll(c, ['ZSCAN', 'z'], pattern, true),
    bigsscan: await scanAll(c, ['SSCAN', 'bigs'], pattern, false),
    pubsub: await sortedNames(c, ['PUBSUB', 'CHANNELS', pattern]),
  };
}

test('glob differential: tricky and random patterns through KEYS, SCAN family and PUBSUB CHANNELS', { skip: haveOracle ? false : NO_ORACLE_MESSAGE }, async () => {
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const ours: Side = { c: await RawClient.connect(srv.port), sub: await RawClient.connect(srv.port) };
  const theirs: Side = { c: await RawClient.connect(oracle.port), sub: await RawClient.connect(oracle.port) };
  try {
    await populate(ours);
    await populate(theirs);
    const r = prng(Number(process.env['GLOB_DIFF_SEED'] ?? 11));
    const alphabet = ['a', 'b', 'A', 'z', 'Z', '-', ']', '[', '^', '\\', '*', '?', '\x00', '\x80', '\xe9', '\xff', '_', 'm'];
    const random: string[] = [];
    for (let i = 0; i < 250; i++) {
      const len = 1 + Math.floor(r() * 9);
      random.push(Array.from({ length: len }, () => alphabet[Math.floor(r() * alphabet.length)]!).join(''));
    }
    let compared = 0;
    let matchedSomething = 0;
    for (const pattern of [...TRICKY, ...random]) {
      const a = await answers(ours, pattern);
      const b = await answers(theirs, pattern);
      assert.deepEqual(a, b, `pattern ${show(pattern)}`);
      if (a['keys'] !== '[]') matchedSomething++;
      compared++;
    }
    assert.equal(compared, TRICKY.length + 250);
    assert.ok(matchedSomething > 60, `only ${matchedSomething} patterns matched anything: the comparison would be weak`);
  } finally {
    for (const s of [ours, theirs]) {
      s.c.close();
      s.sub.close();
    }
    await srv.close();
    await oracle.stop();
  }
});

test('glob differential: long patterns (over a thousand classes, long classes, 1000+ stars) answer as redis-server', { skip: haveOracle ? false : NO_ORACLE_MESSAGE }, async () => {
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const ours = await RawClient.connect(srv.port);
  const theirs = await RawClient.connect(oracle.port);
  try {
    const n = 1200;
    const keys = ['a'.repeat(n), 'a'.repeat(n - 1) + 'b', 'b' + 'a'.repeat(n - 1), 'a'.repeat(1001) + 'b', 'a'.repeat(n + 1), 'a'.repeat(50)];
    for (const k of keys) {
      assert.equal(await ours.call('SET', k, 'v'), '+OK\r\n');
      assert.equal(await theirs.call('SET', k, 'v'), '+OK\r\n');
    }
    const longClass = '[' + 'xyz'.repeat(2000) + 'a]';
    const patterns = [
      '[a]'.repeat(n),
      '[a]'.repeat(n - 1) + '[b]',
      '[^b]'.repeat(n),
      '[a-a]'.repeat(n),
      '[\\a]'.repeat(n),
      '*' + '[a]'.repeat(n - 1),
      '[a]*'.repeat(1200) + '[b]',
      longClass.repeat(10) + '*',
      '*' + longClass,
      longClass.repeat(50),
      longClass.repeat(49) + '[^a]',
      '*?'.repeat(1200),
      '*a'.repeat(999) + '*b',
      '*a'.repeat(1000) + '*b',
      '*a'.repeat(1000) + '*',
      '*[a]'.repeat(1000) + '*[b]',
      '[b]' + '*'.repeat(5000),
      '[' + 'a'.repeat(5000),
    ];
    let hits = 0;
    for (const p of patterns) {
      const a = await sortedNames(ours, ['KEYS', p]);
      const b = await sortedNames(theirs, ['KEYS', p]);
      assert.equal(a, b, `pattern ${show(p)}`);
      if (a !== '[]') hits++;
      assert.equal(await scanAll(ours, ['SCAN'], p, false), await scanAll(theirs, ['SCAN'], p, false), `SCAN MATCH ${show(p)}`);
    }
    assert.ok(hits >= 8, `only ${hits} long patterns matched a key: the comparison would be weak`);
  } finally {
    ours.close();
    theirs.close();
    await srv.close();
    await oracle.stop();
  }
});

test('glob differential: COMMAND LIST FILTERBY PATTERN (case-insensitive matching) on the commands both servers have', { skip: haveOracle ? false : NO_ORACLE_MESSAGE }, async () => {
  const oracle = await startRedisOracle();
  const srv = await startTestServer();
  const ours = await RawClient.connect(srv.port);
  const theirs = await RawClient.connect(oracle.port);
  try {
    const all = async (c: RawClient) => new Set<string>(JSON.parse(await sortedNames(c, ['COMMAND', 'LIST'])) as string[]);
    const a = await all(ours);
    const b = await all(theirs);
    const common = new Set([...a].filter((x) => b.has(x)));
    assert.ok(common.size > 150, `only ${common.size} commands in common`);
    const patterns = [
      '*', 'GET*', 'get*', '[G]ET', '[g-h]*', '[G-H]*', '[Z-a]*', '[^a-z]*', 'z*', 'Z*', '*|*', 'CLIENT|*', 'client|[K-L]*',
      '*[A-Z]', '[\\G]et', '[\\g]et', '?????', 'x[a-Z]*', '[a-]*', 'H[!E]*', '\\G*', 's[^E]t', 'Config|get', '*ECT',
      // long classes (compiled to membership sets), folded
      '[' + 'qwx'.repeat(100) + 'G]E[' + 'a-d'.repeat(100) + 'T-T]',
      '[^' + 'Q'.repeat(300) + ']et',
      '*[' + 'Z-a'.repeat(100) + ']',
      '[' + '\\E'.repeat(150) + 'x]*',
      '[' + '\\e'.repeat(150) + 'x]*',
    ];
    for (const p of patterns) {
      const pick = async (c: RawClient) => (JSON.parse(await sortedNames(c, ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', p])) as string[]).filter((x) => common.has(x));
      assert.deepEqual(await pick(ours), await pick(theirs), `pattern ${show(p)}`);
    }
    const nonEmpty = (JSON.parse(await sortedNames(ours, ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'GET*'])) as string[]).length;
    assert.ok(nonEmpty >= 5, 'GET* matches several commands case-insensitively');
  } finally {
    ours.close();
    theirs.close();
    await srv.close();
    await oracle.stop();
  }
});
