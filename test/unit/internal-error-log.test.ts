import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InternalErrorLog } from '../../src/server/internal-error-log.js';

test('internal errors: the first few are logged in full, the rest counted in one summary line', () => {
  const lines: string[] = [];
  let now = 1000;
  const log = new InternalErrorLog({ warning: (m) => lines.push(m) }, { windowMs: 10_000, fullPerWindow: 3, now: () => now });
  for (let i = 0; i < 100_000; i++) {
    log.report("executing 'set'", new RangeError(`Map maximum size exceeded ${i}`));
    now += 0.01;
  }
  // 3 traces + the notice that further ones are counted
  assert.equal(lines.length, 4);
  assert.ok(lines.slice(0, 3).every((l) => l.includes('RangeError') && l.includes('    at ')), 'full stack traces first');
  log.flush();
  assert.equal(lines.length, 5);
  assert.match(lines[4]!, /Internal errors: 99997 more in the last [\d.]+ s, not logged in full \(last: executing 'set': Map maximum size exceeded 99999\)/);
  // after the summary, the next error opens a new window and is logged in full again
  now += 20_000;
  log.report("executing 'get'", new Error('boom'));
  assert.equal(lines.length, 6);
  assert.match(lines[5]!, /Internal error executing 'get': Error: boom/);
  log.flush();
  assert.equal(lines.length, 6, 'nothing counted: no summary');
});

test('internal errors: the summary is written by a timer when errors stop', async () => {
  const lines: string[] = [];
  const log = new InternalErrorLog({ warning: (m) => lines.push(m) }, { windowMs: 50, fullPerWindow: 1 });
  for (let i = 0; i < 10; i++) log.report('x', new Error(`e${i}`));
  assert.equal(lines.length, 2);
  const deadline = Date.now() + 5000;
  while (lines.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(lines.length, 3);
  assert.match(lines[2]!, /9 more/);
});
