/**
 * lua-memory-limit (Redoubt's directive): the cap on what one Lua VM holds, for EVAL's VM
 * and the FUNCTION VM, from the config file and through CONFIG SET on a running VM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

/** Builds a table of about 4 MB in Lua (a million integers) and returns its length. */
const GROW = 'local t = {} for i = 1, 1000000 do t[i] = i end return #t';

test('lua-memory-limit from the config caps EVAL and FUNCTION VMs; CONFIG SET raises it on the running VMs', async () => {
  const srv = await startTestServer({ config: [['lua-memory-limit', '2mb']] });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await c.call('CONFIG', 'GET', 'lua-memory-limit'), '*2\r\n$16\r\nlua-memory-limit\r\n$7\r\n2097152\r\n');
    assert.match(await c.call('EVAL', GROW, '0'), /^-ERR .*not enough memory/);
    // the server and the VM go on: a small script still runs
    assert.equal(await c.call('EVAL', 'return 1', '0'), ':1\r\n');
    assert.equal(await c.call('FUNCTION', 'LOAD', `#!lua name=grow\nredis.register_function('grow', function() ${GROW} end)`), '$4\r\ngrow\r\n');
    assert.match(await c.call('FCALL', 'grow', '0'), /^-ERR .*not enough memory/);

    assert.equal(await c.call('CONFIG', 'SET', 'lua-memory-limit', '64mb'), '+OK\r\n');
    assert.equal(await c.call('EVAL', GROW, '0'), ':1000000\r\n');
    assert.equal(await c.call('FCALL', 'grow', '0'), ':1000000\r\n');
    // SCRIPT FLUSH builds a new EVAL VM: it keeps the configured cap
    assert.equal(await c.call('CONFIG', 'SET', 'lua-memory-limit', '2mb'), '+OK\r\n');
    assert.equal(await c.call('SCRIPT', 'FLUSH'), '+OK\r\n');
    assert.match(await c.call('EVAL', GROW, '0'), /^-ERR .*not enough memory/);
  } finally {
    c.close();
    await srv.close();
  }
});

test('lua-memory-limit refuses values outside 1mb..128mb with the config error', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    assert.match(await c.call('CONFIG', 'SET', 'lua-memory-limit', '512kb'), /^-ERR CONFIG SET failed \(possibly related to argument 'lua-memory-limit'\) - argument must be between 1048576 and 134217728 inclusive\r\n$/);
    assert.match(await c.call('CONFIG', 'SET', 'lua-memory-limit', '1gb'), /^-ERR CONFIG SET failed \(possibly related to argument 'lua-memory-limit'\)/);
    assert.equal(await c.call('CONFIG', 'GET', 'lua-memory-limit'), '*2\r\n$16\r\nlua-memory-limit\r\n$8\r\n67108864\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});
