/**
 * Client-side caching end to end: node-redis's own client-side cache (RESP3) against
 * Redoubt, Redis 7.2's ordering of invalidations around the reply of the command that
 * caused them (checked by hand against a 7.2.4 build: 7.0, the CI oracle, orders some of
 * them differently), CLIENT LIST flags, and the tracking table's limit: eviction sends
 * invalidations, and a client reading many keys cannot grow the table past its cap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer } from '../helpers/server.js';
import { RawClient, replyEnd } from '../helpers/raw-client.js';

async function until(f: () => boolean | Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inv = (...keys: string[]) => `>2\r\n$10\r\ninvalidate\r\n*${keys.length}\r\n${keys.map((k) => `$${k.length}\r\n${k}\r\n`).join('')}`;

function infoField(info: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  assert.ok(m !== null, `INFO has ${name}`);
  return Number(m[1]);
}

/** Every invalidated key in a stream of RESP3 `invalidate` pushes. */
function invalidatedKeys(stream: string): string[] {
  const keys: string[] = [];
  const re = />2\r\n\$10\r\ninvalidate\r\n\*(\d+)\r\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(stream)) !== null) {
    let pos = re.lastIndex;
    for (let i = 0; i < Number(m[1]); i++) {
      const nl = stream.indexOf('\r\n', pos);
      const len = Number(stream.slice(pos + 1, nl));
      keys.push(stream.slice(nl + 2, nl + 2 + len));
      pos = nl + 2 + len + 2;
    }
    re.lastIndex = pos;
  }
  return keys;
}

test("node-redis's client-side cache: served from the cache, invalidated by another client's write", async () => {
  const srv = await startTestServer();
  const opts = { socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false as const } };
  const cached = createClient({ ...opts, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
  const writer = createClient(opts);
  try {
    await cached.connect();
    await writer.connect();
    await writer.set('csc:k', 'v1');
    const csc = cached.clientSideCache!;
    assert.equal(await cached.get('csc:k'), 'v1');
    assert.equal(await cached.get('csc:k'), 'v1');
    assert.equal(await cached.get('csc:k'), 'v1');
    // one read reached the server, the others came from the cache
    assert.equal(csc.stats().missCount, 1);
    assert.equal(csc.stats().hitCount, 2);
    const info = await writer.info('stats');
    assert.equal(infoField(info, 'tracking_total_keys'), 1);
    await writer.set('csc:k', 'v2');
    // the invalidation push empties the entry; the next read goes to the server
    await until(() => csc.size() === 0, 'the cache entry to be invalidated');
    assert.equal(await cached.get('csc:k'), 'v2');
    assert.equal(csc.stats().missCount, 2);
    assert.equal(await cached.get('csc:k'), 'v2');
    assert.equal(csc.stats().hitCount, 3);
    // FLUSHALL invalidates everything at once (a null key)
    await cached.hGetAll('csc:h');
    assert.equal(csc.size(), 2);
    await writer.flushAll();
    await until(() => csc.size() === 0, 'the flush to empty the cache');
    assert.equal(await cached.get('csc:k'), null);
  } finally {
    cached.destroy();
    writer.destroy();
    await srv.close();
  }
});

test('Redis 7.2 order: invalidations for the running client follow its reply (the whole EXEC), CLIENT REPLY OFF still gets them', async () => {
  const srv = await startTestServer();
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  const c = await RawClient.connect(srv.port);
  try {
    await a.call('HELLO', '3');
    assert.equal(await a.call('CLIENT', 'TRACKING', 'ON'), '+OK\r\n');
    await a.call('GET', 'k');
    a.write(['MULTI', 'SET k 1', 'GET k', 'EXEC', 'PING'].map((l) => RawClient.encode(l.split(' '))).join(''));
    assert.equal(await a.readBytes(5000, 300), `+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n$1\r\n1\r\n${inv('k')}+PONG\r\n`);
    // pushes are not replies: CLIENT REPLY OFF does not silence them
    await a.call('GET', 'k');
    a.write(RawClient.encode(['CLIENT', 'REPLY', 'OFF']));
    await sleep(30);
    assert.equal(await b.call('SET', 'k', '2'), '+OK\r\n');
    assert.equal(await a.readBytes(inv('k').length), inv('k'));
    a.write(RawClient.encode(['CLIENT', 'REPLY', 'ON']));
    assert.equal(await a.readReply(), '+OK\r\n');
    // a redirect target running the write gets the message after its own EXEC reply
    const bid = (await b.call('CLIENT', 'ID')).slice(1, -2);
    await b.call('HELLO', '3');
    await c.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', bid);
    await c.call('GET', 'q');
    b.write(['MULTI', 'SET q 1', 'EXEC'].map((l) => RawClient.encode(l.split(' '))).join(''));
    assert.equal(await b.readBytes(5000, 300), `+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n${inv('q')}`);
  } finally {
    a.close();
    b.close();
    c.close();
    await srv.close();
  }
});

test('CLIENT LIST: flags t, B, R and redir= as Redis shows them', async () => {
  const srv = await startTestServer();
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  let gone = await RawClient.connect(srv.port);
  try {
    const line = async (c: RawClient) => (await c.call('CLIENT', 'INFO')).split('\r\n')[1]!;
    assert.match(await line(a), / flags=N .* redir=-1 /);
    await a.call('CLIENT', 'TRACKING', 'ON');
    assert.match(await line(a), / flags=t .* redir=0 /);
    await b.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'x');
    assert.match(await line(b), / flags=tB .* redir=0 /);
    const goneId = (await gone.call('CLIENT', 'ID')).slice(1, -2);
    await a.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', goneId);
    assert.match(await line(a), new RegExp(` flags=t .* redir=${goneId} `));
    await a.call('GET', 'r');
    gone.close();
    await until(async () => !(await b.call('CLIENT', 'LIST')).includes(`id=${goneId} `), 'the redirect target to go');
    await b.call('SET', 'r', '1');
    assert.match(await line(a), new RegExp(` flags=tR .* redir=${goneId} `));
    await a.call('CLIENT', 'TRACKING', 'OFF');
    assert.match(await line(a), / flags=N .* redir=-1 /);
    gone = a;
  } finally {
    a.close();
    b.close();
    gone.close();
    await srv.close();
  }
});

test('tracking-table-max-keys: keys over the limit are dropped with an invalidation, each key once', async () => {
  const srv = await startTestServer();
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  try {
    await a.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'ON');
    const keys = Array.from({ length: 10 }, (_, i) => `lim:${i}`);
    await a.call('MGET', ...keys);
    assert.equal(infoField(await b.call('INFO', 'stats'), 'tracking_total_keys'), 10);
    assert.equal(infoField(await b.call('INFO', 'stats'), 'tracking_total_items'), 10);
    assert.equal(await b.call('CONFIG', 'SET', 'tracking-table-max-keys', '3'), '+OK\r\n');
    // applied after the command that lowered it (and on each cron tick)
    await until(async () => infoField(await b.call('INFO', 'stats'), 'tracking_total_keys') === 3, 'the table to shrink to 3 keys');
    const evicted = invalidatedKeys(await a.readBytes(inv('lim:0').length * 7, 2000));
    assert.equal(evicted.length, 7);
    // a write to all ten keys now invalidates only the three still tracked
    await b.call('MSET', ...keys.flatMap((k) => [k, 'v']));
    const rest = invalidatedKeys(await a.readBytes(inv('lim:0').length * 3, 2000));
    assert.equal(rest.length, 3);
    assert.deepEqual([...evicted, ...rest].sort(), [...keys].sort());
    assert.equal(await a.readBytes(1, 100), '', 'no further invalidation');
    assert.equal(infoField(await b.call('INFO', 'stats'), 'tracking_total_keys'), 0);
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test('memory stays bounded: a client reading 60,000 keys leaves at most tracking-table-max-keys in the table', async (t) => {
  const srv = await startTestServer({ config: [['tracking-table-max-keys', '1000']] });
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  try {
    await a.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'ON');
    let peak = 0;
    let pushes = '';
    // a.readReply re-reads its whole buffer per reply: with tens of thousands of pushes
    // that is quadratic, so this test parses the stream itself, in one pass
    let stream = '';
    let pos = 0;
    a.socket.on('data', (d: Buffer) => {
      stream += d.toString('latin1');
    });
    /** the next reply, with the invalidation pushes that come before it set aside */
    const nextReply = async (): Promise<string> => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const end = replyEnd(stream, pos);
        if (end === -1) {
          if (Date.now() > deadline) assert.fail('no reply');
          await sleep(2);
          continue;
        }
        const r = stream.slice(pos, end);
        pos = end;
        if (!r.startsWith('>')) return r;
        pushes += r;
      }
    };
    const batches = 30;
    for (let i = 0; i < batches; i++) {
      const keys = Array.from({ length: 2000 }, (_, j) => `mem:${i}:${j}`);
      a.write(RawClient.encode(['MGET', ...keys]));
      assert.equal(await nextReply(), `*2000\r\n${'_\r\n'.repeat(2000)}`);
      peak = Math.max(peak, infoField(await b.call('INFO', 'stats'), 'tracking_total_keys'));
    }
    // Redis's effort grows by 100 keys per pass while over the limit: the table overshoots
    // for a few commands, then the limit wins; without a limit it would hold all 60,000
    assert.ok(peak < 30_000, `peak ${peak}`);
    t.diagnostic(`tracking_total_keys peaked at ${peak} (limit 1000, 60,000 keys read)`);
    await until(async () => infoField(await b.call('INFO', 'stats'), 'tracking_total_keys') <= 1000, 'the table to settle under its cap', 10_000);
    const left = infoField(await b.call('INFO', 'stats'), 'tracking_total_keys');
    assert.ok(left > 0);
    // every key dropped from the table was invalidated for the client
    a.write(RawClient.encode(['PING']));
    assert.equal(await nextReply(), '+PONG\r\n');
    const dropped = invalidatedKeys(pushes);
    assert.equal(dropped.length, batches * 2000 - left);
    assert.equal(new Set(dropped).size, dropped.length);
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test('maxmemory eviction of a tracked key invalidates it', async () => {
  const srv = await startTestServer();
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  try {
    await b.call('SET', 'ev:k', 'x'.repeat(1000));
    await a.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'ON');
    await a.call('GET', 'ev:k');
    await b.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
    await b.call('CONFIG', 'SET', 'maxmemory', '1');
    // any write makes the server evict, down to nothing
    await b.call('SET', 'ev:other', '1');
    await b.call('CONFIG', 'SET', 'maxmemory', '0');
    assert.equal(await a.readBytes(inv('ev:k').length, 2000), inv('ev:k'));
    assert.equal(await b.call('EXISTS', 'ev:k'), ':0\r\n');
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test('Redis 7.2 order before the command: table-limit and maxmemory evictions precede its reply, a served BLMOVE gets its invalidation after', async () => {
  const srv = await startTestServer();
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  const enc = (...argv: string[]) => RawClient.encode(argv);
  try {
    await a.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'ON');
    // redis#11715: the limit, lowered while the client is in MULTI, applies before its
    // next (queued) command: the invalidation comes before +QUEUED
    await b.call('CONFIG', 'SET', 'tracking-table-max-keys', '2');
    await a.call('MGET', '1{t}', '2{t}');
    assert.equal(await a.call('MULTI'), '+OK\r\n');
    await b.call('CONFIG', 'SET', 'tracking-table-max-keys', '1');
    a.write(enc('PING') + enc('EXEC'));
    const tail = '+QUEUED\r\n*1\r\n+PONG\r\n';
    const got = await a.readBytes(inv('1{t}').length + tail.length);
    assert.ok(got === inv('1{t}') + tail || got === inv('2{t}') + tail, JSON.stringify(got));
    await b.call('CONFIG', 'SET', 'tracking-table-max-keys', '0');
    // a blocked BLMOVE served by another client's push: its reply, then the invalidation
    await b.call('RPUSH', 'list2', 'a');
    await a.call('LRANGE', 'list2', '0', '-1');
    a.write(enc('BLMOVE', 'list1', 'list2', 'LEFT', 'LEFT', '0'));
    await until(async () => (await b.call('CLIENT', 'LIST')).includes('cmd=blmove'), 'the client to block');
    await b.call('RPUSH', 'list1', 'foo');
    assert.equal(await a.readBytes(9 + inv('list2').length), `$3\r\nfoo\r\n${inv('list2')}`);
    // a tracked key evicted by maxmemory before a command runs: invalidation, then the reply
    const used = infoField(await b.call('INFO', 'memory'), 'used_memory');
    await b.call('CONFIG', 'SET', 'maxmemory', String(used + 100 * 1024));
    await b.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-random');
    await a.call('SETEX', 'volatile-key', '10000', 'x');
    await a.call('GET', 'volatile-key');
    await a.call('SETBIT', 'big-key', '1600000', '0');
    a.write(enc('GETBIT', 'big-key', '0'));
    assert.equal(await a.readBytes(inv('volatile-key').length + 4), `${inv('volatile-key')}:0\r\n`);
    await b.call('CONFIG', 'SET', 'maxmemory', '0');
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test("Redis 7.2 order: the running client's own keyspace event comes before its invalidation, both after the reply", async () => {
  const srv = await startTestServer({ config: [['notify-keyspace-events', 'KA']] });
  const a = await RawClient.connect(srv.port);
  try {
    await a.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'ON');
    await a.call('SUBSCRIBE', '__keyspace@0__:k');
    await a.call('GET', 'k');
    const event = (e: string) => `>3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$${e.length}\r\n${e}\r\n`;
    a.write(RawClient.encode(['SET', 'k', '1']));
    const want = `+OK\r\n${event('set')}${inv('k')}`;
    assert.equal(await a.readBytes(want.length), want);
    await a.call('GET', 'k');
    a.write(['MULTI', 'DEL k', 'EXEC'].map((l) => RawClient.encode(l.split(' '))).join(''));
    const want2 = `+OK\r\n+QUEUED\r\n*1\r\n:1\r\n${event('del')}${inv('k')}`;
    assert.equal(await a.readBytes(want2.length), want2);
  } finally {
    a.close();
    await srv.close();
  }
});
