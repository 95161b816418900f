/**
 * Request parser fuzz: random protocol-shaped byte streams (fragments of valid and
 * broken requests) and plain random bytes. The parser must never throw, and the split of
 * the stream into chunks must never change what it produces: the same commands and the
 * same protocol error, whether fed whole, byte by byte, or in random pieces.
 * Seeded: a failure prints the seed and path to replay it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RequestParser } from '../../src/protocol/request-parser.js';
import { fuzzInCi } from './harness/ci-run.js';
import { parserTarget } from './targets/parser-target.js';

const SEED = 20240611;

interface Outcome {
  cmds: string[][];
  error: string | null;
}

function run(input: Buffer, cuts: number[], unauthenticated: boolean): Outcome {
  const p = new RequestParser({ maxBulkLen: 512 * 1024 * 1024, maxMultibulkLen: 1024 * 1024, maxInlineLen: 64 * 1024 }, { unauthenticated });
  const cmds: string[][] = [];
  let prev = 0;
  for (const c of [...cuts, input.length]) {
    if (c <= prev) continue;
    p.feed(input.subarray(prev, c));
    for (let cmd = p.next(); cmd !== null; cmd = p.next()) cmds.push(cmd);
    prev = c;
  }
  return { cmds, error: p.error };
}

function resp(argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

/** Pieces that exercise every parser state, glued in random order. */
const fragment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('*', '$', '-', '+', '0', '1', '9', '12', '-1', '\r', '\n', '\r\n', ' ', '"', "'", '\\', 'x', 'ECHO', 'PING', '\xff', '\t'),
  fc.integer({ min: -2, max: 12 }).map((n) => `*${n}\r\n`),
  fc.integer({ min: -2, max: 12 }).map((n) => `$${n}\r\n`),
  fc.array(fc.stringMatching(/^[a-z"' \\]{0,6}$/), { minLength: 1, maxLength: 3 }).map((a) => resp(a)),
  fc.stringMatching(/^[A-Za-z "'\\x0-9]{0,12}$/).map((s) => s + '\r\n'),
);

const protocolStream: fc.Arbitrary<string> = fc.array(fragment, { minLength: 1, maxLength: 30 }).map((a) => a.join(''));

test('protocol-shaped streams: no throw, chunking never changes the outcome', () => {
  fc.assert(
    fc.property(protocolStream, fc.array(fc.nat(), { maxLength: 15 }), fc.boolean(), (text, rawCuts, unauth) => {
      const input = Buffer.from(text, 'latin1');
      const whole = run(input, [], unauth);
      const cuts = [...new Set(rawCuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
      assert.deepEqual(run(input, cuts, unauth), whole);
      const every = Array.from({ length: input.length }, (_, i) => i + 1);
      assert.deepEqual(run(input, every, unauth), whole);
    }),
    { seed: SEED, numRuns: 1500 },
  );
});

test('random bytes: no throw, chunking never changes the outcome', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, rawCuts) => {
      const input = Buffer.from(bytes);
      const whole = run(input, [], false);
      const cuts = [...new Set(rawCuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
      assert.deepEqual(run(input, cuts, false), whole);
    }),
    { seed: SEED + 1, numRuns: 1500 },
  );
});

test('every parsed command is non-empty and made of binary strings', () => {
  fc.assert(
    fc.property(protocolStream, (text) => {
      const out = run(Buffer.from(text, 'latin1'), [], false);
      for (const cmd of out.cmds) {
        assert.ok(cmd.length > 0);
        for (const a of cmd) for (let i = 0; i < a.length; i++) assert.ok(a.charCodeAt(i) <= 255);
      }
      if (out.error !== null) assert.match(out.error, /^Protocol error: /);
    }),
    { seed: SEED + 2, numRuns: 500 },
  );
});

// The harness target (test/fuzz/targets/parser-target.ts): the same oracle with small
// limits reached, unauthenticated caps, and bounded held bytes, at volume: up to 10^6
// inputs (each fed whole and in random pieces, one in four also byte by byte) in 60 s.
test('harness: up to 10^6 seeded streams, whole / in pieces / byte by byte', { timeout: 180_000 }, async (t) => {
  await fuzzInCi(t, parserTarget, { seed: 11_0001, maxInputs: 1_000_000, seconds: 60, minInputs: 50_000 });
});
