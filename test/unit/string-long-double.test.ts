/**
 * The 80-bit long double model behind INCRBYFLOAT. Expected texts were taken from a
 * live redis-server (x86-64, glibc), which computes with real long doubles.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addLongDouble, formatLongDouble, longDoubleFromNumber, parseLongDouble, type LongDouble } from '../../src/types/long-double.js';

/** INCRBYFLOAT's arithmetic: parse both, add, print (null = an error reply). */
function incr(value: string, by: string): string | null {
  const a = parseLongDouble(value);
  const b = parseLongDouble(by);
  if (a === null || b === null) return null;
  const r = addLongDouble(a, b);
  return r.kind === 'finite' ? formatLongDouble(r) : null;
}

function ld(s: string): LongDouble {
  const v = parseLongDouble(s);
  assert.ok(v !== null, `parse ${s}`);
  return v;
}

describe('INCRBYFLOAT arithmetic matches redis-server', () => {
  test('common cases print like Redis', () => {
    assert.equal(incr('10.5', '0.1'), '10.6');
    assert.equal(incr('0', '3.0e3'), '3000');
    assert.equal(incr('5.0e3', '2.0e2'), '5200');
    assert.equal(incr('0.1', '0.2'), '0.3'); // a double would give 0.30000000000000004
    assert.equal(incr('0', '1e20'), '100000000000000000000');
    assert.equal(incr('0', '1.5e-10'), '0.00000000015');
    assert.equal(incr('1.5', '-1.5'), '0');
    assert.equal(incr('0', '.5'), '0.5');
    assert.equal(incr('0', '5.'), '5');
    assert.equal(incr('0', '+5'), '5');
    assert.equal(incr('0', '0x1p-2'), '0.25');
  });

  test('17 decimals, rounded half to even on exact ties, "-0" printed as "0"', () => {
    assert.equal(incr('0', '0.000003814697265625'), '0.00000381469726562'); // 2^-18, a tie
    assert.equal(incr('0', '1.5e-17'), '0.00000000000000002');
    assert.equal(incr('0', '2.5e-17'), '0.00000000000000002');
    assert.equal(incr('0', '5e-18'), '0');
    assert.equal(incr('0', '1e-17'), '0.00000000000000001');
    assert.equal(incr('0', '-1e-20'), '0');
    assert.equal(incr('-0', '-0.0'), '0');
  });

  test('the long double range goes far beyond a double', () => {
    const big = incr('1e308', '1e308')!;
    assert.equal(big.length, 309);
    assert.ok(big.startsWith('199999999999999999993371759311691291321120199694831134415594095989843469737676'));
    const huge = incr('0', '1e4000')!;
    assert.equal(huge.length, 4000); // 1e4000 rounds to just below it
    assert.ok(huge.startsWith('9999999999999999999965463873099623784932492583506957631301508333'));
    assert.equal(incr('0', '3.6e-4951'), '0'); // a subnormal is accepted
  });

  test('rejections: what Redis calls "not a valid float"', () => {
    for (const bad of ['', ' 1', '1 ', 'abc', 'nan', '1e', '0x', '.', '1.5\x00x', '\x00', '1e5000', '1e-5000', '1e-4951', '1' + '0'.repeat(5119)]) {
      assert.equal(parseLongDouble(bad), null, JSON.stringify(bad));
    }
    assert.ok(parseLongDouble('0'.repeat(5118) + '1') !== null); // 5119 bytes: still within the cap
    assert.ok(parseLongDouble('0e-99999') !== null);
  });

  test('infinity parses, and any infinite or NaN sum is refused', () => {
    assert.equal(ld('inf').kind, 'inf');
    assert.equal(ld('-Infinity').kind, 'inf');
    assert.equal(incr('0', 'inf'), null);
    assert.equal(addLongDouble(ld('inf'), ld('-inf')).kind, 'nan');
    assert.equal(incr('1.18e4932', '1.18e4932'), null); // overflows the long double range
  });

  test('property: sums of doubles whose exact value is a double print that value', () => {
    // small integers and halves add exactly, so the text must be the plain decimal
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: -1e9, max: 1e9 }), (a, b) => {
        const r = addLongDouble(longDoubleFromNumber(a / 2), longDoubleFromNumber(b / 4));
        assert.equal(formatLongDouble(r), String(a / 2 + b / 4));
      }),
    );
  });

  test('property: parse then print is stable (printing twice gives the same text)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 }), (d) => {
        const once = formatLongDouble(longDoubleFromNumber(d));
        const twice = formatLongDouble(ld(once));
        assert.equal(twice, once);
      }),
    );
  });
});
