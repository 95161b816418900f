/**
 * client-output-buffer-limit for the normal class applies to ordinary replies: a client
 * that asks for big replies and does not read them is closed at the hard limit; others
 * are unaffected. (The pubsub class is tested with pushes in pubsub.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

test('a normal client over its hard output limit is disconnected', async () => {
  const srv = await startTestServer({ config: [['client-output-buffer-limit', 'normal', '1mb', '0', '0']] });
  const admin = await RawClient.connect(srv.port);
  let s: net.Socket | null = null;
  try {
    assert.equal(await admin.call('SET', 'big', 'x'.repeat(512 * 1024)), '+OK\r\n');
    s = net.connect(srv.port, '127.0.0.1');
    await new Promise<void>((r) => s!.once('connect', () => r()));
    s.pause();
    s.on('error', () => {});
    // ~100 MB of replies requested, none read (a paused socket sees no 'close' until it
    // reads, so the server's side is watched)
    s.write('GET big\r\n'.repeat(200));
    for (let i = 0; i < 100 && srv.server.stats.clientOutputBufferLimitDisconnections === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(srv.server.stats.clientOutputBufferLimitDisconnections, 1);
    assert.equal(srv.server.connections.size, 1, 'only the admin connection is left');
    assert.equal(await admin.call('PING'), '+PONG\r\n');
  } finally {
    s?.resume();
    s?.destroy();
    admin.close();
    await srv.close();
  }
});

test('issue 13: a single reply over the hard limit closes the client without it (KEYS, as Redis stops it mid-run)', async () => {
  const srv = await startTestServer({ config: [['client-output-buffer-limit', 'normal', '100000', '0', '0']] });
  const c = await RawClient.connect(srv.port);
  try {
    const args: string[] = ['MSET'];
    for (let i = 0; i < 1000; i++) args.push(`${'long-key-name-prefix-of-100-chars'.padEnd(100, '-')}${i}`, 'v');
    assert.equal(await c.call(...args), '+OK\r\n');
    c.write(RawClient.encode(['KEYS', '*']));
    // about 110 KB of reply: Redis's reply blocks pass 100000, and so does the buffer that holds it here
    await assert.rejects(c.readReply());
    assert.equal(srv.server.stats.clientOutputBufferLimitDisconnections, 1);
  } finally {
    c.close();
    await srv.close();
  }
});
