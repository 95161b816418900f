/**
 * The incremental memory accounting must always equal a recomputation from scratch:
 * random command sequences (every data type, overwrites, renames, moves, expiry, flushes,
 * SWAPDB) run through the real dispatcher, then used_memory is compared with the sum of
 * every key's estimate, and each aggregate's payload counter with its content.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { CommandContext } from '../../src/command-context/context.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { EXPIRE_OVERHEAD, KEY_OVERHEAD, stringBytes, valueBytes } from '../../src/keyspace/memory-estimate.js';
import type { Value } from '../../src/keyspace/value-types.js';

function setup() {
  const clock = new ManualClock(1_700_000_000_000);
  const server = new Server({ clock });
  const client = new Client(1, 'test:1', 'test:2', 1, 0, server.acl.defaultUser);
  const ctx = new CommandContext(server, client);
  const run = (...argv: string[]) => server.dispatcher.dispatch(ctx, argv);
  return { clock, server, run };
}

/** used_memory recomputed from the keyspace alone. */
function recomputed(server: Server): number {
  let total = server.memory.startup + server.memory.clients;
  for (const db of server.dbs) {
    for (const [key, e] of db.entries()) total += KEY_OVERHEAD + stringBytes(key.length) + valueBytes(e.v);
    total += db.expiresCount * EXPIRE_OVERHEAD;
  }
  return total;
}

/** Payload counters against the content they summarize. */
function checkPayload(v: Value): void {
  let n = 0;
  if (v.type === 'hash') {
    for (const [f, x] of v.value.entries()) n += f.length + x.length;
    assert.equal(v.value.payloadBytes, n, 'hash payload');
  } else if (v.type === 'set') {
    for (const m of v.value.members()) n += m.length;
    assert.equal(v.value.payloadBytes, n, 'set payload');
  } else if (v.type === 'zset') {
    for (const [m] of v.value.entries()) n += m.length;
    assert.equal(v.value.payloadBytes, n, 'zset payload');
  }
}

const key = fc.constantFrom('a', 'b', 'c', 'long-key-name-d');
const member = fc.oneof(fc.constantFrom('1', '2', '300', 'x', 'yy'), fc.string({ minLength: 0, maxLength: 80 }));
const num = fc.integer({ min: -5, max: 5 }).map(String);

const command = fc.oneof(
  fc.tuple(fc.constant('SET'), key, member),
  fc.tuple(fc.constant('APPEND'), key, member),
  fc.tuple(fc.constant('SETRANGE'), key, fc.integer({ min: 0, max: 100 }).map(String), member),
  fc.tuple(fc.constant('SETBIT'), key, fc.integer({ min: 0, max: 2000 }).map(String), fc.constantFrom('0', '1')),
  fc.tuple(fc.constant('INCR'), key),
  fc.tuple(fc.constant('HSET'), key, member, member, member, member),
  fc.tuple(fc.constant('HDEL'), key, member),
  fc.tuple(fc.constant('SADD'), key, member, member, member),
  fc.tuple(fc.constant('SREM'), key, member),
  fc.tuple(fc.constant('SINTERSTORE'), key, key, key),
  fc.tuple(fc.constant('SPOP'), key),
  fc.tuple(fc.constant('ZADD'), key, num, member, num, member),
  fc.tuple(fc.constant('ZREM'), key, member),
  fc.tuple(fc.constant('ZREMRANGEBYRANK'), key, num, num),
  fc.tuple(fc.constant('ZUNIONSTORE'), key, fc.constant('2'), key, key),
  fc.tuple(fc.constant('RPUSH'), key, member, member),
  fc.tuple(fc.constant('LPOP'), key),
  fc.tuple(fc.constant('LSET'), key, num, member),
  fc.tuple(fc.constant('LTRIM'), key, num, num),
  fc.tuple(fc.constant('LMOVE'), key, key, fc.constantFrom('LEFT', 'RIGHT'), fc.constantFrom('LEFT', 'RIGHT')),
  fc.tuple(fc.constant('XADD'), key, fc.constant('*'), member, member),
  fc.tuple(fc.constant('XTRIM'), key, fc.constant('MAXLEN'), fc.integer({ min: 0, max: 3 }).map(String)),
  fc.tuple(fc.constant('XGROUP'), fc.constant('CREATE'), key, fc.constantFrom('g1', 'g2'), fc.constant('0')),
  fc.tuple(fc.constant('XREADGROUP'), fc.constant('GROUP'), fc.constant('g1'), member, fc.constant('STREAMS'), key, fc.constant('>')),
  fc.tuple(fc.constant('DEL'), key),
  fc.tuple(fc.constant('GETDEL'), key),
  fc.tuple(fc.constant('RENAME'), key, key),
  fc.tuple(fc.constant('COPY'), key, key, fc.constant('REPLACE')),
  fc.tuple(fc.constant('MOVE'), key, fc.constantFrom('0', '1')),
  fc.tuple(fc.constant('SELECT'), fc.constantFrom('0', '1')),
  fc.tuple(fc.constant('SWAPDB'), fc.constant('0'), fc.constant('1')),
  fc.tuple(fc.constant('PEXPIRE'), key, fc.integer({ min: 1, max: 100 }).map(String)),
  fc.tuple(fc.constant('PERSIST'), key),
  fc.tuple(fc.constant('FLUSHDB')),
  fc.tuple(fc.constant('TICK'), fc.integer({ min: 1, max: 60 })),
);

test('incremental accounting equals a recomputation after random command sequences', () => {
  fc.assert(
    fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), (cmds) => {
      const { clock, server, run } = setup();
      for (const c of cmds) {
        if (c[0] === 'TICK') {
          clock.advance(c[1] as number);
          server.updateTime();
          // lazy expiry of whatever is due, as a read would do it
          for (const db of server.dbs) for (const k of ['a', 'b', 'c', 'long-key-name-d']) db.expireIfNeeded(k);
          continue;
        }
        run(...(c as string[]));
        assert.equal(server.memory.used(), recomputed(server), `after ${c.join(' ')}`);
      }
      for (const db of server.dbs) for (const [, e] of db.entries()) checkPayload(e.v);
    }),
    { numRuns: 300 },
  );
});

test('accounting settled once after a whole sequence (writes queued back to back) equals a recomputation', () => {
  // the test above settles after every command; here the changes of a whole sequence wait
  // in the queue together, as between two cron ticks, so a key written several times in a
  // row (queued once), deleted and made anew, or renamed, is settled from the queue alone
  const seq = fc.array(fc.oneof(command, fc.tuple(fc.constant('DEL'), key), fc.tuple(fc.constant('RENAME'), key, key)), { minLength: 1, maxLength: 60 });
  fc.assert(
    fc.property(seq, (cmds) => {
      const { clock, server, run } = setup();
      for (const c of cmds) {
        if (c[0] === 'TICK') {
          clock.advance(c[1] as number);
          server.updateTime();
          continue;
        }
        run(...(c as string[]));
      }
      assert.equal(server.memory.used(), recomputed(server), cmds.map((c) => c.join(' ')).join(' | '));
    }),
    { numRuns: 300 },
  );
});

test('a SETBIT that moves no bit still has the string counted as the bitmap it became', () => {
  // "1" is 0x31: bit 2 is set already, so nothing is signalled, but the value is a MutableString now
  const { server, run } = setup();
  run('SET', 'd', '1');
  run('SETBIT', 'd', '2', '1');
  assert.equal(server.memory.used(), recomputed(server));
});

test('used_memory grows with data, drops back after FLUSHALL, and peak stays at the high-water mark', () => {
  const { server, run } = setup();
  const base = server.memory.used();
  for (let i = 0; i < 1000; i++) run('SET', `k${i}`, 'x'.repeat(100));
  run('HSET', 'h', ...Array.from({ length: 200 }, (_, i) => [`f${i}`, 'v'.repeat(50)]).flat());
  const full = server.memory.used();
  assert.ok(full - base > 1000 * 250, `grew by ${full - base}`);
  run('FLUSHALL');
  assert.equal(server.memory.used(), base);
  assert.equal(server.memory.peak, full);
});

test('a big aggregate costs O(1) to account: updating one field of a 200k-field hash does not walk it', () => {
  const { server, run } = setup();
  for (let i = 0; i < 200_000; i += 1000) run('HSET', 'big', ...Array.from({ length: 1000 }, (_, j) => [`f${i + j}`, 'v']).flat());
  server.memory.used();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) {
    run('HSET', 'big', 'f1', String(i));
    server.memory.used();
  }
  const perOpUs = Number(process.hrtime.bigint() - t0) / 2000 / 1000;
  // walking 200k fields takes milliseconds; one field update with its accounting, microseconds
  assert.ok(perOpUs < 200, `${perOpUs.toFixed(1)} µs per HSET + settle`);
  assert.equal(server.memory.used(), recomputed(server));
});
