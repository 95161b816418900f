import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupSyncPolicy } from '../../src/persistence/aof/group-sync-policy.js';

/** Drives a policy through `batches` group commits whose loop fsyncs take `fsyncMs`; L = loop, P = pool. */
function run(p: GroupSyncPolicy, batches: number, fsyncMs: number): string {
  let where = '';
  for (let i = 0; i < batches; i++) {
    if (p.syncOnLoop()) {
      p.loopSynced(fsyncMs);
      where += 'L';
    } else {
      where += 'P';
    }
  }
  return where;
}

test('group commit policy: on the loop while fsyncs are fast, on the pool while they are slow, with a probe on the loop', () => {
  const p = new GroupSyncPolicy('adaptive');
  // fsyncs of 3 ms (a busy disk): every group commit on the loop, as Redis's
  assert.equal(run(p, 50, 3), 'L'.repeat(50));
  // the disk turns slow (40 ms): to the pool once the average passes 10 ms, then one probe in 32
  const slow = run(p, 200, 40);
  assert.match(slow, /^L{1,10}P/);
  const tail = slow.slice(slow.indexOf('P'));
  const probes = tail.split('L').length - 1;
  assert.ok(probes >= 4 && probes <= 7, `one group commit in 32 probes on the loop: ${tail}`);
  assert.ok(p.averageFsyncUs > 10_000);
  // fast again: the probes see it and the loop takes over
  assert.match(run(p, 400, 0.2), /L{100}$/);
  // fixed modes
  assert.equal(run(new GroupSyncPolicy('pool'), 5, 0.1), 'PPPPP');
  assert.equal(run(new GroupSyncPolicy('loop'), 5, 100), 'LLLLL');
});
