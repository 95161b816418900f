/** Reply writer: the exact bytes of every reply kind in RESP2 and RESP3. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyWriter, encodeReply } from '../../src/protocol/reply-writer.js';
import { Kind, ReplyList, reply, isError, type Reply } from '../../src/protocol/reply.js';

const enc = (r: Reply, resp: 2 | 3) => encodeReply(r, resp).toString('latin1');

/** [reply, RESP2 bytes, RESP3 bytes] */
const cases: Array<[string, Reply, string, string]> = [
  ['simple', reply.simple('OK'), '+OK\r\n', '+OK\r\n'],
  ['error', reply.error('ERR syntax error'), '-ERR syntax error\r\n', '-ERR syntax error\r\n'],
  ['int 0', reply.int(0), ':0\r\n', ':0\r\n'],
  ['int -1 (cached)', reply.int(-1), ':-1\r\n', ':-1\r\n'],
  ['int big', reply.int(1234567890123), ':1234567890123\r\n', ':1234567890123\r\n'],
  ['int bigint LLONG_MIN', reply.int(-9223372036854775808n), ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
  ['bulk', reply.bulk('hello'), '$5\r\nhello\r\n', '$5\r\nhello\r\n'],
  ['empty bulk', reply.emptyBulk, '$0\r\n\r\n', '$0\r\n\r\n'],
  ['binary bulk', reply.bulk('\r\n\0\xff'), '$4\r\n\r\n\0\xff\r\n', '$4\r\n\r\n\0\xff\r\n'],
  ['null', reply.nil, '$-1\r\n', '_\r\n'],
  ['null array', reply.nilArray, '*-1\r\n', '_\r\n'],
  ['bulkOrNil(undefined)', reply.bulkOrNil(undefined), '$-1\r\n', '_\r\n'],
  ['empty array', reply.emptyArray, '*0\r\n', '*0\r\n'],
  ['array', reply.array([reply.int(1), reply.bulk('a'), reply.nil]), '*3\r\n:1\r\n$1\r\na\r\n$-1\r\n', '*3\r\n:1\r\n$1\r\na\r\n_\r\n'],
  ['bulks', reply.bulks(['a', 'bc']), '*2\r\n$1\r\na\r\n$2\r\nbc\r\n', '*2\r\n$1\r\na\r\n$2\r\nbc\r\n'],
  [
    'map',
    reply.map([reply.bulk('k1'), reply.int(1), reply.bulk('k2'), reply.bulk('v')]),
    '*4\r\n$2\r\nk1\r\n:1\r\n$2\r\nk2\r\n$1\r\nv\r\n',
    '%2\r\n$2\r\nk1\r\n:1\r\n$2\r\nk2\r\n$1\r\nv\r\n',
  ],
  ['empty map', reply.map([]), '*0\r\n', '%0\r\n'],
  ['set', reply.set([reply.bulk('a'), reply.bulk('b')]), '*2\r\n$1\r\na\r\n$1\r\nb\r\n', '~2\r\n$1\r\na\r\n$1\r\nb\r\n'],
  ['double', reply.double(3.14), '$4\r\n3.14\r\n', ',3.14\r\n'],
  ['double integral', reply.double(10), '$2\r\n10\r\n', ',10\r\n'],
  ['double inf', reply.double(Infinity), '$3\r\ninf\r\n', ',inf\r\n'],
  ['double -inf', reply.double(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n'],
  ['double nan', reply.double(NaN), '$3\r\nnan\r\n', ',nan\r\n'],
  ['double -0', reply.double(-0), '$2\r\n-0\r\n', ',-0\r\n'],
  ['double exponent', reply.double(1.5e-10), '$7\r\n1.5e-10\r\n', ',1.5e-10\r\n'],
  ['bool true', reply.bool(true), ':1\r\n', '#t\r\n'],
  ['bool false', reply.bool(false), ':0\r\n', '#f\r\n'],
  ['verbatim txt', reply.verbatim('hi\r\nthere'), '$9\r\nhi\r\nthere\r\n', '=13\r\ntxt:hi\r\nthere\r\n'],
  ['verbatim mkd', reply.verbatim('# t', 'mkd'), '$3\r\n# t\r\n', '=7\r\nmkd:# t\r\n'],
  [
    'push',
    reply.push([reply.bulk('message'), reply.bulk('ch'), reply.bulk('hi')]),
    '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n',
    '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n',
  ],
  ['bignumber', reply.bigNumber('3492890328409238509324850943850943825024385'), '$43\r\n3492890328409238509324850943850943825024385\r\n', '(3492890328409238509324850943850943825024385\r\n'],
  ['raw', reply.raw(Buffer.from('+PRE\r\n')), '+PRE\r\n', '+PRE\r\n'],
  [
    'nested map in array with set and null',
    reply.array([reply.map([reply.bulk('a'), reply.set([reply.int(1)])]), reply.nilArray]),
    '*2\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n*-1\r\n',
    '*2\r\n%1\r\n$1\r\na\r\n~1\r\n:1\r\n_\r\n',
  ],
];

describe('every reply kind, exactly', () => {
  for (const [name, r, resp2, resp3] of cases) {
    test(name, () => {
      assert.equal(enc(r, 2), resp2, 'RESP2');
      assert.equal(enc(r, 3), resp3, 'RESP3');
    });
  }

  test('encodeReply defaults to RESP2', () => {
    assert.equal(encodeReply(reply.nil).toString('latin1'), '$-1\r\n');
  });

  test('shared constants', () => {
    assert.equal(enc(reply.ok, 2), '+OK\r\n');
    assert.equal(enc(reply.pong, 3), '+PONG\r\n');
    assert.equal(enc(reply.queued, 2), '+QUEUED\r\n');
    assert.equal(enc(reply.zero, 2), ':0\r\n');
    assert.equal(enc(reply.one, 2), ':1\r\n');
    assert.equal(isError(reply.error('ERR x')), true);
    assert.equal(isError(reply.ok), false);
  });
});

describe('integer lines and bulk lengths are written digit by digit', () => {
  test('every power of ten and its neighbours, both signs, the 32-bit edges, and beyond them', () => {
    const values = new Set<number>([0, -0, 2147483647, -2147483647, -2147483648, 2147483648, -2147483649, 4294967296, 2 ** 53 - 1, -(2 ** 53 - 1)]);
    for (let t = 1; t <= 1e15; t *= 10) for (const v of [t - 1, t, t + 1]) values.add(v).add(-v);
    for (let i = 0; i < 2000; i++) values.add(Math.floor((Math.random() - 0.5) * 2 ** (1 + (i % 40))));
    const w = new ReplyWriter();
    for (const v of values) {
      w.write(reply.int(v), 2);
      assert.equal(w.take().toString('latin1'), `:${String(v)}\r\n`, String(v));
    }
  });

  test('bulk lengths of every width', () => {
    for (const n of [0, 1, 9, 10, 99, 100, 999, 1000, 65535, 100000, 1048577]) {
      const s = 'b'.repeat(n);
      assert.equal(enc(reply.bulk(s), 2), `$${n}\r\n${s}\r\n`);
    }
  });

  test('+OK and other simple strings in one batch', () => {
    const w = new ReplyWriter();
    for (let i = 0; i < 3; i++) {
      w.write(reply.ok, 2);
      w.write(reply.simple('OK'), 3);
      w.write(reply.pong, 2);
    }
    assert.equal(w.take().toString('latin1'), '+OK\r\n+OK\r\n+PONG\r\n'.repeat(3));
  });
});

describe('CR and LF in simple strings and errors', () => {
  test('are replaced by spaces so the reply stays one line', () => {
    assert.equal(enc(reply.simple('a\r\nb\nc\rd'), 2), '+a  b c d\r\n');
    assert.equal(enc(reply.error("ERR unknown command 'x\r\ny'"), 3), "-ERR unknown command 'x  y'\r\n");
  });

  test('bulk strings keep them', () => {
    assert.equal(enc(reply.bulk('a\r\nb'), 2), '$4\r\na\r\nb\r\n');
  });
});

describe('the buffer', () => {
  test('a pipelined batch accumulates and leaves in one take()', () => {
    const w = new ReplyWriter();
    w.write(reply.ok, 2);
    w.write(reply.bulk('v'), 2);
    w.write(reply.nil, 3);
    assert.equal(w.size, 5 + 7 + 3);
    assert.equal(w.take().toString('latin1'), '+OK\r\n$1\r\nv\r\n_\r\n');
    assert.equal(w.size, 0);
    assert.equal(w.take().length, 0);
  });

  test('grows for a reply larger than its initial size', () => {
    const w = new ReplyWriter();
    const big = 'x'.repeat(5 * 1024 * 1024 + 7);
    w.write(reply.ok, 2);
    w.write(reply.bulk(big), 2);
    const out = w.take();
    const header = `+OK\r\n$${big.length}\r\n`;
    assert.equal(out.length, header.length + big.length + 2);
    assert.equal(out.toString('latin1', 0, header.length), header);
    assert.equal(out.toString('latin1', out.length - 3), 'x\r\n');
    // the writer is reusable after a big batch
    w.write(reply.pong, 2);
    assert.equal(w.take().toString('latin1'), '+PONG\r\n');
  });

  test('grows across many small replies (a large array)', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => reply.bulk(`member:${i}`));
    const out = encodeReply(reply.array(items), 3).toString('latin1');
    let expected = '*100000\r\n';
    for (let i = 0; i < 100_000; i++) expected += `$${`member:${i}`.length}\r\nmember:${i}\r\n`;
    assert.equal(out, expected);
  });

  test('grows for a long simple string and a big integer line', () => {
    const long = 's'.repeat(40_000);
    assert.equal(enc(reply.simple(long), 2), `+${long}\r\n`);
    const many = Array.from({ length: 20_000 }, () => reply.int(9007199254740991));
    const out = enc(reply.array(many), 2);
    assert.equal(out.length, '*20000\r\n'.length + 20_000 * ':9007199254740991\r\n'.length);
  });
});

/**
 * Issue 17: a reply longer than one JS array can hold (V8 aborts past ~112.8M pushed
 * elements) is built by ReplyList in parts. Parts of 3 items here stand in for 2^24:
 * the bytes must be those of the same reply in one array, for every aggregate kind, in
 * RESP2 and RESP3, with map pairs split across a part boundary.
 */
test('ReplyList: a reply built in parts encodes exactly as the same reply in one array', () => {
  for (const n of [0, 1, 3, 4, 7, 10]) {
    const items = Array.from({ length: n * 2 }, (_, i) => (i % 3 === 0 ? reply.int(i) : reply.bulk(`e${i}`)));
    for (const [of, whole] of [
      [Kind.Array, reply.array(items)],
      [Kind.Map, reply.map(items)],
      [Kind.Set, reply.set(items)],
    ] as const) {
      const list = new ReplyList(3);
      for (const it of items) list.push(it);
      assert.equal(list.length, items.length);
      const built = list.finish(of);
      // up to one part the plain reply, as before; beyond, the long form
      assert.equal(built.k, items.length > 3 ? Kind.Long : of, `n ${items.length}`);
      for (const resp of [2, 3] as const) assert.equal(enc(built, resp), enc(whole, resp), `kind ${of}, ${items.length} items, RESP${resp}`);
    }
  }
});

test('view(): the same window object again for the same bytes after written(), a new one for another length or after handedOff() (issue 17 goal 2)', () => {
  const w = new ReplyWriter();
  w.write(reply.simple('OK'), 2);
  const first = w.view();
  assert.equal(first.toString('latin1'), '+OK\r\n');
  w.written();
  w.write(reply.int(12), 2);
  const again = w.view();
  assert.equal(again, first, 'the same bytes of the same buffer: the window is reused, not allocated');
  assert.equal(again.toString('latin1'), ':12\r\n', 'and shows the new content');
  w.written();
  w.write(reply.bulk('abc'), 2);
  const longer = w.view();
  assert.notEqual(longer, first, 'another length: another window');
  assert.equal(longer.toString('latin1'), '$3\r\nabc\r\n');
  // a stream still holds `longer`: the writer goes on in a new buffer and never reuses it
  w.handedOff();
  w.write(reply.bulk('xyz'), 2);
  const fresh = w.view();
  assert.notEqual(fresh, longer);
  assert.equal(longer.toString('latin1'), '$3\r\nabc\r\n', 'bytes handed off are left alone');
  assert.equal(fresh.toString('latin1'), '$3\r\nxyz\r\n');
});
