/**
 * node-redis's functions API against Redoubt, in RESP2 and RESP3: functionLoad (with
 * REPLACE), fCall / fCallRo, functionList / functionListWithCode, functionStats,
 * functionDump / functionRestore, functionDelete / functionFlush, and the `functions`
 * client option that turns a library's functions into client methods.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, RESP_TYPES } from 'redis';
import type { CommandParser } from '@redis/client';
import { startTestServer } from '../helpers/server.js';

const LIBRARY = [
  '#!lua name=counters',
  "redis.register_function('incr_by', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)",
  "redis.register_function{function_name='read', callback=function(keys, args) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads a counter'}",
].join('\n');

for (const RESP of [2, 3] as const) {
  test(`node-redis functions API (RESP${RESP})`, async () => {
    const srv = await startTestServer();
    const client = createClient({ RESP, socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
    await client.connect();
    try {
      assert.equal(await client.functionLoad(LIBRARY), 'counters');
      await assert.rejects(client.functionLoad(LIBRARY), /Library 'counters' already exists/);
      assert.equal(await client.functionLoad(LIBRARY, { REPLACE: true }), 'counters');

      assert.equal(await client.fCall('incr_by', { keys: ['c1'], arguments: ['5'] }), 5);
      assert.equal(await client.fCall('incr_by', { keys: ['c1'], arguments: ['-2'] }), 3);
      assert.equal(await client.fCallRo('read', { keys: ['c1'], arguments: [] }), '3');
      await assert.rejects(client.fCallRo('incr_by', { keys: ['c1'], arguments: ['1'] }), /Can not execute a script with write flag using \*_ro command/);
      await assert.rejects(client.fCall('nosuch', { keys: [], arguments: [] }), /Function not found/);

      const list = await client.functionList();
      assert.equal(list.length, 1);
      assert.equal(list[0]!.library_name, 'counters');
      assert.equal(list[0]!.engine, 'LUA');
      const fns = [...list[0]!.functions].sort((a, b) => String(a.name).localeCompare(String(b.name)));
      assert.deepEqual(
        fns.map((f) => [f.name, f.description, [...f.flags]]),
        [
          ['incr_by', null, []],
          ['read', 'reads a counter', ['no-writes']],
        ],
      );
      const withCode = await client.functionListWithCode({ LIBRARYNAME: 'count*' });
      assert.equal(withCode[0]!.library_code, LIBRARY);
      assert.deepEqual(await client.functionList({ LIBRARYNAME: 'nomatch*' }), []);

      const stats = await client.functionStats();
      assert.equal(stats.running_script, null);
      assert.deepEqual(stats.engines, { LUA: { libraries_count: 1, functions_count: 2 } });

      // DUMP as bytes, FLUSH, RESTORE: the library is back and callable
      const dump = await client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).functionDump();
      assert.ok(Buffer.isBuffer(dump));
      assert.equal(await client.functionFlush(), 'OK');
      assert.deepEqual(await client.functionList(), []);
      assert.equal(await client.functionRestore(dump), 'OK');
      await assert.rejects(client.functionRestore(dump, { mode: 'APPEND' }), /Library counters already exists/);
      assert.equal(await client.functionRestore(dump, { mode: 'REPLACE' }), 'OK');
      assert.equal(await client.fCall('incr_by', { keys: ['c1'], arguments: ['10'] }), 13);

      assert.equal(await client.functionDelete('counters'), 'OK');
      await assert.rejects(client.functionDelete('counters'), /Library not found/);
    } finally {
      await client.close();
      await srv.close();
    }
  });
}

test('node-redis `functions` option: library functions as client methods', async () => {
  const srv = await startTestServer();
  const incrBy = {
    NUMBER_OF_KEYS: 1,
    parseCommand(parser: CommandParser, key: string, by: number) {
      parser.pushKey(key);
      parser.push(by.toString());
    },
    transformReply: (reply: number) => reply,
  };
  const read = {
    NUMBER_OF_KEYS: 1,
    IS_READ_ONLY: true,
    parseCommand(parser: CommandParser, key: string) {
      parser.pushKey(key);
    },
    transformReply: (reply: string | null) => reply,
  };
  const client = createClient({
    socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false },
    functions: { counters: { incr_by: incrBy, read } },
  });
  await client.connect();
  try {
    await client.functionLoad(LIBRARY);
    assert.equal(await client.counters.incr_by('k', 7), 7);
    assert.equal(await client.counters.incr_by('k', 1), 8);
    // IS_READ_ONLY sends FCALL_RO, which the no-writes function accepts
    assert.equal(await client.counters.read('k'), '8');
    // in a MULTI, too
    const replies = await client.multi().counters.incr_by('k', 2).counters.read('k').exec();
    assert.deepEqual(replies, [10, '10']);
  } finally {
    await client.close();
    await srv.close();
  }
});
