import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupSyncPolicy } from '../../src/persistence/aof/group-sync-policy.js';

/** Drives a policy with a made-up loop: `work` ms of loop activity per batch, fsyncs of `fsync` ms. */
function run(p: GroupSyncPolicy, clock: { active: number }, batches: number, work: number, fsync: number): string {
  let where = '';
  for (let i = 0; i < batches; i++) {
    clock.active += work;
    if (p.syncOnLoop()) {
      clock.active += fsync; // a loop fsync is loop activity too
      p.loopSynced(fsync);
      where += 'L';
    } else {
      where += 'P';
    }
  }
  return where;
}

test('group commit policy: on the loop while the disk is the bottleneck or fsyncs are tiny, on the pool while the loop is, with a probe', () => {
  const clock = { active: 0 };
  const p = new GroupSyncPolicy('adaptive', () => clock.active);
  // unpipelined clients on a slow disk: 1 ms of work per batch, 3 ms fsyncs: all on the loop
  assert.equal(run(p, clock, 20, 1, 3), 'L'.repeat(20));
  // pipelined clients: 4 ms of work per batch, 1 ms fsyncs: the pool, once the averages move
  const heavy = run(p, clock, 200, 4, 1);
  assert.match(heavy, /^L{1,20}P+/);
  const tail = heavy.slice(100);
  assert.ok(tail.includes('L') && tail.split('L').length - 1 <= Math.ceil(100 / 32) + 1, `one probe in 32 on the loop: ${tail}`);
  // the disk turns very fast (10 µs): the probes see it, and since the hop costs more than
  // such an fsync, every batch goes to the loop whatever the work
  assert.match(run(p, clock, 2000, 4, 0.01), /L{50}$/);
  assert.ok(p.averages.fsyncUs < 30);
  // fixed modes
  assert.equal(run(new GroupSyncPolicy('pool', () => clock.active), clock, 5, 1, 3), 'PPPPP');
  assert.equal(run(new GroupSyncPolicy('loop', () => clock.active), clock, 5, 4, 1), 'LLLLL');
});
