/**
 * Issue 17: a JS array grown past about 112.8M elements aborts the process, so every reply
 * whose length a client controls is built in a ReplyList (protocol/reply.ts), which splits
 * itself into parts. That the parts encode exactly as one array is reply-writer.test.ts's
 * business; this checks, without building 112M elements, that each of these commands takes
 * that path: ReplyList.finish is watched while the command runs in process, and the reply
 * that reaches a real client is still the right one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyList } from '../../src/protocol/reply.js';
import { startTestServer, ioredisClient } from '../helpers/server.js';

/** Score / value pairs as RESP2 lays them out (a RESP3 client gets them nested). */
const flat = async (r: Promise<unknown>): Promise<unknown> => ((await r) as unknown[]).flat();

test('ZRANGE family, ZUNION, ZRANDMEMBER, HRANDFIELD, SORT and XRANGE build their replies in a ReplyList', async () => {
  const server = await startTestServer();
  const c = ioredisClient(server.port);
  const finish = ReplyList.prototype.finish;
  const built: number[] = [];
  ReplyList.prototype.finish = function (this: ReplyList, of) {
    built.push(this.length);
    return finish.call(this, of);
  };
  try {
    await c.zadd('z', 1, 'a', 2, 'b', 3, 'c');
    // a skiplist too (the ZRANDMEMBER pick paths differ by encoding)
    await c.zadd('zbig', ...Array.from({ length: 200 }, (_, i) => [i, `m${i}`]).flat());
    await c.hset('h', 'f1', 'v1', 'f2', 'v2', 'f3', 'v3');
    await c.rpush('l', '3', '1', '2');
    await c.mset('w_1', 'x', 'w_2', 'y', 'w_3', 'z');
    await c.xadd('s', '1-1', 'k', 'v');
    await c.xadd('s', '2-1', 'k', 'w');

    const cases: Array<[string, () => Promise<unknown>, unknown, number]> = [
      ['ZRANGE WITHSCORES', () => c.zrange('z', '0', '-1', 'WITHSCORES'), ['a', '1', 'b', '2', 'c', '3'], 6],
      ['ZRANGE BYSCORE REV LIMIT', () => c.call('ZRANGE', 'z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '0', '2'), ['c', 'b'], 2],
      ['ZREVRANGE', () => c.zrevrange('z', 0, 1), ['c', 'b'], 2],
      ['ZRANGEBYLEX', () => c.zrangebylex('z', '-', '+'), ['a', 'b', 'c'], 3],
      ['ZUNION WITHSCORES', () => flat(c.call('ZUNION', '1', 'z', 'WITHSCORES')), ['a', '1', 'b', '2', 'c', '3'], 6],
      ['ZRANDMEMBER count ≥ size', () => c.zrandmember('z', 5), ['c', 'b', 'a'], 3],
      ['HRANDFIELD count ≥ size', () => flat(c.hrandfield('h', 5, 'WITHVALUES')), ['f1', 'v1', 'f2', 'v2', 'f3', 'v3'], 6],
      ['SORT', () => c.sort('l'), ['1', '2', '3'], 3],
      ['SORT GET', () => c.sort('l', 'GET', 'w_*', 'GET', '#'), ['x', '1', 'y', '2', 'z', '3'], 6],
      ['XRANGE', () => c.xrange('s', '-', '+'), [['1-1', ['k', 'v']], ['2-1', ['k', 'w']]], 2],
      ['XREVRANGE COUNT', () => c.xrevrange('s', '+', '-', 'COUNT', 1), [['2-1', ['k', 'w']]], 1],
    ];
    for (const [name, run, want, length] of cases) {
      built.length = 0;
      assert.deepEqual(await run(), want, name);
      // score pairs are one item each when the handler builds them nested (RESP3 shape)
      assert.ok(built.length === 1 && (built[0] === length || built[0] === length / 2), `${name}: one ReplyList of the reply's items (${built})`);
    }
    // distinct random picks below the size: both of Redis's cases (most of the set / a few)
    for (const [name, run, length] of [
      ['ZRANDMEMBER 150 of 200 (skiplist)', () => c.zrandmember('zbig', 150), 150],
      ['ZRANDMEMBER 10 of 200 WITHSCORES', () => flat(c.zrandmember('zbig', 10, 'WITHSCORES')), 20],
      ['HRANDFIELD 2 of 3', () => c.hrandfield('h', 2), 2],
    ] as const) {
      built.length = 0;
      const got = (await run()) as string[];
      assert.equal(got.length, length, name);
      assert.equal(new Set(got.filter((_, i) => !name.includes('WITH') || i % 2 === 0)).size, name.includes('WITH') ? length / 2 : length, `${name}: distinct`);
      assert.ok(built.length === 1 && (built[0] === length || built[0] === length / 2), `${name}: one ReplyList (${built})`);
    }
  } finally {
    ReplyList.prototype.finish = finish;
    c.disconnect();
    await server.close();
  }
});
