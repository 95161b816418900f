/**
 * CI fuzz of every registered command with random and edge-value arguments as a
 * low-privilege user (test/fuzz/targets/command-target.ts): no internal error (replied or
 * logged), PING still answered, bounded time per command and bounded process memory.
 * `npm run fuzz -- --target commands --seconds N` runs it longer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAll } from './harness/fuzz-harness.js';
import { fuzzInCi } from './harness/ci-run.js';
import { commandTarget } from './targets/command-target.js';

test('every command, random arguments, user ~app:* &app:* +@all -@dangerous', { timeout: 180_000 }, async (t) => {
  await fuzzInCi(t, commandTarget(), { seed: 11_0008, maxInputs: 20_000, seconds: 40, minInputs: 500 });
});

test('edge-value regression inputs answer without an internal error', { timeout: 60_000 }, async () => {
  const inputs = [
    ['setrange', 'app:new', '4194304', 'x'],
    ['setbit', 'app:new', '4294967295', '1'],
    ['bitfield', 'app:new', 'SET', 'u63', '#99999999999', '1'],
    ['zadd', 'app:zset', 'nan', 'm'],
    ['incrbyfloat', 'app:float', 'inf'],
    ['xadd', 'app:stream', '18446744073709551615-18446744073709551615', 'f', 'v'],
    ['lpos', 'app:list', 'a', 'RANK', '-9223372036854775808'],
    ['hrandfield', 'app:hash', '-9223372036854775808'],
    ['zrandmember', 'app:zset', '-9223372036854775808'],
    ['srandmember', 'app:set', '-200000000'],
    ['hrandfield', 'app:hash', '-4611686018427387903', 'WITHVALUES'],
    ['getex', 'app:str', 'EX', '9223372036854775807'],
  ];
  const target = commandTarget();
  await target.setup!();
  try {
    assert.deepEqual(await checkAll(target, inputs), []);
  } finally {
    await target.teardown!();
  }
});

