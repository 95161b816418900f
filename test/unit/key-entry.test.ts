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
