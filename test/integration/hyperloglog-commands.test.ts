/**
 * HyperLogLog through real clients: keyspace events (PFADD and PFMERGE report "pfadd" in
 * the string class, no-op PFADDs and PFCOUNT report nothing), TTLs kept across edits,
 * the raw string encoding, and node-redis/ioredis round trips of the binary value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { NotifyKind, type NotifyKindBit } from '../../src/keyspace/keyspace-events.js';

test('PFADD / PFMERGE keyspace events, TTL and encoding', async () => {
  const srv = await startTestServer();
  const events: string[] = [];
  srv.server.keyspace.notifyKeyspaceEvent = (kind: NotifyKindBit, event: string, key: string) => {
    // `new` and `keymiss` events (classes n and m) are not what this test is about
    if (kind === NotifyKind.newKey || kind === NotifyKind.keyMiss) return;
    events.push(`${kind === NotifyKind.string ? '$' : '?'}:${event}:${key}`);
  };
  const r = ioredisClient(srv.port);
  try {
    assert.equal(await r.pfadd('h', 'a', 'b'), 1);
    assert.equal(await r.pfadd('h', 'a'), 0);
    assert.equal(await r.pfcount('h'), 2);
    assert.equal(await r.expire('h', 1000), 1);
    assert.equal(await r.pfadd('h', 'c'), 1);
    assert.ok((await r.ttl('h')) > 990);
    assert.equal(await r.pfmerge('m', 'h', 'nokey'), 'OK');
    assert.equal(await r.pfcount('m', 'h'), 3);
    assert.equal(await r.object('ENCODING', 'm'), 'raw');
    assert.equal(await r.type('m'), 'string');
    // EXPIRE's own generic-class event is there too: every notification now takes one path
    assert.deepEqual(events, ['$:pfadd:h', '?:expire:h', '$:pfadd:h', '$:pfadd:m']);
    // the value is an ordinary string: copy it elsewhere with GET/SET and keep counting
    const bytes = await r.getBuffer('m');
    assert.ok(bytes !== null && bytes.subarray(0, 4).toString('latin1') === 'HYLL');
    await r.set('copy', bytes!);
    assert.equal(await r.pfcount('copy'), 3);
    await r.set('notahll', 'hello');
    await assert.rejects(r.pfadd('notahll', 'x'), /WRONGTYPE Key is not a valid HyperLogLog string value\./);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('node-redis RESP3: PFADD/PFCOUNT/PFMERGE', async () => {
  const srv = await startTestServer();
  const client = createClient({ socket: { port: srv.port, host: '127.0.0.1' }, RESP: 3 });
  await client.connect();
  try {
    assert.equal(await client.pfAdd('a', ['1', '2', '3']), 1);
    assert.equal(await client.pfAdd('b', ['3', '4']), 1);
    assert.equal(await client.pfCount(['a', 'b']), 4);
    assert.equal(await client.pfMerge('c', ['a', 'b']), 'OK');
    assert.equal(await client.pfCount('c'), 4);
  } finally {
    await client.quit();
    await srv.close();
  }
});
