/**
 * DEBUG RELOAD and the functions in the RDB (Redis's unit/functions "test debug reload
 * different options"): the default reload empties keys and functions and loads both back;
 * NOFLUSH fails on a library that is already there; NOFLUSH MERGE replaces it. Before,
 * the reload skipped the RDB's functions altogether, so NOFLUSH answered OK.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer } from '../helpers/server.js';

test('DEBUG RELOAD [NOFLUSH [MERGE]] with a library in the RDB', { timeout: 60_000 }, async () => {
  const srv = await startTestServer({ config: [['enable-debug-command', 'yes']] });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('function', 'load', "#!lua name=test\nredis.register_function('test', function() return 'hello' end)"), '$4\r\ntest\r\n');
    assert.equal(await c.call('debug', 'reload'), '+OK\r\n');
    assert.equal(await c.call('fcall', 'test', '0'), '$5\r\nhello\r\n');
    assert.match(await c.call('debug', 'reload', 'noflush'), /^-ERR Error trying to load the RDB dump/);
    assert.equal(await c.call('debug', 'reload', 'noflush', 'merge'), '+OK\r\n');
    assert.equal(await c.call('fcall', 'test', '0'), '$5\r\nhello\r\n');
    assert.match(await c.call('function', 'list'), /^\*1\r\n\*6\r\n\$12\r\nlibrary_name\r\n\$4\r\ntest\r\n/);
  } finally {
    c.close();
    await srv.close();
  }
});
