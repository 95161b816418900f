import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReplicationBacklog } from '../../src/replication/replication-backlog.js';
import { ReplicationState, NO_REPLICATION_ID } from '../../src/replication/replication-state.js';

test('backlog offsets follow Redis: first byte = end - histlen + 1, resumable up to end + 1', () => {
  const b = new ReplicationBacklog(8, 100);
  assert.equal(b.firstByteOffset, 101);
  assert.ok(b.covers(101));
  assert.ok(!b.covers(102));
  b.append(Buffer.from('abcde'));
  assert.equal(b.endOffset, 105);
  assert.equal(b.histlen, 5);
  assert.equal(b.firstByteOffset, 101);
  assert.equal(b.readFrom(103).toString(), 'cde');
  assert.equal(b.readFrom(106).length, 0);
  b.append(Buffer.from('fghij'));
  assert.equal(b.histlen, 8);
  assert.equal(b.firstByteOffset, 103);
  assert.ok(!b.covers(102));
  assert.equal(b.readFrom(103).toString(), 'cdefghij');
  assert.throws(() => b.readFrom(102), RangeError);
  b.append(Buffer.from('0123456789XY'));
  assert.equal(b.readFrom(b.firstByteOffset).toString(), '456789XY');
  assert.equal(b.endOffset, 122);
});

test('backlog matches a model stream for any appends, reads and resizes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.array(
        fc.oneof(
          fc.record({ append: fc.uint8Array({ maxLength: 60 }) }),
          fc.record({ resize: fc.integer({ min: 1, max: 40 }) }),
        ),
        { maxLength: 40 },
      ),
      (size, ops) => {
        const b = new ReplicationBacklog(size, 7);
        let stream: number[] = [];
        let cap = size;
        let held = 0;
        for (const op of ops) {
          if ('append' in op) {
            b.append(op.append);
            stream = stream.concat(Array.from(op.append));
            held = Math.min(cap, held + op.append.length);
          } else {
            b.resize(op.resize);
            cap = op.resize;
            held = Math.min(held, cap);
          }
          assert.equal(b.endOffset, 7 + stream.length);
          assert.equal(b.histlen, held);
          // every resumable offset reads back the model's tail
          for (let from = b.firstByteOffset; from <= b.endOffset + 1; from++) {
            assert.deepEqual(Array.from(b.readFrom(from)), stream.slice(from - 8));
          }
        }
      },
    ),
  );
});

test('PSYNC2 identity: a promotion keeps the old ID valid up to the offset where it ended', () => {
  const s = new ReplicationState();
  assert.match(s.replid, /^[0-9a-f]{40}$/);
  assert.equal(s.replid2, NO_REPLICATION_ID);
  s.ensureBacklog(1024);
  s.feed(Buffer.from('*1\r\n$4\r\nPING\r\n'));
  assert.equal(s.offset, 14);
  const old = s.replid;
  assert.ok(s.canContinue(old, 15));
  assert.ok(s.canContinue(old.toUpperCase(), 1));
  assert.ok(!s.canContinue(old, 16), 'past the end');
  s.shiftIds();
  assert.notEqual(s.replid, old);
  assert.equal(s.replid2, old);
  assert.equal(s.secondReplidOffset, 15);
  s.feed(Buffer.from('more'));
  assert.ok(s.canContinue(old, 15), 'a replica of the old primary continues');
  assert.ok(!s.canContinue(old, 16), 'but not past where the old history ended');
  assert.ok(s.canContinue(s.replid, 19));
  assert.ok(!s.canContinue('f'.repeat(40), 1));
  s.adopt('a'.repeat(40), 5000);
  assert.equal(s.offset, 5000);
  assert.equal(s.replid2, NO_REPLICATION_ID);
  assert.ok(s.canContinue('a'.repeat(40), 5001));
  assert.ok(!s.canContinue('a'.repeat(40), 5000), 'the old backlog is gone with the old history');
  s.freeBacklog();
  assert.ok(!s.canContinue('a'.repeat(40), 5001), 'no backlog, no continuation');
});
