/**
 * Randomized differential test of the OOM gate: with maxmemory 1 both servers are always
 * above the limit, so which commands are refused (the `denyoom` flags), how MULTI/EXEC and
 * WATCH behave under OOM, and (under allkeys-* policies) that every key is evicted before
 * each command, are deterministic and must match redis-server byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { show } from '../helpers/diff-support.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;

const key = fc.constantFrom('a', 'b');
const val = fc.constantFrom('1', 'x', '');
const command: fc.Arbitrary<readonly string[]> = fc.oneof<fc.Arbitrary<readonly string[]>[]>(
  fc.tuple(fc.constantFrom('SET', 'APPEND', 'GETSET', 'SETNX', 'LPUSH', 'RPUSHX', 'SADD', 'SREM', 'LREM', 'HSETNX'), key, val).map((t) =>
    t[0] === 'LREM' ? ['LREM', t[1], '0', t[2]] : t[0] === 'HSETNX' ? ['HSETNX', t[1], 'f', t[2]] : [...t],
  ),
  fc.tuple(fc.constantFrom('GET', 'DEL', 'INCR', 'DECR', 'LPOP', 'RPOP', 'SMEMBERS', 'TYPE', 'EXISTS', 'PERSIST', 'GETDEL', 'STRLEN', 'LLEN', 'SCARD', 'TTL'), key).map((t) => [...t]),
  fc.tuple(fc.constantFrom('EXPIRE', 'SETRANGE', 'INCRBY', 'LINDEX'), key, fc.constantFrom('0', '5')).map((t) => (t[0] === 'SETRANGE' ? [...t, 'z'] : [...t])),
  fc.tuple(fc.constantFrom('RPOPLPUSH', 'RENAME', 'COPY', 'SMOVE'), key, key).map((t) => (t[0] === 'SMOVE' ? [...t, 'x'] : [...t])),
  fc.tuple(fc.constantFrom('HSET', 'ZADD', 'XADD'), key).map(([c, k]) => (c === 'HSET' ? ['HSET', k, 'f', 'v'] : c === 'ZADD' ? ['ZADD', k, '1', 'm'] : ['XADD', k, '*', 'f', 'v'].slice(0, 5))),
  fc.constantFrom(['MULTI'], ['EXEC'], ['DISCARD'], ['PING'], ['DBSIZE'], ['WATCH', 'a'], ['UNWATCH'], ['FLUSHDB'], ['ECHO', 'hi'], ['MSET', 'a', '1', 'b', '2'], ['MGET', 'a', 'b']),
);

/** XADD with `*` returns a time-based ID: compare its shape only. */
function normalize(r: string): string {
  return r.replace(/\$\d+\r\n\d+-\d+\r\n/g, '$<id>\r\n');
}

for (const policy of ['noeviction', 'allkeys-lru', 'volatile-ttl']) {
  test(`random command sequences under OOM (${policy}) answer as redis-server does`, { skip }, async () => {
    const oracle = await startRedisOracle();
    const srv = await startTestServer();
    const ours = await RawClient.connect(srv.port);
    const theirs = await RawClient.connect(oracle.port);
    const oursAdmin = await RawClient.connect(srv.port);
    const theirsAdmin = await RawClient.connect(oracle.port);
    try {
      for (const c of [oursAdmin, theirsAdmin]) assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', policy), '+OK\r\n');
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 20 }), fc.boolean(), async (cmds, setupWithTtl) => {
          // reset, then a few keys written while there is no limit
          for (const [c, admin] of [
            [ours, oursAdmin],
            [theirs, theirsAdmin],
          ] as const) {
            await admin.call('CONFIG', 'SET', 'maxmemory', '0');
            await c.call('DISCARD');
            await c.call('UNWATCH');
            await c.call('FLUSHALL');
            await c.call('SET', 'a', '10');
            await c.call('RPUSH', 'b', 'x', 'y');
            if (setupWithTtl) await c.call('EXPIRE', 'a', '1000');
            await admin.call('CONFIG', 'SET', 'maxmemory', '1');
          }
          const log: string[] = [];
          for (const argv of cmds) {
            const a = normalize(await ours.call(...argv));
            const b = normalize(await theirs.call(...argv));
            log.push(`${argv.join(' ')} → ${show(b)}`);
            assert.equal(a, b, `${log.join('\n')}\nours: ${show(a)}`);
          }
        }),
        { numRuns: 60 },
      );
    } finally {
      for (const c of [ours, theirs, oursAdmin, theirsAdmin]) c.close();
      await srv.close();
      await oracle.stop();
    }
  });
}
