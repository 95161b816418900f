import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arrayElements, mergeFanout, mergeSplit } from '../../src/gateway/reply-merge.js';
import { planRoute } from '../../src/gateway/route-plan.js';
import { CommandTable } from '../../src/command-context/command-table.js';
import { allCommands } from '../../src/commands/index.js';

const table = new CommandTable(allCommands);
const bulk = (s: string | null) => Buffer.from(s === null ? '$-1\r\n' : `$${s.length}\r\n${s}\r\n`, 'latin1');

test('a split MGET answered per slot comes back in the client key order, values untouched', () => {
  const byte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
  const key = fc.string({ unit: byte, maxLength: 5 });
  fc.assert(
    fc.property(fc.array(fc.tuple(key, fc.option(fc.string({ unit: byte, maxLength: 8 }))), { minLength: 2, maxLength: 25 }), (pairs) => {
      // a model store: the last value given for a key wins, as after MSET
      const store = new Map<string, string | null>();
      for (const [k, v] of pairs) store.set(k, v);
      const keys = pairs.map(([k]) => k);
      const p = planRoute(table.lookup('mget')!, ['MGET', ...keys]);
      if (p.kind !== 'split') return;
      const replies = p.parts.map((part) => Buffer.concat([Buffer.from(`*${part.argv.length - 1}\r\n`), ...part.argv.slice(1).map((k) => bulk(store.get(k) ?? null))]));
      const merged = mergeSplit(p.merge, p.parts, replies, p.total);
      assert.deepEqual(merged, Buffer.concat([Buffer.from(`*${keys.length}\r\n`), ...keys.map((k) => bulk(store.get(k) ?? null))]));
    }),
    { numRuns: 200 },
  );
});

test('sums, OKs and the first error', () => {
  const parts = [
    { slot: 1, argv: ['DEL', 'a'], positions: [0] },
    { slot: 2, argv: ['DEL', 'b', 'c'], positions: [1, 2] },
  ];
  assert.equal(mergeSplit('sum', parts, [Buffer.from(':1\r\n'), Buffer.from(':2\r\n')], 3).toString(), ':3\r\n');
  assert.equal(mergeSplit('ok', parts, [Buffer.from('+OK\r\n'), Buffer.from('+OK\r\n')], 3).toString(), '+OK\r\n');
  assert.equal(mergeSplit('sum', parts, [Buffer.from(':1\r\n'), Buffer.from('-MOVED 2 h:1\r\n')], 3).toString(), '-MOVED 2 h:1\r\n');
  assert.equal(mergeFanout('sum', [Buffer.from(':4\r\n'), Buffer.from(':5\r\n')]).toString(), ':9\r\n');
  assert.equal(mergeFanout('concat', [Buffer.from('*1\r\n$1\r\na\r\n'), Buffer.from('*0\r\n'), Buffer.from('*2\r\n$1\r\nb\r\n$1\r\nc\r\n')]).toString(), '*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n');
  assert.equal(mergeFanout('and', [Buffer.from('*2\r\n:1\r\n:1\r\n'), Buffer.from('*2\r\n:0\r\n:1\r\n')]).toString(), '*2\r\n:0\r\n:1\r\n');
  assert.equal(mergeFanout('same', [bulk('sha'), bulk('sha')]).toString(), bulk('sha').toString());
  assert.match(mergeFanout('same', [bulk('sha'), bulk('other')]).toString(), /^-ERR /);
  assert.equal(mergeFanout('first-non-null', [bulk(null), bulk('k')]).toString(), bulk('k').toString());
  assert.equal(mergeFanout('first-non-null', [bulk(null), bulk(null)]).toString(), '$-1\r\n');
  // SCRIPT KILL / FUNCTION KILL: +OK from the busy node wins, else its refusal, else NOTBUSY
  const notbusy = Buffer.from('-NOTBUSY No scripts in execution right now.\r\n');
  const unkillable = Buffer.from('-UNKILLABLE Sorry the script already executed write commands against the dataset.\r\n');
  assert.equal(mergeFanout('any-ok', [notbusy, Buffer.from('+OK\r\n'), notbusy]).toString(), '+OK\r\n');
  assert.equal(mergeFanout('any-ok', [notbusy, unkillable]).toString(), unkillable.toString());
  assert.equal(mergeFanout('any-ok', [notbusy, notbusy]).toString(), notbusy.toString());
  assert.deepEqual(arrayElements(Buffer.from('*2\r\n*1\r\n:1\r\n$-1\r\n')).map(String), ['*1\r\n:1\r\n', '$-1\r\n']);
});
