/**
 * ListData: the ring buffer against a plain array model, and the Redis 7.2 encoding model
 * (listpack entry sizes, listpack → quicklist on growth, back to listpack on shrinking).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ListData, listpackEntrySize, ringBefore, ringSlot } from '../../src/types/list.js';

function contents(l: ListData): string[] {
  return l.slice(0, l.length);
}

test('ring buffer operations match an array model', () => {
  const op = fc.oneof(
    fc.tuple(fc.constant('ph' as const), fc.string({ maxLength: 3 })),
    fc.tuple(fc.constant('pt' as const), fc.string({ maxLength: 3 })),
    fc.tuple(fc.constant('oh' as const), fc.constant('')),
    fc.tuple(fc.constant('ot' as const), fc.constant('')),
    fc.tuple(fc.constant('set' as const), fc.string({ maxLength: 3 })),
    fc.tuple(fc.constant('ins' as const), fc.string({ maxLength: 3 })),
    fc.tuple(fc.constant('rm' as const), fc.constant('')),
    fc.tuple(fc.constant('trim' as const), fc.constant('')),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), fc.nat(), fc.constantFrom(-2, -1, 1, 3), (ops, r, fill) => {
      const l = new ListData();
      const model: string[] = [];
      let k = r;
      const pick = (n: number) => (n === 0 ? 0 : (k = (k * 31 + 7) % 1000003) % n);
      for (const [o, v] of ops) {
        if (o === 'ph') {
          l.beforeGrow(fill, v.length, 1);
          l.pushHead(v, fill);
          model.unshift(v);
        } else if (o === 'pt') {
          l.beforeGrow(fill, v.length, 1);
          l.pushTail(v, fill);
          model.push(v);
        } else if (o === 'oh') assert.equal(l.popHead(), model.shift());
        else if (o === 'ot') assert.equal(l.popTail(), model.pop());
        else if (o === 'set' && model.length > 0) {
          const i = pick(model.length);
          l.set(i, v);
          model[i] = v;
        } else if (o === 'ins' && model.length > 0) {
          const i = pick(model.length);
          const after = pick(2) === 1;
          l.insert(after ? i + 1 : i, v, fill, after);
          model.splice(after ? i + 1 : i, 0, v);
        } else if (o === 'rm' && model.length > 0) {
          const ps = [...new Set([pick(model.length), pick(model.length), pick(model.length)])].sort((a, b) => a - b);
          l.removePositions(ps);
          for (const p of [...ps].reverse()) model.splice(p, 1);
        } else if (o === 'trim' && model.length > 0) {
          const a = pick(model.length);
          const b = pick(model.length - a + 1);
          l.trim(a, b);
          model.splice(0, a);
          model.splice(model.length - b, b);
        }
        if (l.length > 0) l.afterShrink(fill);
        assert.equal(l.length, model.length);
      }
      assert.deepEqual(contents(l), model);
      assert.deepEqual(contents(l.clone()), model);
    }),
  );
});

test('listpack entry sizes follow the listpack encodings', () => {
  // 7-bit unsigned, 13/16/24/32/64-bit integers: encoding + data, then a 1-byte back-length
  assert.equal(listpackEntrySize('0'), 2);
  assert.equal(listpackEntrySize('127'), 2);
  assert.equal(listpackEntrySize('128'), 3);
  assert.equal(listpackEntrySize('-4096'), 3);
  assert.equal(listpackEntrySize('4096'), 4);
  assert.equal(listpackEntrySize('-32768'), 4);
  assert.equal(listpackEntrySize('32768'), 5);
  assert.equal(listpackEntrySize('8388607'), 5);
  assert.equal(listpackEntrySize('8388608'), 6);
  assert.equal(listpackEntrySize('2147483647'), 6);
  assert.equal(listpackEntrySize('2147483648'), 10);
  assert.equal(listpackEntrySize('-9223372036854775808'), 10);
  // not canonical integers: strings
  assert.equal(listpackEntrySize('9223372036854775808'), 21);
  assert.equal(listpackEntrySize('01'), 4);
  assert.equal(listpackEntrySize('-0'), 4);
  assert.equal(listpackEntrySize(''), 2);
  // 6-bit, 12-bit and 32-bit string lengths; back-length grows past 127 bytes
  assert.equal(listpackEntrySize('x'.repeat(63)), 64 + 1);
  assert.equal(listpackEntrySize('x'.repeat(64)), 66 + 1);
  assert.equal(listpackEntrySize('x'.repeat(126)), 128 + 2);
  assert.equal(listpackEntrySize('x'.repeat(4095)), 4097 + 2);
  assert.equal(listpackEntrySize('x'.repeat(4096)), 4101 + 2);
});

test('size limit (-2 = 8 KB): listpack until a push would exceed it, back below half of it', () => {
  const l = new ListData();
  const v = 'x'.repeat(100); // 103 bytes per entry
  let n = 0;
  for (;;) {
    l.beforeGrow(-2, v.length, 1);
    if (!l.listpack) break;
    l.pushTail(v, -2);
    n++;
  }
  // lpBytes + 100 > 8192 happened at the first push that would not fit
  assert.equal(n, Math.floor((8192 - 100 - 7) / 103) + 1);
  assert.equal(l.quicklistNodes, 1);
  l.pushTail(v, -2);
  assert.equal(l.quicklistNodes, 2, 'the full node gets a neighbour');
  // two nodes stay a quicklist however small they get
  const two = l.clone();
  while (two.length > 2) {
    two.popHead();
    two.afterShrink(-2);
  }
  assert.equal(two.quicklistNodes, 2);
  assert.equal(two.listpack, false);
  // dropping the tail node leaves one node of ~8 KB: above half the limit
  l.popTail();
  l.afterShrink(-2);
  assert.equal(l.quicklistNodes, 1);
  assert.equal(l.listpack, false, 'one node of ~8 KB is above half the limit');
  while (l.listpackBytes > 4096) {
    l.popTail();
    l.afterShrink(-2);
  }
  assert.equal(l.listpack, true, 'one node within 4 KB converts back');
});

test('count limit (positive fill): converts past the count, back at half of it', () => {
  const l = new ListData();
  for (let i = 0; i < 5; i++) {
    l.beforeGrow(5, 1, 1);
    l.pushTail('a', 5);
  }
  assert.equal(l.listpack, true);
  l.beforeGrow(5, 1, 1);
  assert.equal(l.listpack, false);
  l.pushTail('a', 5);
  assert.equal(l.quicklistNodes, 2);
  l.popTail();
  l.afterShrink(5);
  assert.equal(l.listpack, false, '5 elements > 5/2');
  l.popTail();
  l.popTail();
  l.afterShrink(5);
  assert.equal(l.listpack, false);
  l.popTail();
  l.afterShrink(5);
  assert.equal(l.listpack, true, '2 elements in one node: back to listpack');
  // a push of several elements at once converts before any is added
  const m = new ListData();
  m.beforeGrow(5, 6, 6);
  assert.equal(m.listpack, false);
});

test('a big element makes a new list a quicklist at once', () => {
  const l = new ListData();
  l.beforeGrow(-2, 9000, 1);
  assert.equal(l.listpack, false);
  l.pushTail('x'.repeat(9000), -2);
  assert.equal(l.quicklistNodes, 1);
  l.popTail();
  assert.equal(l.length, 0);
});

test('ring slots stay exact past 2^31 and 2^32 slots (a 32-bit mask wrapped them; issue 17)', () => {
  const oldMask = (head: number, k: number, cap: number): number => (head + k) & (cap - 1);
  for (const cap of [8, 2 ** 31, 2 ** 32, 2 ** 33, 2 ** 40]) {
    for (const head of [0, 1, cap / 2, cap - 2, cap - 1]) {
      for (const k of [0, 1, 2, cap / 2 - 1, cap - 1]) {
        assert.equal(ringSlot(head, k, cap), (head + k) % cap, `ringSlot(${head}, ${k}, ${cap})`);
      }
      assert.equal(ringBefore(head, cap), (head - 1 + cap) % cap);
    }
  }
  // what the mask gave once the ring passed 2^31 slots: a negative or aliased slot
  assert.equal(oldMask(2 ** 31 - 1, 1, 2 ** 32), -(2 ** 31));
  assert.equal(ringSlot(2 ** 31 - 1, 1, 2 ** 32), 2 ** 31);
  assert.equal(oldMask(2 ** 32 - 1, 2, 2 ** 33), 1);
  assert.equal(ringSlot(2 ** 32 - 1, 2, 2 ** 33), 2 ** 32 + 1);
});

test('ring wrap-around at small sizes: head pushes and tail pops across the wrap, many times', () => {
  const l = new ListData(8);
  const model: string[] = [];
  for (let round = 0; round < 200; round++) {
    const v = String(round);
    if (round % 3 === 0) {
      l.pushHead(v, -2);
      model.unshift(v);
    } else {
      l.pushTail(v, -2);
      model.push(v);
    }
    if (round % 4 === 3) assert.equal(l.popHead(), model.shift());
    if (round % 5 === 4) assert.equal(l.popTail(), model.pop());
    assert.equal(l.length, model.length);
  }
  assert.deepEqual(l.slice(0, l.length), model);
  for (let i = 0; i < model.length; i++) assert.equal(l.at(i), model[i]);
});

test('quicklist model past one node chunk: list-max-listpack-size 1 and 2 give a node per 1-2 elements (issue 17)', () => {
  for (const fill of [1, 2]) {
    const l = new ListData();
    const model: string[] = [];
    // 9,000 nodes or more: past two 4,096-node chunks of the model's node list
    for (let i = 0; i < 9_000; i++) {
      const v = String(i);
      l.beforeGrow(fill, v.length, 1);
      if (i % 2 === 0) {
        l.pushHead(v, fill);
        model.unshift(v);
      } else {
        l.pushTail(v, fill);
        model.push(v);
      }
    }
    l.insert(4_500, 'mid', fill, false);
    model.splice(4_500, 0, 'mid');
    l.removePositions([0, 4_100, 8_999]);
    model.splice(8_999, 1);
    model.splice(4_100, 1);
    model.splice(0, 1);
    for (let k = 0; k < 50; k++) {
      assert.equal(l.popHead(), model.shift());
      assert.equal(l.popTail(), model.pop());
    }
    assert.deepEqual(l.slice(0, l.length), model);
    const counts = l.nodeCounts();
    assert.equal(counts.reduce((a, b) => a + b, 0), model.length, 'node counts cover every element');
    assert.ok(counts.every((c) => c >= 1 && c <= fill), `every node holds 1..${fill}`);
    assert.equal(l.quicklistNodes, counts.length);
    assert.ok(l.quicklistNodes >= model.length / fill);
  }
});
