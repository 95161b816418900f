/**
 * SORT … STORE in the write feed: it is propagated as sent (as Redis does), so replaying
 * the feed must sort the same data the same way. A seeded random workload of lists, sets
 * (intset, listpack and hashtable sized), sorted sets, weights and hash fields, with
 * SORT … STORE in every form (BY patterns and nosort, GET, LIMIT, ALPHA, DESC, results that
 * are empty and delete the destination, destinations of other types with a TTL), is run on
 * server A; its feed is replayed into B through the dispatcher and loaded into C the way
 * start-up loading does, and all three keyspaces must be identical. C's default user may
 * not read every key: loading runs as no user, so BY/GET patterns are not refused there.
 * SORT_RO and failing SORTs change nothing and propagate nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server/server.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { Kind } from '../../src/protocol/reply.js';
import { prng } from '../helpers/diff-support.js';
import { dumpKeyspace, loadFeed, localClient, replayFeed, TimedSink } from '../helpers/propagation.js';

const T0 = 1_700_000_000_000;
const ELEMS = ['1', '2', '3', '10', '-4', 'a', 'b', 'c', 'ab', '', 'x\x00y', '\xff', '07'];
const WEIGHTS = ['1', '2', '2', '-1', '0.5', 'bad', '9', ''];

function workload(seed: number, length: number): string[][] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const many = (n: number) => Array.from({ length: n }, () => pick(ELEMS));
  const sortOf = (): string[] => {
    const argv = ['SORT', pick(['l', 's', 'big', 'z', 'nokey', 'd1'])];
    if (int(0, 1) === 1) argv.push('BY', pick(['w_*', 'h_*->f', 'nosort', 'w_*->f']));
    for (let g = int(0, 2); g > 0; g--) argv.push('GET', pick(['#', 'w_*', 'h_*->f', 'none_*']));
    if (int(0, 2) === 0) argv.push('LIMIT', String(int(-1, 6)), String(int(-1, 6)));
    if (int(0, 1) === 1) argv.push('ALPHA');
    if (int(0, 2) === 0) argv.push('DESC');
    argv.push('STORE', pick(['d1', 'd2', 'str']));
    return argv;
  };
  const gens: (() => string[])[] = [
    () => ['RPUSH', 'l', ...many(int(1, 4))],
    () => ['LPOP', 'l'],
    () => ['SADD', 's', ...many(int(1, 4))],
    () => ['SADD', 'big', ...Array.from({ length: int(1, 60) }, () => `m${int(0, 400)}`)],
    () => ['SREM', 's', pick(ELEMS)],
    () => ['ZADD', 'z', String(int(-2, 2)), pick(ELEMS)],
    () => ['SET', `w_${pick(ELEMS)}`, pick(WEIGHTS)],
    () => ['SET', `w_m${int(0, 400)}`, String(int(0, 5))],
    () => ['HSET', `h_${pick(ELEMS)}`, 'f', pick(WEIGHTS)],
    () => ['SET', 'str', 'v', 'EX', '1000'],
    () => ['HSET', 'd2', 'f', 'v'],
    () => ['DEL', pick(['l', 's', 'z', 'd1'])],
    () => ['SORT_RO', pick(['l', 's', 'z']), 'BY', 'w_*', 'GET', '#'],
    sortOf,
    sortOf,
    sortOf,
    sortOf,
  ];
  return Array.from({ length }, () => pick(gens)());
}

test('SORT STORE propagates as sent and replays (and loads) to the same keyspace', () => {
  let stores = 0;
  let propagatedSorts = 0;
  for (const seed of [11, 22, 33, 44, 55, 66]) {
    const clockA = new ManualClock(T0);
    const A = new Server({ clock: clockA });
    A.updateTime();
    const sink = new TimedSink(A);
    A.propagator.sink = sink;
    const c = localClient(A);
    for (const argv of workload(seed, 250)) {
      const r = c.call(...argv);
      if (argv[0] === 'SORT' && r !== null && r.k === Kind.Int && Number(r.n) > 0) stores++;
    }
    A.propagator.sink = null;
    const a = dumpKeyspace(A);
    for (const op of sink.commands) {
      assert.notEqual(op.argv[0], 'SORT_RO', 'SORT_RO is never propagated');
      if (op.argv[0] === 'SORT') propagatedSorts++;
    }

    const clockB = new ManualClock(T0);
    const B = new Server({ clock: clockB });
    assert.deepEqual(replayFeed(B, clockB, sink.commands), [], `seed ${seed}: replay errors`);
    assert.equal(dumpKeyspace(B), a, `seed ${seed}: replayed keyspace`);

    const clockC = new ManualClock(T0);
    const C = new Server({ clock: clockC });
    // a default user that may not read every key: BY/GET would be refused to it as a client
    localClient(C).call('ACL', 'SETUSER', 'default', 'resetkeys', '~l', '~s', '~z', '~d*');
    assert.deepEqual(loadFeed(C, clockC, clockA.now(), sink.commands), [], `seed ${seed}: load errors`);
    C.updateTime();
    localClient(C).call('ACL', 'SETUSER', 'default', 'allkeys'); // for the dump's reads
    assert.equal(dumpKeyspace(C), a, `seed ${seed}: loaded keyspace`);
  }
  assert.ok(stores > 100, `SORT ... STORE stored results (${stores})`);
  assert.ok(propagatedSorts > 100, `SORT ... STORE reached the feed (${propagatedSorts})`);
});

test('SORT STORE that changes nothing, a failing SORT and SORT_RO propagate nothing', () => {
  const clock = new ManualClock(T0);
  const server = new Server({ clock });
  server.updateTime();
  const c = localClient(server);
  c.call('RPUSH', 'l', 'b', 'a');
  const sink = new TimedSink(server);
  server.propagator.sink = sink;
  c.call('SORT', 'nokey', 'STORE', 'nothing'); // empty result, no destination to delete
  c.call('SORT', 'l', 'STORE', 'd'); // numeric sort of words: the score error, no write
  c.call('SORT_RO', 'l', 'ALPHA');
  c.call('SORT', 'l', 'ALPHA');
  assert.equal(sink.commands.length, 0, JSON.stringify(sink.commands));
  c.call('SORT', 'l', 'ALPHA', 'STORE', 'd');
  assert.deepEqual(
    sink.commands.map((op) => op.argv),
    [['SORT', 'l', 'ALPHA', 'STORE', 'd']],
  );
});
