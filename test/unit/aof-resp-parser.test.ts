import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RespCommandParser, RespFormatError, type ParsedCommand } from '../../src/persistence/aof/resp-command-parser.js';
import { encodeCommand, RespCommandBuilder } from '../../src/persistence/aof/resp-command-builder.js';

const binStr = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 30 }).map((b) => String.fromCharCode(...b));
const argvArb = fc.array(binStr, { minLength: 1, maxLength: 6 });

function parseAll(chunks: Buffer[]): { cmds: ParsedCommand[]; end: 'clean' | 'truncated' } {
  const p = new RespCommandParser();
  const cmds: ParsedCommand[] = [];
  for (const c of chunks) {
    p.push(c);
    for (let cmd = p.next(); cmd !== null; cmd = p.next()) cmds.push(cmd);
  }
  return { cmds, end: p.finish() };
}

test('RESP parser: random binary commands, whole and split at every byte', () => {
  fc.assert(
    fc.property(fc.array(argvArb, { minLength: 1, maxLength: 4 }), fc.boolean(), (cmds, annotate) => {
      const b = new RespCommandBuilder(8);
      const ends: number[] = [];
      // offsets where input may stop cleanly: item boundaries and inside an annotation line
      const clean = new Set<number>([0]);
      for (const c of cmds) {
        if (annotate) {
          const a = b.length;
          b.raw('#TS:1700000000\r\n');
          for (let i = a; i <= b.length; i++) clean.add(i);
        }
        b.command(c);
        ends.push(b.length);
        clean.add(b.length);
      }
      const all = Buffer.from(b.view());
      const whole = parseAll([all]);
      assert.equal(whole.end, 'clean');
      assert.deepEqual(
        whole.cmds.map((c) => c.argv),
        cmds,
      );
      assert.deepEqual(
        whole.cmds.map((c) => c.end),
        ends,
      );
      for (let i = 0; i <= all.length; i++) {
        const split = parseAll([all.subarray(0, i), all.subarray(i)]);
        assert.deepEqual(
          split.cmds.map((c) => c.argv),
          cmds,
        );
        // a prefix alone: complete commands come out, the rest is a torn tail
        const prefix = parseAll([all.subarray(0, i)]);
        const complete = ends.filter((e) => e <= i).length;
        assert.equal(prefix.cmds.length, complete);
        assert.equal(prefix.end, clean.has(i) ? 'clean' : 'truncated', `prefix ${i}`);
      }
    }),
    { numRuns: 150 },
  );
});

test('RESP parser: byte-by-byte feeding gives the same commands and offsets', () => {
  fc.assert(
    fc.property(fc.array(argvArb, { minLength: 1, maxLength: 5 }), (cmds) => {
      const all = Buffer.concat(cmds.map(encodeCommand));
      const bytes: Buffer[] = [];
      for (let i = 0; i < all.length; i++) bytes.push(all.subarray(i, i + 1));
      const r = parseAll(bytes);
      assert.equal(r.end, 'clean');
      assert.deepEqual(
        r.cmds.map((c) => c.argv),
        cmds,
      );
      let off = 0;
      for (const c of r.cmds) {
        assert.equal(c.start, off);
        off = c.end;
      }
    }),
    { numRuns: 100 },
  );
});

function formatErrorAt(data: string): number {
  try {
    parseAll([Buffer.from(data, 'latin1')]);
  } catch (e) {
    assert.ok(e instanceof RespFormatError);
    return e.offset;
  }
  assert.fail('no format error for ' + JSON.stringify(data));
}

test('RESP parser: garbage is a format error with its offset', () => {
  assert.equal(formatErrorAt('xyz\r\n'), 0);
  assert.equal(formatErrorAt('*1\r\n$4\r\nPING\r\nhello\r\n'), 14);
  assert.equal(formatErrorAt('*1\r\nX4\r\n'), 4);
  assert.equal(formatErrorAt('*1\r\n$4\r\nPINGxx'), 12);
  assert.equal(formatErrorAt('*0\r\n'), 0);
  assert.equal(formatErrorAt('*abc\r\n'), 0);
  // a torn tail that cannot be the start of a command is garbage too
  assert.equal(formatErrorAt('*1\r\n$4\r\nPING\r\n*1\r\nzz'), 18);
  assert.equal(formatErrorAt('*1\r\n$4\r\nPING\r\n*x'), 14);
});

test('RESP parser: a 64 MiB bulk in 1 MiB chunks is assembled once (linear)', () => {
  const big = 'v'.repeat(64 * 1024 * 1024);
  const all = Buffer.concat([encodeCommand(['SET', 'k', big]), encodeCommand(['PING'])]);
  const p = new RespCommandParser();
  const out: ParsedCommand[] = [];
  const t0 = performance.now();
  for (let i = 0; i < all.length; i += 1024 * 1024) {
    p.push(all.subarray(i, Math.min(all.length, i + 1024 * 1024)));
    for (let c = p.next(); c !== null; c = p.next()) out.push(c);
  }
  const ms = performance.now() - t0;
  assert.equal(p.finish(), 'clean');
  assert.equal(out.length, 2);
  assert.equal(out[0]!.argv[2]!.length, big.length);
  assert.equal(out[0]!.argv[2], big);
  assert.deepEqual(out[1]!.argv, ['PING']);
  // quadratic re-copying of 64 chunks would take far longer than this bound
  assert.ok(ms < 5000, `took ${ms} ms`);
});
