/**
 * Pub/Sub and keyspace notifications through real clients (ioredis, node-redis RESP2 and
 * RESP3) and the wire: message delivery, RESP3 pushes after the publisher's own reply
 * (Redis 7.2), output buffer limits for slow subscribers, INFO and CLIENT LIST figures,
 * cleanup on disconnection, and expiry events on a manual clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createClient } from 'redis';
import { ioredisClient, startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';

/** Polls until `f` holds (server-side effects of another connection), or fails. */
async function until(f: () => boolean | Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('ioredis: subscribe, psubscribe, messages and counts, unsubscribe', async () => {
  const srv = await startTestServer();
  const sub = ioredisClient(srv.port);
  const pub = ioredisClient(srv.port);
  try {
    const got: string[] = [];
    sub.on('message', (ch: string, msg: string) => got.push(`message ${ch} ${msg}`));
    sub.on('pmessage', (p: string, ch: string, msg: string) => got.push(`pmessage ${p} ${ch} ${msg}`));
    assert.equal(await sub.subscribe('news', 'sport'), 2);
    assert.equal(await sub.psubscribe('n*'), 3);
    assert.equal(await pub.publish('news', 'hello'), 2);
    assert.equal(await pub.publish('sport', 'goal'), 1);
    assert.equal(await pub.publish('nothing', 'x'), 1);
    assert.equal(await pub.publish('other', 'x'), 0);
    await until(() => got.length === 4, 'four messages');
    assert.deepEqual(got, ['message news hello', 'pmessage n* news hello', 'message sport goal', 'pmessage n* nothing x']);
    assert.deepEqual(await pub.pubsub('NUMSUB', 'news', 'sport', 'x'), ['news', 1, 'sport', 1, 'x', 0]);
    assert.equal(await pub.pubsub('NUMPAT'), 1);
    assert.deepEqual(((await pub.pubsub('CHANNELS')) as string[]).sort(), ['news', 'sport']);
    await sub.unsubscribe('news');
    // (ioredis waits forever on an argument-less PUNSUBSCRIBE here, against redis-server too)
    await sub.punsubscribe('n*');
    assert.equal(await pub.publish('news', 'again'), 0);
    assert.equal(await pub.publish('sport', 'again'), 1);
  } finally {
    sub.disconnect();
    pub.disconnect();
    await srv.close();
  }
});

test('node-redis: subscribers in RESP2 and RESP3, sharded channels, binary-safe payloads', async () => {
  const srv = await startTestServer();
  const clients: { destroy(): void }[] = [];
  try {
    for (const RESP of [2, 3] as const) {
      const sub = createClient({ RESP, socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
      const pub = createClient({ RESP, socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
      clients.push(sub, pub);
      await sub.connect();
      await pub.connect();
      const got: string[] = [];
      await sub.subscribe('ch', (msg, ch) => got.push(`${ch}:${msg}`));
      await sub.pSubscribe('p.*', (msg, ch) => got.push(`p ${ch}:${msg}`));
      await sub.sSubscribe('shard', (msg, ch) => got.push(`s ${ch}:${msg}`));
      const bin: Buffer[] = [];
      await sub.subscribe('bin', (msg) => bin.push(msg), true);
      assert.equal(await pub.publish('ch', 'one'), 1);
      assert.equal(await pub.publish('p.x', 'two'), 1);
      assert.equal(await pub.sPublish('shard', 'three'), 1);
      assert.equal(await pub.publish('bin', Buffer.from([0, 0xff, 13, 10, 0x80])), 1);
      await until(() => got.length === 3 && bin.length === 1, `messages (RESP${RESP})`);
      assert.deepEqual(got, ['ch:one', 'p p.x:two', 's shard:three']);
      assert.deepEqual([...bin[0]!], [0, 0xff, 13, 10, 0x80]);
      assert.deepEqual(await pub.pubSubShardChannels(), ['shard']);
      await sub.unsubscribe();
      await sub.pUnsubscribe();
      await sub.sUnsubscribe();
      assert.equal(await pub.publish('ch', 'gone'), 0);
      // the RESP3 subscriber can run ordinary commands while subscribed; RESP2 cannot
      if (RESP === 3) {
        await sub.subscribe('ch', () => {});
        assert.equal(await sub.set('k', 'v'), 'OK');
        assert.equal(await sub.get('k'), 'v');
      }
    }
  } finally {
    for (const c of clients) c.destroy();
    await srv.close();
  }
});

test('RESP2 subscribed mode: other commands refused with the 7.2 text, PING as ["pong", arg]', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('SUBSCRIBE', 'a'), '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n');
    assert.equal(
      await c.call('GET', 'x'),
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    assert.equal(
      await c.call('CLIENT', 'LIST'),
      "-ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    assert.equal(await c.call('PING'), '*2\r\n$4\r\npong\r\n$0\r\n\r\n');
    assert.equal(await c.call('PING', 'hi'), '*2\r\n$4\r\npong\r\n$2\r\nhi\r\n');
    assert.equal(await c.call('UNSUBSCRIBE'), '*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    assert.equal(await c.call('UNSUBSCRIBE'), '*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n');
    await c.call('HELLO', '3');
    assert.equal(await c.call('UNSUBSCRIBE'), '>3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('CLIENT REPLY OFF/SKIP do not silence (un)subscribe confirmations (they are pushes)', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    c.write(['CLIENT REPLY OFF', 'SUBSCRIBE a', 'PING', 'UNSUBSCRIBE', 'CLIENT REPLY ON', 'PING'].map((l) => `${l}\r\n`).join(''));
    // what redis-server answers to these very lines
    const expected = '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n+OK\r\n+PONG\r\n';
    assert.equal(await c.readBytes(expected.length), expected);
    c.write(['CLIENT REPLY SKIP', 'SUBSCRIBE b', 'PING'].map((l) => `${l}\r\n`).join(''));
    const next = '*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:1\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n';
    assert.equal(await c.readBytes(next.length), next);
  } finally {
    c.close();
    await srv.close();
  }
});

test('RESP3: a message a client publishes to itself follows its reply, also after EXEC (7.2)', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('HELLO', '3');
    assert.equal(await c.call('SUBSCRIBE', 'me'), '>3\r\n$9\r\nsubscribe\r\n$2\r\nme\r\n:1\r\n');
    assert.equal(await c.call('PUBLISH', 'me', 'x'), ':1\r\n');
    assert.equal(await c.readReply(), '>3\r\n$7\r\nmessage\r\n$2\r\nme\r\n$1\r\nx\r\n');
    await c.call('MULTI');
    await c.call('PUBLISH', 'me', 'y');
    await c.call('PING');
    assert.equal(await c.call('EXEC'), '*2\r\n:1\r\n+PONG\r\n');
    assert.equal(await c.readReply(), '>3\r\n$7\r\nmessage\r\n$2\r\nme\r\n$1\r\ny\r\n');
    // keyspace events of the client's own write: after its reply too
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KA');
    await c.call('SUBSCRIBE', '__keyspace@0__:k');
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    assert.equal(await c.readReply(), '>3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('a subscriber that does not read is disconnected at the pubsub hard limit', async () => {
  const srv = await startTestServer({ config: [['client-output-buffer-limit', 'pubsub', '1mb', '0', '0']] });
  const slow = await RawClient.connect(srv.port);
  const pub = await RawClient.connect(srv.port);
  try {
    assert.equal(await slow.call('SUBSCRIBE', 'firehose'), '*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n');
    slow.socket.pause();
    const big = 'x'.repeat(256 * 1024);
    let sent = 0;
    // kernel buffers absorb some megabytes first; then the output queue grows past 1mb
    while (srv.server.connections.size === 2 && sent < 400) {
      await pub.call('PUBLISH', 'firehose', big);
      sent++;
    }
    assert.equal(srv.server.connections.size, 1, 'the slow subscriber was closed');
    assert.equal(await pub.call('PUBSUB', 'NUMSUB', 'firehose'), '*2\r\n$8\r\nfirehose\r\n:0\r\n');
    assert.equal(srv.server.stats.clientOutputBufferLimitDisconnections, 1);
    // a normal client is not subject to the pubsub class (normal: no limit by default)
    assert.equal(await pub.call('PUBLISH', 'firehose', 'x'), ':0\r\n');
  } finally {
    slow.close();
    pub.close();
    await srv.close();
  }
});

test('the soft limit disconnects a subscriber that stays above it longer than soft-seconds', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock, config: [['client-output-buffer-limit', 'pubsub', '0', '1mb', '5']] });
  const slow = await RawClient.connect(srv.port);
  const pub = await RawClient.connect(srv.port);
  try {
    await slow.call('SUBSCRIBE', 'c');
    slow.socket.pause();
    const big = 'x'.repeat(256 * 1024);
    const client = [...srv.server.connections.values()][0]!.client;
    // the limits count what is queued beyond the client's 16 KiB reply buffer, as Redis
    const aboveSoft = 1024 * 1024 + 16 * 1024;
    for (let i = 0; i < 400 && client.outputBufferBytes() < aboveSoft; i++) await pub.call('PUBLISH', 'c', big);
    assert.ok(client.outputBufferBytes() >= aboveSoft, 'output piled up above the soft limit');
    // above the soft limit, but not for long enough yet
    clock.advance(3000);
    await pub.call('PUBLISH', 'c', 'x');
    assert.equal(srv.server.connections.size, 2);
    clock.advance(3000);
    await pub.call('PUBLISH', 'c', 'x');
    assert.equal(srv.server.connections.size, 1);
  } finally {
    slow.close();
    pub.close();
    await srv.close();
  }
});

test('issue 13: a soft output limit runs out without traffic (the cron checks it, as Redis\'s clientsCron)', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock, config: [['client-output-buffer-limit', 'pubsub', '0', '100000', '2']] });
  const slow = await RawClient.connect(srv.port);
  const pub = await RawClient.connect(srv.port);
  try {
    await slow.call('SUBSCRIBE', 'c');
    slow.socket.pause();
    const client = [...srv.server.connections.values()][0]!.client;
    for (let i = 0; i < 400 && client.outputBufferBytes() < 200_000; i++) await pub.call('PUBLISH', 'c', 'x'.repeat(64 * 1024));
    assert.ok(client.outputBufferBytes() >= 200_000, 'output piled up above the soft limit');
    srv.server.cron.tick();
    assert.equal(srv.server.connections.size, 2);
    // no more messages: only the cron can see the time run out
    clock.advance(3500);
    srv.server.cron.tick();
    assert.equal(srv.server.connections.size, 1);
  } finally {
    slow.close();
    pub.close();
    await srv.close();
  }
});

test('INFO stats and CLIENT LIST report subscriptions; a closed subscriber leaves no trace', async () => {
  const srv = await startTestServer();
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  const o = await RawClient.connect(srv.port);
  try {
    a.write(RawClient.encode(['SUBSCRIBE', 'x', 'y']));
    await a.readReply();
    await a.readReply();
    await a.call('PSUBSCRIBE', 'p*');
    await b.call('SUBSCRIBE', 'y');
    await b.call('SSUBSCRIBE', 's');
    const stats = await o.call('INFO', 'stats');
    assert.match(stats, /pubsub_channels:2\r\n/);
    assert.match(stats, /pubsub_patterns:1\r\n/);
    assert.match(stats, /pubsubshard_channels:1\r\n/);
    const list = await o.call('CLIENT', 'LIST');
    assert.match(list, / flags=P db=0 sub=2 psub=1 ssub=0 /);
    assert.match(list, / flags=P db=0 sub=1 psub=0 ssub=1 /);
    assert.match(await o.call('CLIENT', 'LIST', 'TYPE', 'pubsub'), /sub=2 psub=1/);
    a.close();
    b.close();
    await until(() => srv.server.connections.size === 1, 'subscribers gone');
    const after = await o.call('INFO', 'stats');
    assert.match(after, /pubsub_channels:0\r\n/);
    assert.match(after, /pubsub_patterns:0\r\n/);
    assert.match(after, /pubsubshard_channels:0\r\n/);
    assert.equal(await o.call('PUBLISH', 'y', 'm'), ':0\r\n');
  } finally {
    a.close();
    b.close();
    o.close();
    await srv.close();
  }
});

test('keyspace events: lazy and active expiry publish "expired", CONFIG GET shows Redis canonical flags', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const sub = await RawClient.connect(srv.port);
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'AKEn'), '+OK\r\n');
    assert.equal(await c.call('CONFIG', 'GET', 'notify-keyspace-events'), '*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEQ'), "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n");
    await sub.call('SUBSCRIBE', '__keyevent@0__:expired', '__keyevent@0__:new');
    await sub.readReply();
    await c.call('SET', 'lazy', 'v', 'PX', '100');
    await c.call('SET', 'active', 'v', 'PX', '100');
    assert.equal(await sub.readReply(), '*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:new\r\n$4\r\nlazy\r\n');
    assert.equal(await sub.readReply(), '*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:new\r\n$6\r\nactive\r\n');
    clock.advance(1000);
    assert.equal(await c.call('GET', 'lazy'), '$-1\r\n');
    assert.equal(await sub.readReply(), '*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$4\r\nlazy\r\n');
    srv.server.cron.tick();
    assert.equal(await sub.readReply(), '*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$6\r\nactive\r\n');
    // SET over an expired key: the old one expires first, then a new key is made
    await c.call('SET', 'again', 'v', 'PX', '100');
    assert.equal(await sub.readReply(), '*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:new\r\n$5\r\nagain\r\n');
    clock.advance(1000);
    await c.call('SET', 'again', 'w');
    assert.equal(await sub.readReply(), '*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$5\r\nagain\r\n');
    assert.equal(await sub.readReply(), '*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:new\r\n$5\r\nagain\r\n');
    // switched off: nothing more
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    await c.call('SET', 'quiet', 'v');
    assert.equal(await sub.call('PING'), '*2\r\n$4\r\npong\r\n$0\r\n\r\n');
  } finally {
    sub.close();
    c.close();
    await srv.close();
  }
});

test('node-redis RESP3: keyspace and keyevent notifications of another connection\'s writes', async () => {
  const srv = await startTestServer();
  const sub = createClient({ RESP: 3, socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  const w = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  try {
    await sub.connect();
    await w.connect();
    await w.configSet('notify-keyspace-events', 'KEA');
    const events: string[] = [];
    await sub.pSubscribe('__key*__:*', (msg, ch) => events.push(`${ch} ${msg}`));
    await w.set('k', '1');
    await w.hSet('h', 'f', 'v');
    await w.expire('k', 100);
    await w.rename('k', 'k2');
    await w.del(['k2', 'h']);
    await until(() => events.length === 14, 'fourteen events');
    assert.deepEqual(events, [
      '__keyspace@0__:k set',
      '__keyevent@0__:set k',
      '__keyspace@0__:h hset',
      '__keyevent@0__:hset h',
      '__keyspace@0__:k expire',
      '__keyevent@0__:expire k',
      '__keyspace@0__:k rename_from',
      '__keyevent@0__:rename_from k',
      '__keyspace@0__:k2 rename_to',
      '__keyevent@0__:rename_to k2',
      '__keyspace@0__:k2 del',
      '__keyevent@0__:del k2',
      '__keyspace@0__:h del',
      '__keyevent@0__:del h',
    ]);
  } finally {
    sub.destroy();
    w.destroy();
    await srv.close();
  }
});
