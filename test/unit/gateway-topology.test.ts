import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopologyError, topologyFromClusterSlots, type ReplyValue } from '../../src/gateway/cluster-topology.js';

const slotsReply: ReplyValue = [
  [0, 5460, ['127.0.0.1', 30001, 'a'.repeat(40), []], ['127.0.0.1', 30004, 'd'.repeat(40), []]],
  [10923, 16383, ['127.0.0.1', 30003, 'c'.repeat(40), []]],
  [5461, 10922, ['', 30002, 'b'.repeat(40)]],
];

test('CLUSTER SLOTS becomes a slot → primary map; nodes without an endpoint are the seed host', () => {
  const t = topologyFromClusterSlots(slotsReply, '10.0.0.9');
  assert.equal(t.complete, true);
  assert.equal(t.primaryFor(0)!.port, 30001);
  assert.equal(t.primaryFor(5460)!.port, 30001);
  assert.deepEqual(t.primaryFor(5461), { host: '10.0.0.9', port: 30002, id: 'b'.repeat(40) });
  assert.equal(t.primaryFor(16383)!.port, 30003);
  assert.equal(t.primaries.length, 3);
  assert.equal(t.ranges[0]!.replicas[0]!.port, 30004);
});

test('a partial map reports its holes; a malformed or overlapping reply is refused whole', () => {
  const t = topologyFromClusterSlots([[100, 200, ['h', 1, 'x']]], 's');
  assert.equal(t.complete, false);
  assert.equal(t.primaryFor(99), null);
  assert.equal(t.primaryFor(150)!.host, 'h');
  const bad: ReplyValue[] = [
    'ERR no cluster',
    [[0, 16384, ['h', 1]]],
    [[10, 5, ['h', 1]]],
    [[0, 10, ['h', 0]]],
    [[0, 10, ['h']]],
    [[0, 10, ['h', 1]], [10, 20, ['h', 2]]],
    [[0, 10]],
  ];
  for (const b of bad) assert.throws(() => topologyFromClusterSlots(b, 's'), TopologyError, JSON.stringify(b));
});
