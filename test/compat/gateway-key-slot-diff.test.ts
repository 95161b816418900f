/**
 * The gateway's key → slot mapping against redis-server's own CLUSTER KEYSLOT (a node
 * started with cluster-enabled yes answers it without any slot assigned), on random binary
 * keys with and without hash tags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { keySlot } from '../../src/gateway/key-slot.js';
import { findRedisServer, startRedisOracle, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';
import { scratchDir } from '../helpers/scratch-dir.js';

test('key slots match redis-server CLUSTER KEYSLOT byte for byte', { skip: findRedisServer() === null ? NO_ORACLE_MESSAGE : false }, async () => {
  const dir = scratchDir();
  const oracle = await startRedisOracle(['--cluster-enabled', 'yes', '--cluster-config-file', `${dir}/nodes.conf`, '--dir', dir]);
  const client = new Redis({ port: oracle.port, host: '127.0.0.1', lazyConnect: false });
  try {
    const byte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
    const keyPart = fc.string({ unit: byte, maxLength: 12 });
    const key = fc.oneof(
      keyPart,
      fc.tuple(keyPart, keyPart, keyPart).map(([a, b, c]) => `${a}{${b}}${c}`),
      fc.tuple(keyPart, keyPart).map(([a, b]) => `${a}{${b}`),
      fc.tuple(keyPart, keyPart).map(([a, b]) => `${a}}{${b}}`),
    );
    const keys = fc.sample(key, { numRuns: 400, seed: 7 });
    keys.push('', '{}', '{', '}', '{a}', 'a{}b{c}', '\u00ff{\u0000}');
    const pipeline = client.pipeline();
    for (const k of keys) pipeline.call('CLUSTER', 'KEYSLOT', Buffer.from(k, 'latin1'));
    const results = (await pipeline.exec())!;
    keys.forEach((k, i) => {
      const [err, slot] = results[i]!;
      assert.equal(err, null);
      assert.equal(keySlot(k), slot, `key ${JSON.stringify(k)}`);
    });
  } finally {
    client.disconnect();
    await oracle.stop();
  }
});
