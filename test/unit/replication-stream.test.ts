import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReplicationStream } from '../../src/replication/replication-stream.js';
import { OffsetMap } from '../../src/replication/offset-map.js';
import { ReplicationState } from '../../src/replication/replication-state.js';
import { Propagator } from '../../src/persistence/propagator.js';

/** A stream over a fresh state; `delivered` collects what the replicas would get. */
function harness(isReplica = false) {
  const state = new ReplicationState();
  state.ensureBacklog(1 << 16);
  const offsets = new OffsetMap(8);
  let cmd = 0;
  const delivered: Buffer[] = [];
  const host = {
    state,
    isReplica,
    commandOffset: () => cmd,
    deliver: (b: Buffer) => delivered.push(b),
  };
  const stream = new ReplicationStream(host, offsets);
  const append = (db: number, argv: string[]): void => {
    cmd++;
    stream.append(db, argv);
  };
  return { state, offsets, stream, delivered, append, host, text: () => Buffer.concat(delivered).toString('latin1') };
}

test('stream: SELECT before the first command and on each change of database, none otherwise', () => {
  const h = harness();
  h.append(0, ['SET', 'a', '1']);
  h.append(0, ['SET', 'b', '2']);
  h.append(3, ['DEL', 'c']);
  h.append(0, ['INCR', 'n']);
  // MULTI / EXEC come with no database (-1): the SELECT goes inside, before the first
  // command that needs it, as Redis 7.2's propagatePendingCommands
  h.append(-1, ['MULTI']);
  h.append(3, ['DEL', 'd']);
  h.append(-1, ['EXEC']);
  assert.equal(
    h.text(),
    '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n' +
      '*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$3\r\nDEL\r\n$1\r\nc\r\n' +
      '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n' +
      '*1\r\n$5\r\nMULTI\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$3\r\nDEL\r\n$1\r\nd\r\n*1\r\n$4\r\nEXEC\r\n',
  );
});

test('stream: resetSelect makes the next command carry a SELECT; own messages never do', () => {
  const h = harness();
  h.append(2, ['SET', 'a', '1']);
  h.delivered.length = 0;
  h.stream.appendOwn(['PING']);
  h.stream.resetSelect();
  h.append(2, ['SET', 'b', '2']);
  assert.equal(h.text(), '*1\r\n$4\r\nPING\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n');
});

test('stream: byte offsets and backlog match exactly what was delivered, binary values intact', () => {
  const h = harness();
  const v = '\x00\xff\r\n\x80';
  h.append(0, ['SET', 'k', v]);
  h.stream.appendOwn(['REPLCONF', 'GETACK', '*']);
  const all = Buffer.concat(h.delivered);
  assert.equal(h.state.offset, all.length);
  assert.deepEqual(h.state.backlog!.readFrom(1), all);
  assert.ok(all.includes(Buffer.from(v, 'latin1')));
});

test('stream: nothing is produced while the server is a replica (the replica side feeds its primary stream)', () => {
  const h = harness(true);
  h.append(0, ['SET', 'a', '1']);
  h.stream.appendOwn(['PING']);
  assert.equal(h.delivered.length, 0);
  assert.equal(h.state.offset, 0);
});

test('offset map: a command maps to the stream byte right after it; older ones to the floor', () => {
  const h = harness();
  h.offsets.reset(0, 0);
  h.append(0, ['SET', 'a', '1']); // SELECT + SET
  const afterFirst = h.state.offset;
  h.append(0, ['SET', 'b', '2']);
  const afterSecond = h.state.offset;
  assert.equal(h.offsets.bytesFor(0), 0);
  assert.equal(h.offsets.bytesFor(1), afterFirst);
  assert.equal(h.offsets.bytesFor(2), afterSecond);
  h.offsets.prune(afterFirst);
  assert.equal(h.offsets.size, 1);
  assert.equal(h.offsets.bytesFor(1), afterFirst);
  assert.equal(h.offsets.bytesFor(2), afterSecond);
});

test('offset map: never below the true byte offset, whatever the pruning and the ring overflow', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.boolean()), { minLength: 1, maxLength: 60 }), (steps) => {
      const map = new OffsetMap(4);
      const truth: number[] = [0];
      let byte = 0;
      for (const [len, prune] of steps) {
        byte += len;
        truth.push(byte);
        map.record(truth.length - 1, byte);
        if (prune) map.prune(truth[Math.floor(truth.length / 2)]!);
      }
      for (let c = 1; c < truth.length; c++) {
        const b = map.bytesFor(c);
        assert.ok(b >= truth[c]!, `command ${c}: ${b} < ${truth[c]}`);
      }
    }),
  );
});

test('propagator fan-out: the AOF slot gets exactly what it got alone; offsets count each command once', () => {
  const p = new Propagator();
  const aof: string[][] = [];
  const repl: string[][] = [];
  p.sink = { append: (_db, argv) => aof.push([...argv]) };
  const second = { append: (_db: number, argv: readonly string[]) => repl.push([...argv]) };
  p.addSink(second);
  p.begin(0);
  p.also(0, ['DEL', 'x']);
  p.end(0, ['SET', 'a', '1'], 1);
  assert.deepEqual(aof, [['MULTI'], ['DEL', 'x'], ['SET', 'a', '1'], ['EXEC']]);
  assert.deepEqual(repl, aof);
  assert.equal(p.offset, 4);
  p.removeSink(second);
  p.emit(0, ['DEL', 'y']);
  assert.equal(aof.length, 5);
  assert.equal(repl.length, 4);
  const resume = p.suspend();
  assert.equal(p.sink, null);
  resume();
  p.emit(0, ['DEL', 'z']);
  assert.equal(aof.length, 6);
});
