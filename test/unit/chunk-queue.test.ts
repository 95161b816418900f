import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkQueue } from '../../src/persistence/chunk-queue.js';

test('ChunkQueue hands back every byte in order, in pieces of at most 1 MiB (or a large chunk as it came)', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 200_000, max: 700_000 })), { maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 39 }), { maxLength: 5 }), (sizes, takeAt) => {
      const q = new ChunkQueue();
      const input: Buffer[] = [];
      const output: Buffer[] = [];
      sizes.forEach((n, i) => {
        const b = Buffer.alloc(n, i % 251);
        if (n > 0) b[0] = i & 0xff;
        input.push(b);
        q.push(b);
        if (takeAt.includes(i)) {
          const len = q.length;
          const got = q.takeAll();
          assert.equal(got.reduce((s, x) => s + x.length, 0), len);
          output.push(...got);
          assert.equal(q.length, 0);
        }
      });
      output.push(...q.takeAll());
      for (const piece of output) assert.ok(piece.length > 0 && (piece.length <= 1 << 20 || sizes.includes(piece.length)));
      assert.ok(Buffer.concat(output).equals(Buffer.concat(input)));
    }),
    { numRuns: 200, seed: 17 },
  );
});
