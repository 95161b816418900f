/** MutableString: the in-place representation of bitmaps behaves as a plain StringValue. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MutableString } from '../../src/types/mutable-string.js';
import { cloneValue } from '../../src/keyspace/clone-value.js';

test('reads like a plain string value, writes in place, grows with zeros', () => {
  const m = new MutableString('ab');
  assert.equal(m.type, 'string');
  assert.equal(m.raw, true);
  assert.equal(m.value, 'ab');
  m.ensureLength(5);
  assert.equal(m.value, 'ab\x00\x00\x00');
  m.setByte(4, 0xff);
  assert.equal(m.value, 'ab\x00\x00\xff');
  m.ensureLength(3); // never shrinks
  assert.equal(m.length, 5);
  m.writeString(1, 'XYZ');
  assert.equal(m.value, 'aXYZ\xff');
  m.bytes()[0] = 0x41;
  m.changed();
  assert.equal(m.value, 'AXYZ\xff');
  assert.equal(m.byteAt(100), 0);
});

test('growth past the old capacity keeps the bytes and zero-fills the rest', () => {
  const m = new MutableString('x'.repeat(20));
  for (let n = 21; n < 5000; n += 97) {
    m.ensureLength(n);
    m.setByte(n - 1, 0x31);
  }
  const v = m.value;
  assert.equal(v.slice(0, 20), 'x'.repeat(20));
  assert.equal(v.charCodeAt(20), 0x31);
  assert.equal(v.charCodeAt(21), 0);
  assert.equal(v.charCodeAt(116), 0);
  assert.equal(v.charCodeAt(117), 0x31);
});

test('spread, assignment and COPY see a plain string', () => {
  const m = new MutableString('hi');
  m.setByte(0, 0x48);
  const spread = { ...m } as { value?: unknown; type?: unknown };
  assert.equal(spread.value, 'Hi');
  assert.equal(spread.type, 'string');
  const copy = cloneValue(m);
  assert.equal(copy.type === 'string' && copy.value, 'Hi');
  m.setByte(1, 0x49);
  assert.equal(copy.type === 'string' && copy.value, 'Hi', 'the copy is independent');
  m.value = 'replaced';
  assert.equal(m.value, 'replaced');
  assert.equal(m.length, 8);
});
