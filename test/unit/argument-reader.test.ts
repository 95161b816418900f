/**
 * The argument readers (command-model/argument-reader.ts): the values and error texts of
 * the edge inputs where the per-family helpers used to disagree. The texts are Redis's
 * (the differential test test/compat/argument-reader-diff.test.ts checks them against
 * redis-server in every family).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentReader, exactLongLong, readCInt, readDouble, readLongLong, readPositiveLong, readRangeLong, readTimeoutMs } from '../../src/command-model/argument-reader.js';
import { CommandError } from '../../src/errors.js';

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CommandError) return e.reply;
    throw e;
  }
  return 'no error';
}

const NOT_INT = 'ERR value is not an integer or out of range';

test('readLongLong: one conversion beyond 2^53 for every family (nearest double, sign and order kept)', () => {
  // lists used to saturate this to 2^53-1, sorted sets and streams to convert it: now one answer
  assert.equal(readLongLong('9007199254740993'), 9007199254740992);
  assert.equal(readLongLong('-9007199254740993'), -9007199254740992);
  assert.equal(readLongLong('9223372036854775807'), 2 ** 63);
  // LLONG_MIN stays exact (saturation made it indistinguishable from -2^53)
  assert.equal(readLongLong('-9223372036854775808'), -(2 ** 63));
  assert.ok(readLongLong('9007199254740993') > readLongLong('9007199254740991'));
  assert.equal(readLongLong('42'), 42);
  assert.equal(readLongLong('-1'), -1);
  for (const bad of ['9223372036854775808', '-9223372036854775809', '-0', '01', ' 1', '1 ', '+1', '1.0', '', 'x']) {
    assert.equal(errorOf(() => readLongLong(bad)), NOT_INT, JSON.stringify(bad));
  }
  assert.equal(errorOf(() => readLongLong('x', 'ERR custom')), 'ERR custom');
});

test('exactLongLong keeps all 64 bits', () => {
  assert.equal(exactLongLong('9007199254740993'), 9007199254740993n);
  assert.equal(exactLongLong('-9223372036854775808'), -9223372036854775808n);
  assert.equal(exactLongLong('12'), 12);
  assert.equal(errorOf(() => exactLongLong('1e3')), NOT_INT);
});

test('readRangeLong and readPositiveLong: Redis texts, a given message replaces both', () => {
  const max = 9223372036854775807n;
  assert.equal(readRangeLong('-9223372036854775807', -max, max), -9223372036854775807);
  assert.equal(errorOf(() => readRangeLong('-9223372036854775808', -max, max)), 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
  assert.equal(errorOf(() => readRangeLong('x', -max, max)), NOT_INT);
  assert.equal(errorOf(() => readRangeLong('0', 1n, max, 'ERR count should be greater than 0')), 'ERR count should be greater than 0');
  assert.equal(errorOf(() => readRangeLong('x', 1n, max, 'ERR count should be greater than 0')), 'ERR count should be greater than 0');
  assert.equal(readRangeLong('9007199254740993', 1n, max), 9007199254740992);
  assert.equal(readPositiveLong('0'), 0);
  assert.equal(errorOf(() => readPositiveLong('-1')), 'ERR value is out of range, must be positive');
  assert.equal(errorOf(() => readPositiveLong('-1', "ERR COUNT can't be negative")), "ERR COUNT can't be negative");
});

test('readCInt: the C int bounds and their text', () => {
  assert.equal(readCInt('2147483647'), 2147483647);
  assert.equal(readCInt('-2147483648'), -2147483648);
  const range = 'ERR value is out of range, value must between -2147483648 and 2147483647';
  assert.equal(errorOf(() => readCInt('2147483648')), range);
  assert.equal(errorOf(() => readCInt('-2147483649')), range);
  assert.equal(errorOf(() => readCInt('9007199254740993')), range);
  assert.equal(errorOf(() => readCInt('x')), NOT_INT);
  assert.equal(errorOf(() => readCInt('2147483648', 'ERR invalid first DB index')), 'ERR invalid first DB index');
});

test('readDouble: strict, NaN refused', () => {
  assert.equal(readDouble('1.5'), 1.5);
  assert.equal(readDouble('-inf'), -Infinity);
  assert.equal(errorOf(() => readDouble('nan')), 'ERR value is not a valid float');
  assert.equal(errorOf(() => readDouble('1x', 'ERR weight value is not a float')), 'ERR weight value is not a float');
});

test('ArgumentReader: a cursor over argv; a missing value is a syntax error', () => {
  const r = new ArgumentReader(['CMD', 'COUNT', '5', 'LIMIT', '-3', 'SCORE', '2.5']);
  assert.equal(r.left, 6);
  assert.equal(r.keyword(), 'count');
  assert.equal(r.longLong(), 5);
  assert.equal(r.keyword(), 'limit');
  assert.equal(errorOf(() => r.positiveLong()), 'ERR value is out of range, must be positive');
  assert.equal(r.keyword(), 'score');
  assert.equal(r.double(), 2.5);
  assert.ok(r.done);
  assert.equal(errorOf(() => r.next()), 'ERR syntax error');
  assert.equal(new ArgumentReader(['X', '7'], 1).cInt(), 7);
  assert.equal(new ArgumentReader(['X', '1', '9'], 1).rangeLong(1n, 5n), 1);
});

test('readTimeoutMs (XREAD BLOCK, CLIENT PAUSE): string2ll, not negative, no overflow past now', () => {
  const now = 1_700_000_000_000;
  assert.equal(readTimeoutMs('0', now), 0);
  assert.equal(readTimeoutMs('1500', now), 1500);
  // the largest that does not overflow when added to now, as a double
  const last = 9223372036854775807n - BigInt(now);
  assert.equal(readTimeoutMs(String(last), now), Number(last));
  assert.equal(errorOf(() => readTimeoutMs(String(last + 1n), now)), 'ERR timeout is out of range');
  assert.equal(errorOf(() => readTimeoutMs('9223372036854775807', now)), 'ERR timeout is out of range');
  assert.equal(errorOf(() => readTimeoutMs('-1', now)), 'ERR timeout is negative');
  assert.equal(errorOf(() => readTimeoutMs('-9223372036854775808', now)), 'ERR timeout is negative');
  // "-0" used to be accepted by the blocking module's own millisecond parser (as forever)
  for (const bad of ['-0', '+1', ' 1', '1 ', '01', '1.5', '9223372036854775808', '', 'x']) {
    assert.equal(errorOf(() => readTimeoutMs(bad, now)), 'ERR timeout is not an integer or out of range', JSON.stringify(bad));
  }
});

test('ranged readers at the values the converted families used to treat apart', () => {
  const LLMAX = 9223372036854775807n;
  // CLIENT KILL ID: 1..LONG_MAX; an ID past 2^53 used to be refused as "not > 0"
  assert.equal(readRangeLong('9007199254740993', 1n, LLMAX, 'ERR client-id should be greater than 0'), 9007199254740992);
  assert.equal(errorOf(() => readRangeLong('0', 1n, LLMAX, 'ERR client-id should be greater than 0')), 'ERR client-id should be greater than 0');
  // BITFIELD types: i1..i64, u1..u63, one text for every failure
  assert.equal(readRangeLong('64', 1n, 64n, 'ERR bad'), 64);
  assert.equal(errorOf(() => readRangeLong('64', 1n, 63n, 'ERR bad')), 'ERR bad');
  assert.equal(errorOf(() => readRangeLong('-0', 1n, 64n, 'ERR bad')), 'ERR bad');
  // XAUTOCLAIM COUNT: 1..LONG_MAX / 16
  assert.equal(readRangeLong('576460752303423487', 1n, LLMAX / 16n, 'ERR COUNT must be > 0'), 576460752303423487);
  assert.equal(errorOf(() => readRangeLong('576460752303423488', 1n, LLMAX / 16n, 'ERR COUNT must be > 0')), 'ERR COUNT must be > 0');
  // HELLO: a long long, so 2^31 is an integer (NOPROTO follows), not a parse error
  assert.equal(readLongLong('2147483648', 'ERR Protocol version is not an integer or out of range'), 2147483648);
  // expiry and RESTORE keep all 64 bits
  assert.equal(exactLongLong('-9223372036854775807'), -9223372036854775807n);
});
