/**
 * CVE regression suite — protocol and network (cross-protocol scripting, huge bulk and
 * multibulk lengths, unauthenticated input and output growth, reset connections), glob
 * pattern complexity, ACL selectors, CONFIG SET parsing and COMMAND GETKEYS. Guarded child
 * server: RSS ≤ 400 MiB, 20 s per attack.
 */
// npm test: serial — attacks a guarded child server under RSS and per-attack time ceilings
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawClient } from '../../helpers/raw-client.js';
import { MiB } from '../../helpers/resource-guard.js';
import { callAll, sameAsRedis, stopOracle, streamBytes, GuardedSuite } from './cve-support.js';

const LIMITS = { rssCeilingBytes: 400 * MiB, timeCeilingMs: 20_000 };
const suite = new GuardedSuite([], LIMITS);
/** The same server with a password, for the unauthenticated attacks. */
const locked = new GuardedSuite(['--requirepass', 'cve-secret'], LIMITS);
const guarded = suite.guarded.bind(suite);

after(async () => {
  await suite.stop();
  await locked.stop();
  await stopOracle();
});

test('CVE-2016-10517: an HTTP request (POST, Host:) is cut off before any command it smuggles runs', async () => {
  await guarded(async (port) => {
    for (const head of ['POST / HTTP/1.1\r\n', 'GET / HTTP/1.1\r\nHost: 127.0.0.1:6379\r\n']) {
      const c = await RawClient.connect(port);
      c.write(head + 'Content-Length: 20\r\n\r\nSET smuggled 1\r\n');
      assert.ok(await c.waitClosed(2000), `closed after ${JSON.stringify(head)}`);
      assert.doesNotMatch(c.received, /\+OK/);
      c.close();
    }
    assert.deepEqual(await callAll(port, [['EXISTS', 'smuggled']]), [':0\r\n']);
  });
});

test('CVE-2021-21309 / CVE-2021-41099 / CVE-2021-32627: a 4 GB announced bulk with raised limits is not allocated up front', async () => {
  await guarded(async (port, g) => {
    assert.deepEqual(await callAll(port, [['CONFIG', 'SET', 'proto-max-bulk-len', '8gb', 'client-query-buffer-limit', '8gb']]), ['+OK\r\n']);
    const before = g.rss!;
    const sockets: RawClient[] = [];
    for (let i = 0; i < 20; i++) {
      const c = await RawClient.connect(port);
      c.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${4 * 1024 * MiB + 1}\r\n`);
      await streamBytes(c.socket, MiB);
      sockets.push(c);
    }
    await new Promise((r) => setTimeout(r, 300));
    const grown = g.rss! - before;
    assert.ok(grown < 150 * MiB, `20 announced 4 GB bulks cost ${(grown / MiB).toFixed(0)} MiB`);
    for (const c of sockets) c.close();
    // String commands that would grow a value past what a string can hold are refused.
    const replies = await callAll(port, [['SETRANGE', 'k', '4294967290', 'x'], ['APPEND', 'k', 'x'], ['EXISTS', 'k']]);
    assert.match(replies[0]!, /^-ERR string exceeds maximum allowed size/);
    assert.deepEqual(replies.slice(1), [':1\r\n', ':1\r\n']);
    await callAll(port, [['DEL', 'k'], ['CONFIG', 'SET', 'proto-max-bulk-len', '512mb', 'client-query-buffer-limit', '1gb']]);
  });
});

test('CVE-2021-32675: 100 unauthenticated connections announcing 1M-element requests are refused at once', async () => {
  await locked.guarded(async (port, g) => {
    const before = g.rss!;
    const clients: RawClient[] = [];
    for (let i = 0; i < 100; i++) {
      const c = await RawClient.connect(port);
      c.write(i % 2 === 0 ? '*1048576\r\n$536870912\r\n' + 'x'.repeat(65536) : '*1\r\n$536870912\r\n' + 'x'.repeat(65536));
      clients.push(c);
    }
    for (const c of clients) {
      assert.ok(await c.waitClosed(3000), 'the unauthenticated connection is closed');
      assert.match(c.received, /^-ERR Protocol error: unauthenticated (multibulk|bulk) length\r\n$/);
    }
    assert.ok(g.rss! - before < 100 * MiB, `RSS grew ${((g.rss! - before) / MiB).toFixed(0)} MiB`);
  });
});

test('CVE-2021-32675 (while a failed AUTH reply is held back): the unauthenticated limits still hold', async () => {
  await locked.guarded(async (port) => {
    const c = await RawClient.connect(port);
    for (let i = 0; i < 9; i++) c.write(RawClient.encode(['AUTH', 'u', 'wrong']));
    // Raw bytes while the throttled failure replies are held: must be cut off, not buffered.
    await streamBytes(c.socket, 256 * MiB);
    assert.ok(await c.waitClosed(10_000), 'closed while its replies were held back');
    c.close();
  });
});

test('CVE-2025-21605: an unauthenticated client that never reads its replies is disconnected', async () => {
  await locked.guarded(async (port) => {
    const attacker = net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => attacker.once('connect', resolve));
    attacker.on('error', () => {});
    attacker.pause(); // never read: every NOAUTH error stays in the server's output buffer
    const closed = new Promise<void>((resolve) => attacker.once('close', () => resolve()));
    const line = Buffer.from('PING\r\n'.repeat(100_000));
    for (let i = 0; i < 40 && !attacker.destroyed; i++) {
      if (!attacker.write(line)) await Promise.race([new Promise((r) => attacker.once('drain', r)), new Promise((r) => setTimeout(r, 500))]);
    }
    const admin = await RawClient.connect(port);
    try {
      assert.equal(await admin.call('AUTH', 'cve-secret'), '+OK\r\n');
      let clients = '';
      for (let i = 0; i < 50; i++) {
        clients = await admin.call('CLIENT', 'LIST');
        if (clients.split('\n').filter((l) => l.includes('addr=')).length === 1) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(clients.split('\n').filter((l) => l.includes('addr=')).length, 1, `the attacker is gone:\n${clients}`);
    } finally {
      admin.close();
      attacker.destroy();
      await closed;
    }
  });
});

test('CVE-2025-48367: 300 connections reset right after connect do not stop the server accepting', async () => {
  await locked.guarded(async (port) => {
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: 100 }, () =>
          new Promise<void>((resolve) => {
            const s = net.connect({ port, host: '127.0.0.1' }, () => {
              s.resetAndDestroy();
              resolve();
            });
            s.on('error', () => resolve());
          }),
        ),
      );
      const c = await RawClient.connect(port);
      assert.equal(await c.call('PING'), '-NOAUTH Authentication required.\r\n');
      c.close();
    }
  });
});

test('CVE-2023-41056: a query buffer grown by an 8 MiB argument and then shrunk keeps every later reply intact', async () => {
  await guarded(async (port) => {
    const c = await RawClient.connect(port);
    try {
      const big = 'q'.repeat(8 * MiB);
      assert.equal(await c.call('SET', 'qb', big), '+OK\r\n');
      await new Promise((r) => setTimeout(r, 1200)); // idle: the server may shrink its buffers
      assert.equal(await c.call('STRLEN', 'qb'), `:${8 * MiB}\r\n`);
      assert.equal(await c.call('SET', 'small', 'v'), '+OK\r\n');
      assert.equal(await c.call('APPEND', 'qb', 'z'.repeat(MiB)), `:${9 * MiB}\r\n`);
      assert.equal(await c.call('GETRANGE', 'qb', String(8 * MiB - 1), String(8 * MiB)), '$2\r\nqz\r\n');
      assert.equal(await c.call('DEL', 'qb', 'small'), ':2\r\n');
    } finally {
      c.close();
    }
  });
});

test('CVE-2022-36021: pathological "a*a*a*…b" patterns in KEYS, SCAN, HSCAN, PSUBSCRIBE and ACL key patterns answer at once', async () => {
  await guarded(async (port) => {
    const key = 'a'.repeat(60);
    const pattern = 'a*'.repeat(40) + 'b';
    const replies = await sameAsRedis(
      port,
      [['KEYS', pattern], ['SCAN', '0', 'MATCH', pattern, 'COUNT', '1000'], ['HSCAN', 'ph', '0', 'MATCH', pattern], ['SSCAN', 'ps', '0', 'MATCH', pattern], ['CONFIG', 'GET', pattern]],
      [['SET', key, '1'], ['HSET', 'ph', key, '1'], ['SADD', 'ps', key]],
    );
    assert.deepEqual(replies, ['*0\r\n', '*2\r\n$1\r\n0\r\n*0\r\n', '*2\r\n$1\r\n0\r\n*0\r\n', '*2\r\n$1\r\n0\r\n*0\r\n', '*0\r\n']);
    const acl = await callAll(port, [
      ['ACL', 'SETUSER', 'globber', 'on', 'nopass', `~${pattern}`, `&${pattern}`, '+@all'],
      ['ACL', 'DRYRUN', 'globber', 'GET', key],
      ['PUBLISH', key, 'x'],
      ['ACL', 'DELUSER', 'globber'],
    ]);
    assert.equal(acl[0], '+OK\r\n');
    assert.match(acl[1]!, /^\$\d+\r\nUser globber has no permissions to access the 'a{60}' key\r\n$/);
    assert.equal(acl[3], ':1\r\n');
  });
});

test('CVE-2024-31228: very long patterns ("*?" × 50000, 3 MB of "[a]") stay bounded in time and memory', async () => {
  await guarded(async (port, g) => {
    const before = g.rss!;
    const replies = await callAll(port, [
      ['SET', 'a'.repeat(50_000), '1'],
      ['KEYS', '*?'.repeat(50_000)],
      ['SCAN', '0', 'MATCH', '[a]'.repeat(1_000_000), 'COUNT', '10'],
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', '[a]'.repeat(40_000)],
      ['CONFIG', 'GET', '[a]'.repeat(40_000)],
      ['FLUSHALL'],
    ], 15_000);
    assert.equal(replies[0], '+OK\r\n');
    assert.match(replies[1]!, /^\*[01]\r\n/);
    assert.match(replies[2]!, /^\*2\r\n/);
    assert.deepEqual(replies.slice(3), ['*0\r\n', '*0\r\n', '+OK\r\n']);
    assert.ok(g.rss! - before < 200 * MiB, `RSS grew ${((g.rss! - before) / MiB).toFixed(0)} MiB`);
    // A subscriber's patterns are kept: 4 × 900 KB of classes must not cost gigabytes.
    const sub = await RawClient.connect(port);
    try {
      for (let i = 0; i < 4; i++) {
        sub.write(RawClient.encode(['PSUBSCRIBE', `${i}` + '[a]'.repeat(300_000)]));
        assert.match(await sub.readReply(10_000), /^\*3\r\n\$10\r\npsubscribe\r\n/);
      }
      assert.ok(g.rss! - before < 200 * MiB, `RSS grew ${((g.rss! - before) / MiB).toFixed(0)} MiB with 4 patterns`);
    } finally {
      sub.close();
    }
  });
});

test('CVE-2024-31227 / CVE-2024-51741: malformed "%" key-permission selectors are refused; the user stays describable', async () => {
  await guarded(async (port) => {
    const replies = await callAll(port, [
      ['ACL', 'SETUSER', 'sel', 'on', 'nopass', '+@all'],
      ['ACL', 'SETUSER', 'sel', '%~k'],
      ['ACL', 'SETUSER', 'sel', '%'],
      ['ACL', 'SETUSER', 'sel', '(%)'],
      ['ACL', 'SETUSER', 'sel', '(%~k)'],
      ['ACL', 'SETUSER', 'sel', '%RX~k'],
      ['ACL', 'GETUSER', 'sel'],
      ['ACL', 'LIST'],
      ['ACL', 'DRYRUN', 'sel', 'GET', 'k'],
      ['ACL', 'DELUSER', 'sel'],
    ]);
    assert.equal(replies[0], '+OK\r\n');
    assert.deepEqual(replies.slice(1, 6), [
      "-ERR Error in ACL SETUSER modifier '%~k': Syntax error\r\n",
      "-ERR Error in ACL SETUSER modifier '%': Syntax error\r\n",
      "-ERR Error in ACL SETUSER modifier '(%)': Syntax error\r\n",
      "-ERR Error in ACL SETUSER modifier '(%~k)': Syntax error\r\n",
      "-ERR Error in ACL SETUSER modifier '%RX~k': Syntax error\r\n",
    ]);
    assert.match(replies[6]!, /^\*1[02]\r\n/);
    assert.match(replies[7]!, /user sel on nopass/);
    assert.equal(replies[8], "$49\r\nUser sel has no permissions to access the 'k' key\r\n");
    assert.equal(replies[9], ':1\r\n');
  });
});

test('CVE-2016-8339: CONFIG SET client-output-buffer-limit with an invalid class (e.g. master) is refused', async () => {
  await guarded(async (port) => {
    const replies = await sameAsRedis(port, [
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'master 1 1 1'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 1 1 bogus 1 1 1'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 1'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub -1 0 0'],
    ]);
    assert.equal(replies[0], "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.\r\n");
    for (const r of replies) assert.match(r, /^-ERR CONFIG SET failed/);
  });
});

test('CVE-2023-36824: COMMAND GETKEYS and ACL key checks with numkeys beyond the arguments never read past them', async () => {
  await guarded(async (port) => {
    const many = Array.from({ length: 300 }, (_, i) => [`k${i}`, 'v']).flat();
    const replies = await sameAsRedis(port, [
      ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'dst', '2147483647', 'a'],
      ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'dst', '-1', 'a'],
      ['COMMAND', 'GETKEYS', 'LMPOP', '1000', 'a', 'LEFT'],
      ['COMMAND', 'GETKEYS', 'ZINTERCARD', '9223372036854775807', 'a'],
      ['COMMAND', 'GETKEYS', 'XREAD', 'STREAMS', 'a', 'b', 'c'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'ZUNIONSTORE', 'dst', '3', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'MSET', ...many],
    ]);
    for (const r of [replies[0], replies[1], replies[2], replies[5]]) assert.equal(r, '-ERR Invalid arguments specified for command\r\n');
    assert.match(replies[6]!, /^\*300\r\n/);
    const acl = await callAll(port, [
      ['ACL', 'SETUSER', 'keyuser', 'on', 'nopass', '~a*', '+@all'],
      ['ACL', 'DRYRUN', 'keyuser', 'ZUNIONSTORE', 'a1', '2147483647', 'a2'],
      ['ACL', 'DRYRUN', 'keyuser', 'LMPOP', '1000', 'a', 'LEFT'],
      ['ACL', 'DELUSER', 'keyuser'],
    ]);
    assert.equal(acl[0], '+OK\r\n');
    // No keys can be extracted from a malformed call, so the check has nothing to refuse;
    // what matters is that it answers (Redis: OK) instead of reading past the arguments.
    for (const r of acl.slice(1, 3)) assert.match(r, /^(\+OK|-ERR [^\r]*)\r\n$/);
    assert.equal(acl[3], ':1\r\n');
  });
});
