/**
 * Request parser: every case is run whole, byte by byte and in random chunkings, and
 * must give the same commands and the same protocol error each way (the parser keeps
 * its state between chunks, so the split must never change the outcome).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  RequestParser,
  parseDecimal,
  UNAUTH_MAX_BULK,
  UNAUTH_MAX_MULTIBULK,
  type ParserLimits,
} from '../../src/protocol/request-parser.js';

const DEFAULT_LIMITS: ParserLimits = { maxBulkLen: 512 * 1024 * 1024, maxMultibulkLen: 1024 * 1024, maxInlineLen: 64 * 1024 };

interface Outcome {
  cmds: string[][];
  error: string | null;
}

function newParser(limits: Partial<ParserLimits> = {}, unauthenticated = false): RequestParser {
  return new RequestParser({ ...DEFAULT_LIMITS, ...limits }, { unauthenticated });
}

function drain(p: RequestParser, out: string[][]): void {
  for (;;) {
    const cmd = p.next();
    if (cmd === null) return;
    out.push(cmd);
  }
}

/** Feeds `input` split at `cuts` (sorted offsets), draining after every chunk. */
function runChunked(input: Buffer, cuts: number[], limits: Partial<ParserLimits> = {}, unauth = false): Outcome {
  const p = newParser(limits, unauth);
  const cmds: string[][] = [];
  let prev = 0;
  for (const c of [...cuts, input.length]) {
    if (c <= prev) continue;
    p.feed(input.subarray(prev, c));
    drain(p, cmds);
    prev = c;
  }
  return { cmds, error: p.error };
}

function bytes(s: string | Buffer): Buffer {
  return typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
}

/** Whole, byte by byte, and a few random chunkings: all must equal `expected`. */
function check(
  input: string | Buffer,
  expected: Outcome,
  opts: { limits?: Partial<ParserLimits>; unauth?: boolean; byteByByte?: boolean } = {},
): void {
  const buf = bytes(input);
  const whole = runChunked(buf, [], opts.limits, opts.unauth);
  assert.deepEqual(whole, expected, 'fed whole');
  if (opts.byteByByte !== false) {
    const cuts = Array.from({ length: buf.length }, (_, i) => i + 1);
    assert.deepEqual(runChunked(buf, cuts, opts.limits, opts.unauth), expected, 'fed byte by byte');
  }
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, buf.length - 1) }), { maxLength: 12 }), (cuts) => {
      cuts.sort((a, b) => a - b);
      assert.deepEqual(runChunked(buf, cuts, opts.limits, opts.unauth), expected);
    }),
    { numRuns: 30 },
  );
}

function resp(...argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

const ok = (...cmds: string[][]): Outcome => ({ cmds, error: null });
const err = (error: string, ...cmds: string[][]): Outcome => ({ cmds, error: `Protocol error: ${error}` });

describe('multibulk requests', () => {
  test('a single command', () => check(resp('SET', 'key', 'value'), ok(['SET', 'key', 'value'])));

  test('pipelined commands come out in order', () =>
    check(resp('SET', 'a', '1') + resp('GET', 'a') + resp('PING'), ok(['SET', 'a', '1'], ['GET', 'a'], ['PING'])));

  test('empty bulk and one-byte bulks', () => check('*3\r\n$4\r\nECHO\r\n$0\r\n\r\n$1\r\nx\r\n', ok(['ECHO', '', 'x'])));

  test('*0 and negative counts are skipped without a command', () => {
    check('*0\r\n*-1\r\n*-5\r\n' + resp('PING'), ok(['PING']));
    // string2ll accepts any 64-bit count; every non-positive one is skipped
    check('*-9007199254740993\r\n*-9223372036854775808\r\n' + resp('PING'), ok(['PING']));
  });

  test('the two bytes ending a bulk are not checked (as in Redis)', () =>
    check('*1\r\n$4\r\nPINGxx' + resp('ECHO', 'y'), ok(['PING'], ['ECHO', 'y'])));

  test('a count line ends at CR plus any one byte (as in Redis)', () =>
    check('*1\rX$4\r\nPING\r\n', ok(['PING'])));

  test('binary payloads with CR, LF, NUL and every byte value', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
    const tricky = '\r\n$3\r\n*1\r\n\0\xff\r';
    check(resp('SET', tricky, all), ok(['SET', tricky, all]));
  });

  test('a request that stops mid-way yields nothing yet', () => {
    for (const partial of ['*', '*2', '*2\r', '*2\r\n', '*2\r\n$3', '*2\r\n$3\r\nGE', '*2\r\n$3\r\nGET\r\n$1\r\nk\r']) {
      check(partial, ok());
    }
  });

  test('the next command after a complete one waits for its own bytes', () => {
    const p = newParser();
    p.feed(bytes(resp('PING') + '*1\r\n$4\r\nPI'));
    assert.deepEqual(p.next(), ['PING']);
    assert.equal(p.next(), null);
    p.feed(bytes('NG\r\n'));
    assert.deepEqual(p.next(), ['PING']);
    assert.equal(p.next(), null);
    assert.equal(p.error, null);
  });

  test('lastWasInline tells which syntax the last command used', () => {
    const p = newParser();
    p.feed(bytes('PING\r\n' + resp('PING')));
    p.next();
    assert.equal(p.lastWasInline, true);
    p.next();
    assert.equal(p.lastWasInline, false);
  });
});

describe('big bulks (≥ 32 KiB path)', () => {
  const sizes = [32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 100_000, 1024 * 1024 + 3];
  for (const n of sizes) {
    test(`a ${n}-byte binary bulk across chunks, followed by another command`, () => {
      const payload = Buffer.alloc(n);
      for (let i = 0; i < n; i++) payload[i] = (i * 7 + (i >> 8)) & 0xff;
      const value = payload.toString('latin1');
      const input = bytes(resp('SET', 'k', value) + resp('GET', 'k'));
      const expected = ok(['SET', 'k', value], ['GET', 'k']);
      assert.deepEqual(runChunked(input, []), expected);
      // cuts right before, inside and after the length line and the payload
      const start = input.indexOf('$' + n);
      for (const cuts of [[start + 2], [start + 10], [start + 10, start + 11, start + 12], [input.length - 20], [start + 9 + n]]) {
        assert.deepEqual(runChunked(input, cuts), expected, `cuts ${cuts.join(',')}`);
      }
      // many small chunks (a 1 KiB trickle)
      const trickle = Array.from({ length: Math.ceil(input.length / 1024) }, (_, i) => (i + 1) * 1024);
      assert.deepEqual(runChunked(input, trickle), expected, '1 KiB chunks');
    });
  }

  test('a 40 KiB bulk fed byte by byte', () => {
    const value = 'v'.repeat(40 * 1024);
    const input = bytes(resp('ECHO', value) + resp('PING'));
    const cuts = Array.from({ length: input.length }, (_, i) => i + 1);
    assert.deepEqual(runChunked(input, cuts), ok(['ECHO', value], ['PING']));
  });

  test('an announced huge bulk is not allocated before its bytes arrive', () => {
    const p = newParser();
    p.feed(bytes('*2\r\n$3\r\nSET\r\n$400000000\r\nabc'));
    assert.equal(p.next(), null);
    assert.equal(p.error, null);
    // only what arrived is held (pendingBytes counts the received bytes plus parsed args)
    assert.equal(p.pendingBytes, 3 + 3);
  });
});

describe('inline requests', () => {
  test('CRLF and bare LF endings', () => check('PING\r\nECHO a\nECHO b\r\n', ok(['PING'], ['ECHO', 'a'], ['ECHO', 'b'])));

  test('runs of spaces and tabs separate arguments', () => check('  SET \t key    value  \r\n', ok(['SET', 'key', 'value'])));

  test('empty and blank lines are skipped', () => check('\r\n\n   \r\n\t\r\nPING\n', ok(['PING'])));

  test('double quotes with every escape', () =>
    check('SET "a b" "\\x41\\x7a\\n\\r\\t\\b\\a\\\\\\"q"\r\n', ok(['SET', 'a b', 'Az\n\r\t\b\x07\\"q'])));

  test('an invalid \\x escape keeps the x, an unknown escape keeps the char', () =>
    check('ECHO "\\x4g" "a\\qb"\r\n', ok(['ECHO', 'x4g', 'aqb'])));

  test("single quotes only unescape \\'", () => check("ECHO 'a\\'b' 'c\\nd'\r\n", ok(['ECHO', "a'b", 'c\\nd'])));

  test('quotes can start mid-token and the empty quoted string is an argument', () =>
    check('ECHO abc"def" ""\r\n', ok(['ECHO', 'abcdef', ''])));

  test('a CR in the middle of a line separates arguments', () => check('ECHO a\rb\n', ok(['ECHO', 'a', 'b'])));

  test('binary bytes pass through inline arguments', () => check('ECHO \xff\x80\x01\r\n', ok(['ECHO', '\xff\x80\x01'])));

  test('inline and multibulk mixed in one pipeline', () =>
    check('PING\r\n' + resp('ECHO', 'x') + 'ECHO y\r\n' + resp('PING'), ok(['PING'], ['ECHO', 'x'], ['ECHO', 'y'], ['PING'])));

  test('a line without its newline waits', () => check('PING', ok()));
});

describe('protocol errors', () => {
  test('invalid multibulk length', () => {
    for (const bad of ['*abc', '*+1', '* 1', '*1 ', '*01', '*-0', '*', '*9223372036854775808', '*-9223372036854775809', '*1.5']) {
      check(`${resp('PING')}${bad}\r\n${resp('PING')}`, err('invalid multibulk length', ['PING']));
    }
  });

  test('a multibulk count above the limit', () => {
    check('*1048577\r\n', err('invalid multibulk length'));
    check('*1048576\r\n', ok());
    check('*6\r\n', err('invalid multibulk length'), { limits: { maxMultibulkLen: 5 } });
  });

  test('invalid bulk length', () => {
    for (const bad of ['$-1', '$abc', '$-0', '$01', '$', '$+3', '$ 3', '$3 ', '$99999999999999999999']) {
      check(`*1\r\n${bad}\r\nxyz\r\n`, err('invalid bulk length'));
    }
    check('*1\r\n$536870913\r\n', err('invalid bulk length'));
    check('*1\r\n$11\r\n', err('invalid bulk length'), { limits: { maxBulkLen: 10 } });
    check('*1\r\n$10\r\n0123456789\r\n', ok(['0123456789']), { limits: { maxBulkLen: 10 } });
  });

  test("expected '$', got 'x'", () => {
    check('*2\r\n$3\r\nGET\r\nx\r\n', err("expected '$', got 'x'"));
    check('*1\r\n:1\r\n', err("expected '$', got ':'"));
    check('*1\r\n\xff\r\n', err("expected '$', got '\xff'"));
  });

  test("the '$' check waits for a whole line, as Redis does", () => {
    check('*1\r\nfoo', ok());
    check('*1\r\nfoo\r', ok());
    check('*1\r\nfoo\r\n', err("expected '$', got 'f'"));
  });

  test('unbalanced quotes', () => {
    for (const bad of ['ECHO "abc', 'ECHO "a"b', "ECHO 'a'b", "ECHO 'abc", 'ECHO "\\"']) {
      check(`PING\r\n${bad}\r\nPING\r\n`, err('unbalanced quotes in request', ['PING']));
    }
  });

  test('too big inline request', () => {
    const limits = { maxInlineLen: 100 };
    check('x'.repeat(101), err('too big inline request'), { limits });
    check('x'.repeat(100), ok(), { limits });
    check('ECHO ' + 'x'.repeat(90) + '\r\n', ok(['ECHO', 'x'.repeat(90)]), { limits });
    // the default 64 KiB limit
    check(Buffer.alloc(64 * 1024 + 1, 'a'), err('too big inline request'), { byteByByte: false });
    check(Buffer.alloc(64 * 1024, 'a'), ok(), { byteByByte: false });
  });

  test('a 64 KiB inline line fed byte by byte stays linear and is accepted', () => {
    const line = 'ECHO ' + 'y'.repeat(64 * 1024 - 10) + '\r\n';
    const input = bytes(line);
    const started = Date.now();
    const out = runChunked(input, Array.from({ length: input.length }, (_, i) => i + 1));
    assert.deepEqual(out, ok(['ECHO', 'y'.repeat(64 * 1024 - 10)]));
    assert.ok(Date.now() - started < 5000, 'byte-by-byte parsing must not be quadratic');
  });

  test('too big mbulk count string', () => {
    check('*' + '1'.repeat(100), err('too big mbulk count string'), { limits: { maxInlineLen: 100 } });
    check('*' + '1'.repeat(98) + '\r', ok(), { limits: { maxInlineLen: 100 } });
    check(Buffer.from('*' + '1'.repeat(64 * 1024), 'latin1'), err('too big mbulk count string'), { byteByByte: false });
  });

  test('too big bulk count string', () => {
    check('*1\r\n$' + '1'.repeat(100), err('too big bulk count string'), { limits: { maxInlineLen: 100 } });
    // no '$' yet either: with no line at all, the size check comes first (as in Redis)
    check('*1\r\n' + 'x'.repeat(101), err('too big bulk count string'), { limits: { maxInlineLen: 100 } });
  });

  test('unauthenticated multibulk length', () => {
    const unauth = { unauth: true };
    check(`*${UNAUTH_MAX_MULTIBULK + 1}\r\n`, err('unauthenticated multibulk length'), unauth);
    check(resp(...Array.from({ length: UNAUTH_MAX_MULTIBULK }, () => 'a')), ok(Array.from({ length: 10 }, () => 'a')), unauth);
    check('*11\r\n', ok());
    // an invalid count is reported as invalid first
    check('*x\r\n', err('invalid multibulk length'), unauth);
  });

  test('inline requests share the unauthenticated argument cap (stricter than Redis)', () => {
    const line = Array.from({ length: 11 }, (_, i) => `a${i}`);
    check(line.join(' ') + '\r\n', err('unauthenticated multibulk length'), { unauth: true });
    const ten = line.slice(0, 10);
    check(ten.join(' ') + '\r\n', ok(ten), { unauth: true });
    check(line.join(' ') + '\r\n', ok(line));
  });

  test('unauthenticated bulk length', () => {
    const unauth = { unauth: true };
    check(`*1\r\n$${UNAUTH_MAX_BULK + 1}\r\n`, err('unauthenticated bulk length'), unauth);
    const max = 'b'.repeat(UNAUTH_MAX_BULK);
    check(resp('ECHO', max), ok(['ECHO', max]), { unauth: true, byteByByte: false });
    check('*1\r\n$-2\r\n', err('invalid bulk length'), unauth);
  });

  test('authenticating mid-pipeline lifts the limits for the following request', () => {
    const auth = { unauthenticated: true };
    const p = new RequestParser({ ...DEFAULT_LIMITS }, auth);
    p.feed(bytes(resp('AUTH', 'pw') + '*11\r\n'));
    assert.deepEqual(p.next(), ['AUTH', 'pw']);
    auth.unauthenticated = false; // what a successful AUTH does to the client
    assert.equal(p.next(), null);
    assert.equal(p.error, null);
  });

  test('after an error nothing more is parsed and input is dropped', () => {
    const p = newParser();
    p.feed(bytes('*x\r\n'));
    assert.equal(p.next(), null);
    assert.equal(p.error, 'Protocol error: invalid multibulk length');
    p.feed(bytes(resp('PING')));
    assert.equal(p.next(), null);
    assert.equal(p.pendingBytes, 0);
  });

  test('limits can change while the parser lives (CONFIG SET proto-max-bulk-len)', () => {
    const limits = { ...DEFAULT_LIMITS };
    const p = new RequestParser(limits, { unauthenticated: false });
    p.feed(bytes(resp('ECHO', 'hello')));
    assert.deepEqual(p.next(), ['ECHO', 'hello']);
    limits.maxBulkLen = 4;
    p.feed(bytes(resp('ECHO', 'hello')));
    assert.equal(p.next(), null);
    assert.equal(p.error, 'Protocol error: invalid bulk length');
  });
});

describe('pendingBytes', () => {
  test('counts unparsed input and the arguments of an incomplete command', () => {
    const p = newParser();
    assert.equal(p.pendingBytes, 0);
    p.feed(bytes('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nval'));
    assert.equal(p.next(), null);
    // SET and key parsed (6 bytes), the "$5" line consumed, "val" (3 bytes) unparsed
    assert.equal(p.pendingBytes, 6 + 3);
    assert.equal(p.argvBytes, 6);
    assert.equal(p.bufferedBytes, 3);
    p.feed(bytes('ue\r\nPI'));
    assert.deepEqual(p.next(), ['SET', 'key', 'value']);
    assert.equal(p.next(), null);
    assert.equal(p.pendingBytes, 2);
    p.feed(bytes('NG\r\n'));
    assert.deepEqual(p.next(), ['PING']);
    assert.equal(p.pendingBytes, 0);
  });

  test('counts a partly received big bulk', () => {
    const p = newParser();
    p.feed(bytes('*1\r\n$50000\r\n'));
    p.feed(Buffer.alloc(20000, 1));
    assert.equal(p.next(), null);
    assert.equal(p.pendingBytes, 20000);
    p.feed(Buffer.alloc(30002, 1));
    const cmd = p.next();
    assert.equal(cmd?.[0]?.length, 50000);
    assert.equal(p.pendingBytes, 0);
  });
});

describe('parseDecimal (string2ll rules)', () => {
  const parse = (s: string) => parseDecimal(Buffer.from(s, 'latin1'), 0, s.length);
  test('accepts what string2ll accepts', () => {
    assert.equal(parse('0'), 0);
    assert.equal(parse('7'), 7);
    assert.equal(parse('-7'), -7);
    assert.equal(parse('1048576'), 1048576);
    assert.equal(parse('9223372036854775807'), 9223372036854775807);
    assert.equal(parse('-9223372036854775808'), -9223372036854775808);
  });
  test('rejects what string2ll rejects', () => {
    for (const s of ['', '-', '-0', '00', '01', '+1', ' 1', '1 ', '1a', '9223372036854775808', '-9223372036854775809', '123456789012345678901']) {
      assert.equal(parse(s), null, JSON.stringify(s));
    }
  });
});

describe('property: random requests survive any chunking', () => {
  const binaryArg = fc
    .oneof(
      { weight: 8, arbitrary: fc.uint8Array({ maxLength: 40 }) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 32 * 1024, maxLength: 34 * 1024 }) },
    )
    .map((u) => Buffer.from(u).toString('latin1'));
  const argv = fc.array(binaryArg, { minLength: 1, maxLength: 6 });

  test('multibulk argv arrays encoded as RESP come out identical', () => {
    fc.assert(
      fc.property(fc.array(argv, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 20 }), (cmds, rawCuts) => {
        const input = bytes(cmds.map((c) => resp(...c)).join(''));
        const cuts = [...new Set(rawCuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
        assert.deepEqual(runChunked(input, cuts), ok(...cmds));
      }),
      { numRuns: 300 },
    );
  });

  test('inline commands of plain tokens come out identical', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9_:.-]{1,12}$/);
    fc.assert(
      fc.property(fc.array(fc.array(token, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 10 }), (cmds, rawCuts) => {
        const input = bytes(cmds.map((c) => c.join(' ') + '\r\n').join(''));
        const cuts = [...new Set(rawCuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
        assert.deepEqual(runChunked(input, cuts), ok(...cmds));
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * A whole request already buffered takes a one-pass shortcut (readWhole); a request fed in
 * pieces goes through the general path. Both must give the same result for any bytes, so
 * damaged framing (counts with signs, leading zeros, junk, lengths near the limits, a
 * missing '$') is fed whole and byte by byte and the outcomes compared.
 */
describe('the whole-request shortcut agrees with the general path', () => {
  const framing = fc.constantFrom('*', '$', '\r', '\n', '0', '1', '9', '-', '+', ' ', 'x', '00', '32768', '32767', '1024', '1025');
  test('mutated requests: same commands and same error, whole and byte by byte', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.uint8Array({ maxLength: 12 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), framing, fc.boolean()), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(4, 1024, 1025),
        fc.constantFrom(5, 1000),
        (cmds, edits, maxMultibulkLen, maxBulkLen) => {
          let text = cmds.map((c) => resp(...c.map((u) => Buffer.from(u).toString('latin1')))).join('');
          for (const [at, piece, replace] of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + piece + text.slice(replace ? i + 1 : i);
          }
          const input = bytes(text);
          const limits = { maxMultibulkLen, maxBulkLen, maxInlineLen: 64 };
          const whole = runChunked(input, [], limits);
          const byByte = runChunked(input, Array.from({ length: input.length }, (_, i) => i + 1), limits);
          assert.deepEqual(whole, byByte);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('command names reused from the name table come back byte for byte', () => {
    // 3,000 names of one length share the table's 256 slots, so slots are reused and
    // names that collide must still be told apart; every byte value appears in a name
    const names: string[] = [];
    for (let i = 0; i < 3000; i++) names.push(String.fromCharCode(i & 0xff, (i >> 8) & 0xff, (i * 7) & 0xff, 0x41 + (i % 26)));
    for (let len = 1; len <= 30; len++) names.push('\xff'.repeat(len), 'a'.repeat(len), String.fromCharCode(...Array.from({ length: len }, (_, i) => (i * 37 + len) & 0xff)));
    const cmds = names.flatMap((n) => [[n, 'k'], [n.replace(/[a-z]/g, (c) => c.toUpperCase()), 'k']]);
    const input = bytes(cmds.map((c) => resp(...c)).join(''));
    assert.deepEqual(runChunked(input, []), ok(...cmds));
    // and again, now that the table holds some of them
    assert.deepEqual(runChunked(input, [input.length >> 1]), ok(...cmds));
  });

  test('short arguments reused from the argument table come back byte for byte', () => {
    // keys of one length that differ in a single byte, at the start, the middle or the end
    // (the table compares from the end and samples three bytes for the slot), a shared
    // prefix like redis-benchmark -r keys, every byte value, lengths up to the 32-byte
    // limit and just past it; sent twice, so the second pass reads them from the table
    const args: string[] = [];
    for (let len = 1; len <= 33; len++) {
      for (let b = 0; b < 256; b += 5) {
        const base = Array.from({ length: len }, (_, i) => (i * 29 + len) & 0xff);
        for (const at of [0, len >> 2, len >> 1, len - 1]) {
          const v = base.slice();
          v[at] = b;
          args.push(String.fromCharCode(...v));
        }
      }
    }
    for (let i = 0; i < 2000; i++) args.push(`key:${String(i * 7919).padStart(12, '0')}`);
    const cmds = args.map((a, i) => (i % 2 === 0 ? ['SET', a, args[(i * 31) % args.length]!] : ['HSET', 'h', a, a]));
    const input = bytes(cmds.map((c) => resp(...c)).join(''));
    assert.deepEqual(runChunked(input, []), ok(...cmds));
    assert.deepEqual(runChunked(input, [input.length >> 1]), ok(...cmds));
  });

  test('arguments of every length up to 40 bytes, every byte value', () => {
    const cmds: string[][] = [];
    for (let len = 0; len <= 40; len++) {
      for (let b = 0; b < 256; b += 51) cmds.push(['ECHO', String.fromCharCode(...Array.from({ length: len }, (_, i) => (b + i * 13) & 0xff))]);
    }
    check(cmds.map((c) => resp(...c)).join(''), ok(...cmds), { byteByByte: false });
  });
});

/**
 * checkAhead: input buffered while the connection holds its replies is checked without
 * being parsed. It must agree with next(): an error it reports is the one next() reports
 * on the same bytes; it reports nothing next() would accept; and an unauthenticated cap
 * broken after a login command is 'wait' (its fate depends on that login), never an error.
 */
describe('look-ahead over held input (checkAhead)', () => {
  const small: Partial<ParserLimits> = { maxInlineLen: 64, maxBulkLen: 200, maxMultibulkLen: 50 };
  const piece = fc.oneof(
    fc.constantFrom('AUTH', 'auth', 'HELLO', 'reset', 'PING', 'GET', 'x').map((n) => resp(n, 'a')),
    fc.constantFrom('AUTH u p\r\n', 'hello\r\n', 'PING\r\n', 'a b c d e f g h i j k\r\n', '"unbalanced\r\n', '\r\n'),
    fc.integer({ min: -2, max: 60 }).map((n) => `*${n}\r\n`),
    fc.integer({ min: -2, max: 250 }).map((n) => `$${n}\r\n`),
    fc.nat({ max: 120 }).map((n) => 'A'.repeat(n)),
    fc.uint8Array({ maxLength: 12 }).map((u) => Buffer.from(u).toString('latin1')),
  );

  test('agrees with next(), whole and in random chunks, logged in or not', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), fc.nat({ max: 3 }), (pieces, unauth, rawCuts, parsedFirst) => {
        const input = bytes(pieces.join(''));
        const cuts = [...new Set(rawCuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
        // as in Redis, whether a line is too long depends on what had arrived: same chunks
        const reference = runChunked(input, cuts, small, unauth);
        // the held connection: a few commands parsed, then everything else only fed and checked
        const p = newParser(small, unauth);
        let prev = 0;
        let parsed = 0;
        let verdict: 'ok' | 'wait' = 'ok';
        for (const c of [...cuts, input.length]) {
          if (c < prev) continue;
          p.feed(input.subarray(prev, c));
          prev = c;
          while (parsed < parsedFirst && p.error === null && p.next() !== null) parsed++;
          verdict = p.checkAhead();
          if (p.error !== null) break;
        }
        if (p.error !== null) {
          assert.equal(p.error, reference.error, 'an error found ahead is the one next() finds');
        } else if (reference.error !== null) {
          // missed only when it is an unauthenticated cap behind a login still to run
          assert.equal(verdict, 'wait', `next() finds ${reference.error}`);
          assert.match(reference.error, /unauthenticated/);
        }
        if (verdict === 'wait') assert.ok(unauth, 'only unauthenticated caps wait');
      }),
      { numRuns: 3000 },
    );
  });

  test('a cap broken after a pending AUTH waits; without one it is an error at once', () => {
    const p = newParser({}, true);
    p.feed(bytes(resp('AUTH', 'u', 'p') + `*${UNAUTH_MAX_MULTIBULK + 1}\r\n`));
    assert.deepEqual(p.next(), ['AUTH', 'u', 'p']);
    assert.equal(p.checkAhead(), 'ok', 'the AUTH has been parsed (and run): the cap is certain');
    assert.equal(p.error, 'Protocol error: unauthenticated multibulk length');
    const q = newParser({}, true);
    q.feed(bytes(resp('PING') + resp('AUTH', 'u', 'p') + `*1\r\n$${UNAUTH_MAX_BULK + 1}\r\n`));
    assert.deepEqual(q.next(), ['PING']);
    assert.equal(q.checkAhead(), 'wait', 'the AUTH ahead may log the client in');
    assert.equal(q.error, null);
    assert.equal(q.checkAhead(true), 'wait');
    assert.deepEqual(q.next(), ['AUTH', 'u', 'p']);
    assert.equal(q.checkAhead(), 'ok');
    assert.equal(q.error, 'Protocol error: unauthenticated bulk length');
  });

  test('input checked ahead costs one pass: 4 MiB of pipelined commands fed in small chunks', () => {
    const p = newParser({}, false);
    p.feed(bytes(resp('BLPOP', 'k', '0')));
    assert.deepEqual(p.next(), ['BLPOP', 'k', '0']);
    const chunk = bytes(resp('SET', 'k', 'v'.repeat(100)).repeat(40));
    let fed = 0;
    while (fed < 4 * 1024 * 1024) {
      p.feed(chunk);
      fed += chunk.length;
      assert.equal(p.checkAhead(), 'ok');
    }
    assert.equal(p.error, null);
    assert.equal(p.bufferedBytes, fed);
    // everything checked ahead still parses
    let n = 0;
    while (p.next() !== null) n++;
    assert.equal(n, (fed / chunk.length) * 40);
  });
});
