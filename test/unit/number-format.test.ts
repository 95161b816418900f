/** Number parsing and formatting with Redis's rules (string2ll, strtod, d2string, ld2string). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseInteger,
  parseSafeInteger,
  parseFloatStrict,
  formatDouble,
  formatLongDouble,
  LLONG_MAX,
  LLONG_MIN,
} from '../../src/protocol/number-format.js';

describe('parseInteger (string2ll)', () => {
  test('valid integers', () => {
    assert.equal(parseInteger('0'), 0);
    assert.equal(parseInteger('1'), 1);
    assert.equal(parseInteger('-1'), -1);
    assert.equal(parseInteger('123456789012345'), 123456789012345);
    assert.equal(parseInteger('9007199254740991'), 9007199254740991);
    assert.equal(parseInteger('-9007199254740991'), -9007199254740991);
  });

  test('beyond 2^53 the value comes back as an exact bigint', () => {
    assert.equal(parseInteger('9007199254740993'), 9007199254740993n);
    assert.equal(parseInteger('9223372036854775807'), LLONG_MAX);
    assert.equal(parseInteger('-9223372036854775808'), LLONG_MIN);
  });

  test('rejects what Redis rejects', () => {
    const bad = [
      '', '-', '+', '-0', '01', '-01', '00', '+1', ' 1', '1 ', '1a', '0x10', '1e3', '1.0', '1_000', '٣',
      '9223372036854775808', // LLONG_MAX + 1
      '-9223372036854775809', // LLONG_MIN - 1
      '99999999999999999999', // 20 digits, overflows
      '123456789012345678901', // 21 characters
    ];
    for (const s of bad) assert.equal(parseInteger(s), null, JSON.stringify(s));
  });

  test('agrees with BigInt on random 64-bit values', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: LLONG_MIN, max: LLONG_MAX }), (b) => {
        const v = parseInteger(b.toString());
        assert.equal(BigInt(v!), b);
        assert.equal(typeof v === 'number', Number.isSafeInteger(Number(b)) && BigInt(Number(b)) === b);
      }),
      { numRuns: 500 },
    );
  });

  test('parseSafeInteger clamps huge values to the safe range', () => {
    assert.equal(parseSafeInteger('42'), 42);
    assert.equal(parseSafeInteger('9223372036854775807'), Number.MAX_SAFE_INTEGER);
    assert.equal(parseSafeInteger('-9223372036854775808'), Number.MIN_SAFE_INTEGER);
    assert.equal(parseSafeInteger('x'), null);
  });
});

describe('parseFloatStrict (string2d / string2ld)', () => {
  test('accepts strtod forms', () => {
    const good: Array<[string, number]> = [
      ['1', 1], ['-1.5', -1.5], ['+5', 5], ['5.', 5], ['.5', 0.5], ['1e3', 1000], ['1E-3', 0.001], ['1e+3', 1000],
      ['0', 0], ['-0', -0], ['0e-400', 0], ['4.9e-324', 5e-324],
      ['inf', Infinity], ['+inf', Infinity], ['-inf', -Infinity], ['Infinity', Infinity], ['-INFINITY', -Infinity], ['iNf', Infinity],
      ['0x10', 16], ['0x1p3', 8], ['-0x1.8p1', -3], ['0x.8p1', 1], ['0XAp-1', 5],
    ];
    for (const [s, v] of good) assert.equal(parseFloatStrict(s), v, JSON.stringify(s));
  });

  test('rejects what Redis rejects', () => {
    const bad = ['', ' 1', '1 ', '\t1', 'nan', 'NaN', '-nan', 'inf ', 'infx', 'in', '1e', '1e+', 'e5', '.', '-', '+-1', '1..2', '0x', '0x.', '0x1p', '1,5', '١'];
    for (const s of bad) assert.equal(parseFloatStrict(s), null, JSON.stringify(s));
  });

  test('double mode: overflow and underflow to zero are errors (strtod ERANGE)', () => {
    assert.equal(parseFloatStrict('1e400'), null);
    assert.equal(parseFloatStrict('-1e400'), null);
    assert.equal(parseFloatStrict('1e-400'), null);
    assert.equal(parseFloatStrict('2e-324'), null);
    assert.equal(parseFloatStrict('0x1p2000'), null);
  });

  test('long double mode: wider range, 5 KiB cap', () => {
    assert.equal(parseFloatStrict('1e400', true), Infinity);
    assert.equal(parseFloatStrict('1e-400', true), 0);
    assert.equal(parseFloatStrict('1.5', true), 1.5);
    assert.equal(parseFloatStrict('1'.repeat(5119), true), Number('1'.repeat(5119)));
    assert.equal(parseFloatStrict('1'.repeat(5120), true), null);
    assert.equal(parseFloatStrict('nan', true), null);
  });

  test('round-trips every finite double through formatDouble', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        assert.ok(Object.is(parseFloatStrict(formatDouble(d)), d), `${d} -> ${formatDouble(d)}`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatDouble (Redis 7.2 d2string)', () => {
  const cases: Array<[number, string]> = [
    [0, '0'], [-0, '-0'], [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'],
    [1, '1'], [-42, '-42'], [3.14, '3.14'], [0.1, '0.1'], [-2.5, '-2.5'],
    // integral values up to 2^62 print with every digit (ll2string)
    [2 ** 60, '1152921504606846976'], [2 ** 62, '4611686018427387904'], [-(2 ** 62), '-4611686018427387904'], [1e18, '1000000000000000000'],
    // above 2^62: fpconv layout, plain when the exponent is below digits + 7
    [2 ** 62 + 2048, '4611686018427390000'], [5e18, '5e+18'], [1e21, '1e+21'], [1.2345678901234567e19, '12345678901234567000'],
    // fractions: plain when not tiny
    [123456789.123, '123456789.123'], [0.000001, '0.000001'], [0.0001234, '1.234e-4'], [0.001234, '0.001234'], [1234.5678e-3, '1.2345678'],
    // tiny or huge non-integers: exponent form without padding
    [1e-7, '1e-7'], [1.5e-7, '1.5e-7'], [1.2345e-5, '1.2345e-5'], [-1.5e-300, '-1.5e-300'], [5e-324, '5e-324'],
    [1e100, '1e+100'], [1.7976931348623157e308, '1.7976931348623157e+308'], [1.5e105, '1.5e+105'],
  ];
  for (const [d, s] of cases) {
    test(`${String(d)} → ${s}`, () => assert.equal(formatDouble(d), s));
  }
});

describe('formatLongDouble (INCRBYFLOAT, "%.17Lf" trimmed)', () => {
  const cases: Array<[number, string]> = [
    [0, '0'], [-0, '0'], [10.6, '10.6'], [3, '3'], [-3.5, '-3.5'], [5000, '5000'],
    [1e-7, '0.0000001'], [1.23456789e-10, '0.00000000012345679'], [1e-18, '0'], [-1e-20, '0'], [5e-324, '0'],
    [1e20, '100000000000000000000'], [1.5e21, '1500000000000000000000'], [123456.789, '123456.789'],
    [Infinity, 'inf'], [-Infinity, '-inf'],
  ];
  for (const [d, s] of cases) {
    test(`${String(d)} → ${s}`, () => assert.equal(formatLongDouble(d), s));
  }

  test('never uses an exponent and reads back to the same double when not rounded away', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 }), (d) => {
        const s = formatLongDouble(d);
        assert.ok(!/e/i.test(s), s);
        if (Math.abs(d) >= 1) assert.equal(Number(s), d === 0 ? 0 : d);
      }),
      { numRuns: 1000 },
    );
  });
});
