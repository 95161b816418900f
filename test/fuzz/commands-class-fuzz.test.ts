/**
 * CI run of the `commands-class` fuzz target (test/fuzz/targets/command-class-target.ts):
 * seeded sequences of random commands, the same on Redoubt and on redis-server as the same
 * `~app:* &app:* +@all -@dangerous` user, must get the same class of answer (error or not,
 * and the error's first word) at every step, and leave the same keys behind. Skips loudly
 * without redis-server. `npm run fuzz -- --target commands-class --seconds N` runs longer.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { checkAll } from './harness/fuzz-harness.js';
import { fuzzInCi } from './harness/ci-run.js';
import { commandClassTarget, replyClass, type CommandClassTarget } from './targets/command-class-target.js';
import { findRedisServer, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';
import { knownClassDifference, knownClassDifferences } from '../compat/known-differences.js';

const noOracle = findRedisServer() === null;
if (noOracle) console.warn(`\n*** commands-class-fuzz: ${NO_ORACLE_MESSAGE} ***\n`);
const skip = noOracle ? NO_ORACLE_MESSAGE : false;

test('same answer class as redis-server for random command sequences', { timeout: 120_000, skip }, async (t) => {
  const target = commandClassTarget();
  await fuzzInCi(t, target, { seed: 11_0009, maxInputs: 20_000, seconds: 30, minInputs: 100 });
  t.diagnostic(`commands compared: ${target.compared()} (drawn from ${target.subset().length} commands); inputs stopped at a known 7.0/7.2 difference: ${target.knownStops()}`);
  t.diagnostic(`answer classes: ${JSON.stringify(target.classCounts())}`);
});

describe('fixed inputs against redis-server', { skip }, () => {
  let target: CommandClassTarget;
  before(async () => {
    target = commandClassTarget();
    await target.setup!();
  });
  after(async () => {
    await target.teardown!();
  });

  test('regression inputs found by the fuzzer answer in the same class', async () => {
    // Redis falls back to a getkeys proc that reads numkeys with atoi ("1-1" is 1, "1x"
    // too), so these name keys outside ~app:* and Redis answers NOPERM; Redoubt found no
    // keys and answered ERR (fixed in src/command-model/key-extraction.ts).
    const inputs = [
      [['sintercard', '1-1', 'a']],
      [['zunionstore', 'd', '1x', 'app:zset']],
      [['lmpop', ' 1', 'other:str', 'left']],
      [['xreadgroup', 'STREAMS', 'a', 'b', 'c', 'd', 'STREAMS', 'x']],
      // numkeys '1-1' read with atoi by evalGetKeys / functionGetKeys: key '100' is checked by ACL
      [['fcall_ro', 'abc', '1-1', '100']],
      [['eval', 'return 1', '1-1', '100']],
    ];
    assert.deepEqual(await checkAll(target, inputs), []);
    // and the class does show NOPERM on both, so the inputs still test what they found
    for (const seq of inputs) {
      const [r] = await target.classesOf(seq);
      assert.deepEqual([r!.wantClass, r!.gotClass], ['NOPERM', 'NOPERM'], JSON.stringify(seq));
    }
  });

  test('every known class difference still shows, exactly as listed', async () => {
    for (const d of knownClassDifferences) {
      const steps = await target.classesOf(d.example);
      const last = steps.at(-1)!;
      for (const s of steps.slice(0, -1)) assert.equal(s.wantClass, s.gotClass, `${d.command}: ${JSON.stringify(s)}`);
      assert.notEqual(last.wantClass, last.gotClass, `${d.command}: the example no longer differs: ${JSON.stringify(last)}`);
      assert.equal(knownClassDifference(last.argv, last.wantClass, last.gotClass), d, `${d.command}: ${JSON.stringify(last)}`);
    }
  });
});

test('reply classes', () => {
  assert.equal(replyClass(['get', 'k'], null), '(no reply)');
  assert.equal(replyClass(['get', 'k'], '$-1\r\n'), '(reply)');
  assert.equal(replyClass(['get', 'k'], '-WRONGTYPE Operation against a key\r\n'), 'WRONGTYPE');
  assert.equal(replyClass(['get', 'k'], '-ERR\r\n'), 'ERR');
  assert.equal(replyClass(['EXEC'], '*3\r\n+OK\r\n-ERR x\r\n*2\r\n$1\r\na\r\n-NOPE y\r\n'), 'exec[(reply), ERR, (reply)]');
  assert.equal(replyClass(['exec'], '*-1\r\n'), '(reply)');
});
