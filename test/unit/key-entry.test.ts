/**
 * KeyEntry (issue 17, memory per key): a plain string value lives inline in the key's
 * entry; everything else stays the object it is. These check what the rest of the server
 * relies on: `v` reads back what was stored, flags and the LFU counter do not disturb each
 * other, identities that matter (bitmaps, COPY's unshared copies, collections) are kept,
 * and the access time keeps whole seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyEntry } from '../../src/keyspace/key-entry.js';
import { MutableString } from '../../src/types/mutable-string.js';
import { cloneValue } from '../../src/keyspace/clone-value.js';
import { HashData } from '../../src/types/hash.js';
import type { StringValue, Value } from '../../src/keyspace/value-types.js';

const NOW = 1_800_000_123_456;

test('key entry: a plain string is held inline and reads back with its flags', () => {
  const e = new KeyEntry({ type: 'string', value: '12', raw: false }, NOW, 5, 1);
  assert.equal(e.v, e, 'the entry is its own string value');
  assert.deepEqual([e.v.type, (e.v as StringValue).value, (e.v as StringValue).raw, (e.v as StringValue).notInt], ['string', '12', false, undefined]);
  e.v = { type: 'string', value: '3000', raw: true, notInt: true };
  assert.deepEqual([(e.v as StringValue).value, (e.v as StringValue).raw, (e.v as StringValue).notInt], ['3000', true, true]);
  // flags and the LFU counter share one field without disturbing each other
  e.lfu = 255;
  assert.equal(e.lfu, 255);
  assert.deepEqual([(e.v as StringValue).raw, (e.v as StringValue).notInt], [true, true]);
  (e.v as StringValue).raw = false;
  (e.v as StringValue).notInt = undefined;
  assert.equal(e.lfu, 255);
  assert.deepEqual([(e.v as StringValue).raw, (e.v as StringValue).notInt], [false, undefined]);
  e.lfu = 0;
  assert.equal(e.lfu, 0);
});

test('key entry: bitmaps, unshared copies and collections keep their identity; switching back inlines again', () => {
  const e = new KeyEntry({ type: 'string', value: 'a', raw: false }, NOW, 5, 1);
  const m = new MutableString('bits');
  e.v = m;
  assert.equal(e.v, m);
  const copy = cloneValue({ type: 'string', value: '7', raw: false });
  e.v = copy;
  assert.equal(e.v, copy, 'COPY keeps its own object (OBJECT REFCOUNT 1)');
  const h: Value = { type: 'hash', value: new HashData() };
  e.v = h;
  assert.equal(e.v, h);
  e.v = { type: 'string', value: 'back', raw: false };
  assert.equal(e.v, e);
  assert.equal((e.v as StringValue).value, 'back');
  // another key's entry given as a value: its content is copied, not the entry
  const other = new KeyEntry({ type: 'hash', value: new HashData() }, NOW, 5, 2);
  e.v = other;
  assert.equal(e.v, other.v);
  const third = new KeyEntry({ type: 'string', value: 'x', raw: true }, NOW, 5, 3);
  e.v = third;
  assert.equal(e.v, e);
  assert.deepEqual([(e.v as StringValue).value, (e.v as StringValue).raw], ['x', true]);
});

test('key entry: the access time is kept to the second', () => {
  const e = new KeyEntry({ type: 'string', value: 'a', raw: false }, NOW, 5, 1);
  assert.equal(e.lru, 1_800_000_123_000);
  e.lru = NOW - 10 * 86_400_000 - 999;
  assert.equal(e.lru, Math.floor((NOW - 10 * 86_400_000 - 999) / 1000) * 1000);
  // OBJECT IDLETIME's arithmetic (floor(now/1000) - floor(lru/1000)) is unchanged by the rounding
  assert.equal(Math.floor(NOW / 1000) - Math.floor(e.lru / 1000), 864_001);
});

test('key entry: short values and small canonical integers are packed, and read back byte for byte', () => {
  const e = new KeyEntry({ type: 'string', value: 'a', raw: false }, NOW, 5, 1);
  const values = ['x', 'xy', 'xyz', '\0', '\xff\xfe\xfd', '\r\n', '0', '-1', '999', '1000', '2147483647', '2147483648', '01234', '-1234', '12a4', '1234567890', '', 'four', '\u0100', 'a\u0100']; // prettier-ignore
  for (const s of values) {
    e.v = { type: 'string', value: s, raw: false };
    assert.equal((e.v as StringValue).value, s, JSON.stringify(s));
    (e.v as StringValue).value = s;
    assert.equal((e.v as StringValue).value, s, `${JSON.stringify(s)} through the value setter`);
  }
  // what is packed costs no string object; the rest is counted as its string
  for (const [s, bytes] of [['xyz', 0], ['2147483647', 0], ['2147483648', 32], ['01234', 24], ['four', 24]] as const) {
    e.v = { type: 'string', value: s, raw: false };
    assert.equal(e.inlineBytes(), bytes, s);
  }
});

test('key entry: mem shares a field with the flags and the LFU counter; large figures go to the side table', () => {
  const e = new KeyEntry({ type: 'string', value: 'abc', raw: true, notInt: true }, NOW, 255, 1);
  assert.equal(e.mem, 0);
  for (const m of [1, 2_097_149, 2_097_150, 2_097_151, 5_000_000_000, 17, -1, 0]) {
    e.mem = m;
    assert.equal(e.mem, m);
    assert.deepEqual([e.lfu, (e.v as StringValue).raw, (e.v as StringValue).notInt, (e.v as StringValue).value], [255, true, true, 'abc'], `mem ${m}`);
  }
  e.mem = 3_000_000;
  e.lfu = 7;
  (e.v as StringValue).raw = false;
  assert.deepEqual([e.mem, e.lfu, (e.v as StringValue).raw], [3_000_000, 7, false]);
});

test("key entry: INCR's small-integer path reads and stores what the string path does", () => {
  const str = (value: string, raw = false): StringValue => ({ type: 'string', value, raw });
  // every value the fast read must recognise, and texts it must leave to the parser
  const texts = ['0', '7', '10', '99', '100', '999', '1000', '65535', '2147483647', '2147483648', '007', '01', '00', '-1', '-0', '+1', '1a', 'a', ' 1', '', '12345678901'];
  for (let i = 0; i < 1200; i++) texts.push(String(i));
  for (const text of texts) {
    const e = new KeyEntry(str(text), 0, 0, 0);
    const canonical = /^(0|[1-9][0-9]*)$/.test(text) && Number(text) <= 0x7fffffff;
    assert.equal(e.smallInt(), canonical ? Number(text) : undefined, `smallInt of '${text}'`);
  }
  for (const n of [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 65536, 0x7fffffff]) {
    for (const raw of [false, true]) {
      const fast = new KeyEntry(str('x', raw), 0, 0, 0);
      fast.notInt = true;
      fast.setSmallInt(n);
      const slow = new KeyEntry(str('x', raw), 0, 0, 0);
      slow.notInt = true;
      slow.v = str(String(n));
      for (const e of [fast, slow]) assert.equal(e.v, e, 'held inline');
      assert.equal(fast.value, slow.value);
      assert.equal(fast.value, String(n));
      assert.equal(fast.raw, slow.raw);
      assert.equal(fast.notInt, slow.notInt);
      assert.equal(fast.inlineBytes(), slow.inlineBytes());
      assert.equal(fast.smallInt(), n);
    }
  }
});

test('key entry: setPlainString(s) leaves the entry exactly as v = { type: string, value: s, raw: false } does', () => {
  const starts: Value[] = [
    { type: 'string', value: 'abc', raw: true },
    { type: 'string', value: '3000', raw: false, notInt: true },
    { type: 'string', value: 'a much longer string value', raw: false },
    { type: 'hash', value: new HashData() },
    { type: 'string', value: new MutableString('bits').toString(), raw: true },
  ];
  for (const start of starts) {
    for (const s of ['', 'x', '12', '999', '1000', '007', 'hello world', '\xff\x00\x80']) {
      const a = new KeyEntry(start, NOW, 7, 3);
      const b = new KeyEntry(start, NOW, 7, 3);
      a.mem = 1234;
      b.mem = 1234;
      a.setPlainString(s);
      b.v = { type: 'string', value: s, raw: false };
      const view = (e: KeyEntry) => [e.v === e, (e.v as StringValue).value, (e.v as StringValue).raw, (e.v as StringValue).notInt, e.lfu, e.mem, e.lru, e.seq, e.smallInt()];
      assert.deepEqual(view(a), view(b), `${JSON.stringify(start.type)} -> ${JSON.stringify(s)}`);
    }
  }
});
