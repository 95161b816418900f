import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { INCOMPLETE, ReplyFramingError, replyEnd } from '../../src/gateway/reply-framer.js';
import { crc16, keySlot } from '../../src/gateway/key-slot.js';

/** A RESP3 value tree and its encoding, built independently of the framer. */
type Value = { line: string } | { blob: [string, string] } | { agg: [string, Value[]] } | { attr: [Value[], Value] };

function encode(v: Value): string {
  if ('line' in v) return v.line + '\r\n';
  if ('blob' in v) return `${v.blob[0]}${v.blob[1].length}\r\n${v.blob[1]}\r\n`;
  if ('agg' in v) {
    const [type, items] = v.agg;
    const n = type === '%' ? items.length / 2 : items.length;
    return `${type}${n}\r\n${items.map(encode).join('')}`;
  }
  const [pairs, value] = v.attr;
  return `|${pairs.length / 2}\r\n${pairs.map(encode).join('')}${encode(value)}`;
}

const text = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 20 });
const lineText = text.map((s) => s.replace(/[\r\n]/g, ''));
const leaf: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom('+OK', '-ERR x', ':0', ':-12', '_', '#t', ',1.5', '(123456789012345678901', '$-1', '*-1').map((line) => ({ line })),
  lineText.map((s) => ({ line: '+' + s })),
  fc.tuple(fc.constantFrom('$', '!', '='), text).map(([t, s]) => ({ blob: [t, s] as [string, string] })),
);
const { value } = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(fc.constantFrom('*', '~', '>'), fc.array(tie('value'), { maxLength: 4 })).map(([t, items]) => ({ agg: [t, items] as [string, Value[]] })),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((pairs) => ({ agg: ['%', pairs.flat()] as [string, Value[]] })),
    fc.tuple(fc.array(fc.tuple(tie('value'), tie('value')), { minLength: 1, maxLength: 2 }), tie('value')).map(([pairs, v]) => ({
      attr: [pairs.flat(), v] as [Value[], Value],
    })),
  ),
}));

test('a reply is framed exactly: every proper prefix is incomplete, the whole ends where it ends', () => {
  fc.assert(
    fc.property(value, value, (a, b) => {
      const first = Buffer.from(encode(a), 'latin1');
      const both = Buffer.concat([first, Buffer.from(encode(b), 'latin1')]);
      for (let cut = 0; cut < first.length; cut++) assert.equal(replyEnd(both, 0, cut), INCOMPLETE, `prefix ${cut}`);
      assert.equal(replyEnd(both, 0, both.length), first.length);
      assert.equal(replyEnd(both, first.length, both.length), both.length);
    }),
    { numRuns: 300 },
  );
});

test('deep nesting costs no stack', () => {
  const depth = 200_000;
  const buf = Buffer.from('*1\r\n'.repeat(depth) + ':1\r\n', 'latin1');
  assert.equal(replyEnd(buf, 0, buf.length), buf.length);
});

test('malformed upstream bytes are framing errors, not hangs or misreads', () => {
  const bad = ['?x\r\n', '$abc\r\n', '$3\r\nabcXY', '*-2\r\n', '%-1\r\n', '$-2\r\n', '+ok\rX', '$\r\n', `$${2 ** 60}\r\n`];
  for (const s of bad) assert.throws(() => replyEnd(Buffer.from(s, 'latin1'), 0, s.length), ReplyFramingError, JSON.stringify(s));
  const big = '$1025\r\n';
  assert.throws(() => replyEnd(Buffer.from(big), 0, big.length, 1024), ReplyFramingError);
});

test('CRC16/XMODEM and the hash-tag rule', () => {
  assert.equal(crc16('123456789'), 0x31c3, 'the cluster specification check value');
  assert.equal(keySlot('{user1000}.following'), keySlot('{user1000}.followers'));
  assert.equal(keySlot('{user1000}.following'), keySlot('user1000'));
  assert.equal(keySlot('foo{}{bar}'), crc16('foo{}{bar}') % 16384, 'an empty tag: the whole key');
  assert.equal(keySlot('foo{{bar}}zap'), keySlot('{bar'), 'the tag ends at the first } after the first {');
  assert.equal(keySlot('foo{bar}{zap}'), keySlot('bar'));
  assert.equal(keySlot(''), 0);
});
