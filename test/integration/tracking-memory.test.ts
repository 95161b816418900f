/**
 * The client-side caching table counts in used_memory (Redis's allocator counts its
 * tracking rax): tracking many keys raises used_memory by at least their names, and
 * invalidating them gives it back. Also checks INFO's tracking_total_keys/items/prefixes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

function field(info: string, name: string): number {
  const m = new RegExp(`\\r\\n${name}:(\\d+)\\r\\n`).exec(info);
  assert.ok(m !== null, `no ${name} in INFO`);
  return Number(m[1]);
}

const KEYS = 2000;
const NAME = 300;

test('tracked keys are part of used_memory, and leave it when invalidated', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  const admin = await RawClient.connect(srv.port);
  try {
    const before = field(await admin.call('INFO'), 'used_memory');
    assert.equal(await c.call('CLIENT', 'TRACKING', 'ON'), '+OK\r\n');
    const names = Array.from({ length: KEYS }, (_, i) => `${String(i).padStart(6, '0')}:${'k'.repeat(NAME)}`);
    // reads of missing keys are tracked too (the dataset stays empty)
    for (let i = 0; i < KEYS; i += 100) {
      const r = await c.call('MGET', ...names.slice(i, i + 100));
      assert.match(r, /^\*100\r\n/);
    }
    const info = await admin.call('INFO');
    assert.equal(field(info, 'tracking_total_keys'), KEYS);
    assert.equal(field(info, 'tracking_total_items'), KEYS);
    const during = field(info, 'used_memory');
    assert.ok(during - before >= KEYS * NAME, `used_memory grew by ${during - before}, under the ${KEYS * NAME} bytes of tracked names`);
    // writing the keys invalidates them: the table empties
    for (let i = 0; i < KEYS; i += 100) {
      const args: string[] = [];
      for (const n of names.slice(i, i + 100)) args.push(n, '1');
      assert.equal(await admin.call('MSET', ...args), '+OK\r\n');
    }
    assert.equal(await admin.call('FLUSHALL'), '+OK\r\n');
    const after = await admin.call('INFO');
    assert.equal(field(after, 'tracking_total_keys'), 0);
    assert.ok(field(after, 'used_memory') < during - (KEYS * NAME) / 2, 'the table\'s memory was not given back');
  } finally {
    c.close();
    admin.close();
    await srv.close();
  }
});

test('BCAST prefixes count in used_memory and INFO tracking_total_prefixes', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  const admin = await RawClient.connect(srv.port);
  try {
    const before = field(await admin.call('INFO'), 'used_memory');
    const args: string[] = [];
    for (let i = 0; i < 500; i++) args.push('PREFIX', `${i}:${'p'.repeat(400)}`);
    assert.equal(await c.call('CLIENT', 'TRACKING', 'ON', 'BCAST', ...args), '+OK\r\n');
    const info = await admin.call('INFO');
    assert.equal(field(info, 'tracking_total_prefixes'), 500);
    assert.ok(field(info, 'used_memory') - before >= 500 * 400);
    assert.equal(await c.call('CLIENT', 'TRACKING', 'OFF'), '+OK\r\n');
    assert.equal(field(await admin.call('INFO'), 'tracking_total_prefixes'), 0);
  } finally {
    c.close();
    admin.close();
    await srv.close();
  }
});
