import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { execFile } from 'node:child_process';
import { findOnPath } from '../helpers/redis-oracle.js';
import { ListData } from '../../src/types/list.js';

const io = (port: number) => ioredisClient(port, { enableReadyCheck: false });

/** Runs a whole SCAN with the given options; `between` runs after each call. */
async function scanAll(
  call: (cursor: string) => Promise<[string, string[]]>,
  between: (step: number) => Promise<void> = async () => {},
): Promise<{ keys: string[]; calls: number }> {
  let cursor = '0';
  const keys: string[] = [];
  let calls = 0;
  do {
    const [next, batch] = await call(cursor);
    keys.push(...batch);
    cursor = next;
    calls++;
    await between(calls);
  } while (cursor !== '0');
  return { keys, calls };
}

test('SCAN walks every key with COUNT, MATCH and TYPE', async () => {
  const srv = await startTestServer();
  const r = io(srv.port);
  try {
    const pipe = r.pipeline();
    for (let i = 0; i < 100; i++) pipe.set(`key:${i}`, 'v');
    for (let i = 0; i < 20; i++) pipe.set(`other:${i}`, 'v');
    await pipe.exec();
    srv.server.dbs[0]!.set('alist', { type: 'list', value: new ListData() });

    const all = await scanAll((c) => r.scan(c, 'COUNT', 7));
    assert.equal(new Set(all.keys).size, 121);
    assert.equal(all.keys.length, 121, 'no duplicates when nothing changes');
    assert.ok(all.calls >= 121 / 7, 'COUNT bounds the work per call');

    const matched = await scanAll((c) => r.scan(c, 'MATCH', 'other:*', 'COUNT', 1000));
    assert.deepEqual(matched.keys.sort(), Array.from({ length: 20 }, (_, i) => `other:${i}`).sort());

    const lists = await scanAll((c) => r.scan(c, 'TYPE', 'LIST'));
    assert.deepEqual(lists.keys, ['alist']);
    const strings = await scanAll((c) => r.call('scan', c, 'type', 'string', 'match', 'key:1?') as Promise<[string, string[]]>);
    assert.equal(strings.keys.length, 10);
    const unknown = await scanAll((c) => r.scan(c, 'TYPE', 'nosuchtype'));
    assert.deepEqual(unknown.keys, [], 'an unknown type name matches nothing');
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('SCAN guarantee: keys present for the whole scan are returned while others come and go', async () => {
  const srv = await startTestServer();
  const r = io(srv.port);
  try {
    const stable: string[] = [];
    const pipe = r.pipeline();
    for (let i = 0; i < 300; i++) {
      pipe.set(`stable:${i}`, 'v');
      stable.push(`stable:${i}`);
      if (i % 3 === 0) pipe.set(`doomed:${i}`, 'v');
    }
    await pipe.exec();
    let added = 0;
    const { keys } = await scanAll(
      (c) => r.scan(c, 'COUNT', 5),
      async (step) => {
        // between calls: add new keys, delete keys not in the stable set, rewrite stable values
        await r.set(`new:${added++}`, 'v');
        await r.del(`doomed:${step * 3}`);
        await r.set(`stable:${(step * 7) % 300}`, 'rewritten');
        await r.rename(`new:${added - 1}`, `renamed:${added - 1}`);
      },
    );
    const seen = new Set(keys);
    for (const k of stable) assert.ok(seen.has(k), `SCAN missed ${k}`);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('SCAN reclaims expired keys it meets and never returns them', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock });
  const r = io(srv.port);
  try {
    await r.set('a', '1', 'PX', 10);
    await r.set('b', '1');
    clock.advance(20);
    const { keys } = await scanAll((c) => r.scan(c));
    assert.deepEqual(keys, ['b']);
    assert.equal(srv.server.dbs[0]!.size, 1);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('SCAN errors and cursor parsing (strtoul rules)', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('SET', 'k', 'v');
    const invalid = '-ERR invalid cursor\r\n';
    assert.equal(await c.call('SCAN', 'x'), invalid);
    assert.equal(await c.call('SCAN', ' 0'), invalid);
    assert.equal(await c.call('SCAN', '0x'), invalid);
    assert.equal(await c.call('SCAN', '1.5'), invalid);
    assert.equal(await c.call('SCAN', '18446744073709551616'), invalid);
    assert.equal(await c.call('SCAN', 'x', 'COUNT', '0'), invalid, 'the cursor is checked first');
    assert.equal(await c.call('SCAN', ''), '*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n', 'an empty cursor is 0');
    assert.equal(await c.call('SCAN', '+0'), '*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n');
    assert.equal((await c.call('SCAN', '-1')).startsWith('*2\r\n'), true, '-1 is a valid (wrapped) cursor');
    assert.equal(await c.call('SCAN', '0', 'COUNT', '0'), '-ERR syntax error\r\n');
    assert.equal(await c.call('SCAN', '0', 'COUNT', '-5'), '-ERR syntax error\r\n');
    assert.equal(await c.call('SCAN', '0', 'COUNT', 'x'), '-ERR value is not an integer or out of range\r\n');
    assert.equal(await c.call('SCAN', '0', 'MATCH'), '-ERR syntax error\r\n');
    assert.equal(await c.call('SCAN', '0', 'FOO', 'bar'), '-ERR syntax error\r\n');
    assert.equal(await c.call('SCAN'), "-ERR wrong number of arguments for 'scan' command\r\n");
    assert.equal(await c.call('SCAN', '0', 'COUNT', '9223372036854775807'), '*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('node-redis: scan and scanIterator', async () => {
  const srv = await startTestServer();
  const c = createClient({ socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false } });
  await c.connect();
  try {
    for (let i = 0; i < 50; i++) await c.set(`n:${i}`, String(i));
    const first = await c.scan('0', { COUNT: 10, MATCH: 'n:*' });
    assert.equal(first.keys.length, 10);
    assert.notEqual(first.cursor, '0');
    const all: string[] = [];
    for await (const batch of c.scanIterator({ COUNT: 7, TYPE: 'string' })) all.push(...batch);
    assert.equal(new Set(all).size, 50);
  } finally {
    c.destroy();
    await srv.close();
  }
});

/** redis-cli, asynchronously (the server runs in this process), bounded by a timeout. */
function cli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-p', String(port), ...args], { timeout: 5000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

test('redis-cli: --scan --pattern, KEYS and TTL through the real CLI', { skip: findOnPath('redis-cli') === null ? 'SKIPPED: no redis-cli on PATH' : false }, async () => {
  const srv = await startTestServer();
  try {
    for (let i = 0; i < 30; i++) srv.server.dbs[0]!.setString(`cli:${i}`, 'v');
    srv.server.dbs[0]!.setString('other', 'v');
    const scanned = (await cli(srv.port, '--scan', '--pattern', 'cli:*')).trim().split('\n').sort();
    assert.deepEqual(scanned, Array.from({ length: 30 }, (_, i) => `cli:${i}`).sort());
    assert.equal((await cli(srv.port, 'KEYS', 'oth*')).trim(), 'other');
    assert.equal((await cli(srv.port, 'EXPIRE', 'other', '100')).trim(), '1');
    assert.equal((await cli(srv.port, 'TTL', 'other')).trim(), '100');
    assert.equal((await cli(srv.port, 'RENAME', 'nope', 'x')).trim(), 'ERR no such key');
  } finally {
    await srv.close();
  }
});
