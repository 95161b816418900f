import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommandTable } from '../../src/command-context/command-table.js';
import { allCommands } from '../../src/commands/index.js';
import type { Command } from '../../src/command-context/command-spec.js';
import { planRoute } from '../../src/gateway/route-plan.js';
import { keySlot } from '../../src/gateway/key-slot.js';

const table = new CommandTable(allCommands);

function plan(...argv: string[]) {
  const top = table.lookup(argv[0]!)!;
  let cmd: Command = top;
  if (top.subcommandMap !== null && argv.length > 1) cmd = top.subcommandMap.get(argv[1]!.toLowerCase()) ?? top;
  return planRoute(cmd, argv);
}

test('one slot: single keys, hash tags, scripts with keys', () => {
  assert.deepEqual(plan('GET', 'foo'), { kind: 'slot', slot: keySlot('foo') });
  assert.deepEqual(plan('MGET', '{u1}.a', '{u1}.b'), { kind: 'slot', slot: keySlot('u1') });
  assert.deepEqual(plan('EVAL', 'return 1', '2', '{t}x', '{t}y', 'arg'), { kind: 'slot', slot: keySlot('t') });
  assert.deepEqual(plan('OBJECT', 'ENCODING', 'k'), { kind: 'slot', slot: keySlot('k') });
  assert.deepEqual(plan('SPUBLISH', 'news', 'hi'), { kind: 'slot', slot: keySlot('news') }, 'shard channels route by their slot');
  assert.deepEqual(plan('SET', 'k', 'v', 'GET'), { kind: 'slot', slot: keySlot('k') });
});

test('keyless, local and fan-out commands', () => {
  assert.deepEqual(plan('PING'), { kind: 'local' });
  assert.deepEqual(plan('AUTH', 'pw'), { kind: 'local' });
  assert.deepEqual(plan('CLIENT', 'LIST'), { kind: 'local' });
  assert.deepEqual(plan('AUTHTHROTTLE', 'LIST'), { kind: 'local' });
  // CLUSTER is answered by the gateway itself (cluster support disabled), never forwarded:
  // the upstream's topology would let a client go around the gateway
  assert.deepEqual(plan('CLUSTER', 'SLOTS'), { kind: 'local' });
  assert.deepEqual(plan('EVAL', 'return 1', '0'), { kind: 'any' });
  assert.deepEqual(plan('PUBLISH', 'ch', 'm'), { kind: 'any' });
  assert.deepEqual(plan('KEYS', '*'), { kind: 'all', merge: 'concat' });
  assert.deepEqual(plan('DBSIZE'), { kind: 'all', merge: 'sum' });
  assert.deepEqual(plan('SCRIPT', 'LOAD', 'return 1'), { kind: 'all', merge: 'same' });
  assert.deepEqual(plan('SCRIPT', 'EXISTS', 'abc'), { kind: 'all', merge: 'and' });
  assert.deepEqual(plan('SCRIPT', 'KILL'), { kind: 'all', merge: 'any-ok' });
  assert.deepEqual(plan('FUNCTION', 'KILL'), { kind: 'all', merge: 'any-ok' });
});

test('cross-slot commands that cannot be split are refused', () => {
  assert.deepEqual(plan('SUNIONSTORE', 'd', 'a', 'b'), { kind: 'crossslot' });
  assert.deepEqual(plan('RENAME', 'a', 'b'), { kind: 'crossslot' });
  assert.deepEqual(plan('EVAL', 'return 1', '2', 'a', 'b'), { kind: 'crossslot' });
});

test('split commands: every key lands in exactly one part, in its slot, and positions rebuild the order', () => {
  const key = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 6 });
  fc.assert(
    fc.property(fc.array(key, { minLength: 1, maxLength: 30 }), fc.constantFrom('MGET', 'DEL', 'EXISTS', 'UNLINK', 'TOUCH', 'MSET'), (keys, name) => {
      const argv = name === 'MSET' ? [name, ...keys.flatMap((k, i) => [k, `v${i}`])] : [name, ...keys];
      const p = plan(...argv);
      const slots = new Set(keys.map(keySlot));
      if (slots.size === 1) {
        assert.deepEqual(p, { kind: 'slot', slot: keySlot(keys[0]!) });
        return;
      }
      assert.equal(p.kind, 'split');
      if (p.kind !== 'split') return;
      assert.equal(p.total, keys.length);
      assert.equal(p.merge, name === 'MGET' ? 'array' : name === 'MSET' ? 'ok' : 'sum');
      assert.equal(new Set(p.parts.map((x) => x.slot)).size, p.parts.length, 'one part per slot');
      const rebuilt: string[] = new Array<string>(keys.length);
      const stride = name === 'MSET' ? 2 : 1;
      for (const part of p.parts) {
        assert.equal(part.argv[0], name);
        assert.equal(part.positions.length * stride, part.argv.length - 1);
        part.positions.forEach((pos, j) => {
          const k = part.argv[1 + j * stride]!;
          assert.equal(keySlot(k), part.slot);
          if (stride === 2) assert.equal(part.argv[2 + j * stride], `v${pos}`, 'MSET keeps each value with its key');
          rebuilt[pos] = k;
        });
      }
      assert.deepEqual(rebuilt, keys);
    }),
    { numRuns: 300 },
  );
});
