/**
 * The cron's young-generation trim (issue 17 goal 4): a young-generation collection once no
 * command has run for QUIET_MS, then RETRY_MS apart, at most MAX_ATTEMPTS per quiet spell,
 * none while commands run or when the young generation is already at its initial size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_NEW_SPACE, MAX_ATTEMPTS, QUIET_MS, RETRY_MS, YoungGenTrim, youngGenCanShrink } from '../../src/server/young-gen-trim.js';
import { gcFlags } from '../../src/server/heap-sizing.js';

test('a collection once no command has run for QUIET_MS, retried at most MAX_ATTEMPTS times, none while busy', () => {
  let size = 16 * 2 ** 20;
  let calls = 0;
  const trim = new YoungGenTrim(
    () => calls++,
    () => size,
  );
  let now = 1_000_000;
  let commands = 0;
  // busy: a command every tick, for longer than QUIET_MS
  for (let i = 0; i < 100; i++) trim.tick((now += 100), ++commands);
  assert.equal(calls, 0);
  // quiet, but not yet for QUIET_MS
  trim.tick((now += QUIET_MS - 200), commands);
  assert.equal(calls, 0);
  trim.tick((now += 200), commands);
  assert.equal(calls, 1);
  // V8 did not shrink (its rate window): asked again RETRY_MS later, up to MAX_ATTEMPTS
  trim.tick((now += RETRY_MS - 200), commands);
  assert.equal(calls, 1);
  trim.tick((now += 200), commands);
  assert.equal(calls, 2);
  for (let i = 0; i < 20; i++) trim.tick((now += RETRY_MS), commands);
  assert.equal(calls, MAX_ATTEMPTS);
  // a command starts a new spell; this time the space shrinks after the first collection
  trim.tick((now += 100), ++commands);
  trim.tick((now += QUIET_MS), commands);
  assert.equal(calls, MAX_ATTEMPTS + 1);
  size = INITIAL_NEW_SPACE;
  for (let i = 0; i < 5; i++) trim.tick((now += RETRY_MS), commands);
  assert.equal(calls, MAX_ATTEMPTS + 1);
});

test('the trim is off when the young generation has a fixed minimum (the relaunch default), on otherwise', () => {
  assert.equal(youngGenCanShrink([], undefined), true);
  assert.equal(youngGenCanShrink(['--max-old-space-size=4096', '--max-semi-space-size=16'], ''), true);
  assert.equal(youngGenCanShrink(['--min-semi-space-size=16', '--max-semi-space-size=16'], undefined), false);
  assert.equal(youngGenCanShrink([], '--trace-gc --min_semi_space_size=8'), false);
  // the relaunch's own flags fix it
  assert.equal(youngGenCanShrink(gcFlags([], undefined), undefined), false);
});
