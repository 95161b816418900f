import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareIds, decrId, formatId, idKeyBytes, incrId, MAX_ID, MIN_ID, parseStreamId, parseU64, signedDelta, u64, U64_MAX, type StreamId } from '../../src/types/stream-id.js';

const MAXS = '18446744073709551615';

test('parseU64 follows string2ull: canonical longs, then strtoull forms', () => {
  assert.equal(parseU64('0'), 0);
  assert.equal(parseU64('123'), 123);
  assert.equal(parseU64('9007199254740991'), 9007199254740991);
  assert.equal(parseU64('9007199254740992'), 9007199254740992n);
  assert.equal(parseU64(MAXS), U64_MAX);
  assert.equal(parseU64('18446744073709551616'), null);
  assert.equal(parseU64(''), null);
  assert.equal(parseU64('x'), null);
  assert.equal(parseU64('1x'), null);
  assert.equal(parseU64('-5'), null, 'a canonical negative long is refused');
  assert.equal(parseU64('007'), 7, 'leading zeros pass through strtoull');
  assert.equal(parseU64('+9'), 9);
  assert.equal(parseU64(' 10'), 10);
  assert.equal(parseU64('-0'), 0);
  assert.equal(parseU64('-05'), U64_MAX - 4n, 'strtoull wraps a negative it parsed');
  assert.equal(parseU64('10 '), null);
});

test('parseStreamId: forms, strictness, missing sequence, C-string cut', () => {
  assert.deepEqual(parseStreamId('5-3', 0, true)?.id, { ms: 5, seq: 3 });
  assert.deepEqual(parseStreamId('5', 0, true)?.id, { ms: 5, seq: 0 });
  assert.deepEqual(parseStreamId('5', U64_MAX, false)?.id, { ms: 5, seq: U64_MAX });
  assert.equal(parseStreamId('-', 0, true), null);
  assert.equal(parseStreamId('+', 0, true), null);
  assert.deepEqual(parseStreamId('-', 0, false)?.id, MIN_ID);
  assert.deepEqual(parseStreamId('+', 0, false)?.id, MAX_ID);
  assert.deepEqual(parseStreamId('7-*', 0, true, true), { id: { ms: 7, seq: 0 }, seqGiven: false });
  assert.equal(parseStreamId('7-*', 0, true), null, '<ms>-* only where XADD allows it');
  assert.equal(parseStreamId('1-2-3', 0, true), null);
  assert.equal(parseStreamId('1-', 0, true), null);
  assert.deepEqual(parseStreamId('12-1\x00junk', 0, true)?.id, { ms: 12, seq: 1 });
  assert.equal(parseStreamId('1'.repeat(128), 0, true), null);
  assert.deepEqual(parseStreamId(`${MAXS}-${MAXS}`, 0, true)?.id, MAX_ID);
});

test('IDs order exactly across the number/bigint boundary', () => {
  const big = (n: bigint): StreamId => ({ ms: u64(n), seq: 0 });
  assert.equal(compareIds(big(9007199254740991n), big(9007199254740992n)), -1);
  assert.equal(compareIds(big(9007199254740993n), big(9007199254740992n)), 1);
  assert.equal(compareIds({ ms: 1, seq: U64_MAX }, { ms: 2, seq: 0 }), -1);
  assert.equal(formatId({ ms: U64_MAX, seq: 9007199254740993n }), `${MAXS}-9007199254740993`);
  assert.deepEqual(incrId({ ms: 1, seq: U64_MAX }), { ms: 2, seq: 0 });
  assert.deepEqual(incrId({ ms: 1, seq: 9007199254740991 }), { ms: 1, seq: 9007199254740992n });
  assert.equal(incrId(MAX_ID), null);
  assert.deepEqual(decrId({ ms: 2, seq: 0 }), { ms: 1, seq: U64_MAX });
  assert.deepEqual(decrId({ ms: 1, seq: 9007199254740992n }), { ms: 1, seq: 9007199254740991 });
  assert.equal(decrId(MIN_ID), null);
  assert.equal(signedDelta(5, 7), -2);
  assert.equal(signedDelta(U64_MAX, 0), -1n);
});

test('ID order equals the byte order of the 16-byte radix-tree key (property)', () => {
  const part = fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.bigInt({ min: 0n, max: U64_MAX }).map(u64));
  const id = fc.record({ ms: part, seq: part });
  fc.assert(
    fc.property(id, id, (a, b) => {
      const ka = new Uint8Array(16);
      const kb = new Uint8Array(16);
      idKeyBytes(a, ka, 0);
      idKeyBytes(b, kb, 0);
      let bytes = 0;
      for (let i = 0; i < 16 && bytes === 0; i++) bytes = Math.sign(ka[i]! - kb[i]!);
      assert.equal(compareIds(a, b), bytes);
      // round trip through text
      assert.deepEqual(parseStreamId(formatId(a), 0, true)?.id, { ms: a.ms, seq: a.seq });
    }),
    { numRuns: 2000 },
  );
});
