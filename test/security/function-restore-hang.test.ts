/**
 * FUNCTION RESTORE of a payload whose library never finishes loading. Redis 7.2 runs a
 * restored library's top level without FUNCTION LOAD's 500 ms limit (rdbFunctionLoad passes
 * timeout 0), so one client's RESTORE freezes the server for good. Redoubt applies the LOAD
 * limit to a client's RESTORE too (replays from the AOF and RDB loads keep no limit, as
 * Redis): the RESTORE fails with the timeout error, nothing is restored, and another
 * client is served right after.
 *
 * On the code before the fix the RESTORE never answered: the event loop was held by the
 * loop in the library, so this test failed on its deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { createFunctionsPayload } from '../../src/persistence/rdb/function-payload.js';

test('FUNCTION RESTORE of a library that loops at load time fails with the load timeout, the server goes on', { timeout: 60_000 }, async () => {
  const srv = await startTestServer();
  const attacker = await RawClient.connect(srv.port);
  const other = await RawClient.connect(srv.port);
  try {
    const looping = '#!lua name=hang\nlocal i = 0\nwhile true do i = i + 1 end\n';
    const payload = createFunctionsPayload([looping]).toString('latin1');
    const started = Date.now();
    // generous bound on a busy machine; without the limit the reply never comes
    const r = await attacker.call('FUNCTION', 'RESTORE', payload);
    assert.equal(r, '-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n');
    assert.ok(Date.now() - started < 20_000, `answered after ${Date.now() - started} ms`);
    assert.equal(await other.call('PING'), '+PONG\r\n');
    assert.equal(await other.call('FUNCTION', 'LIST'), '*0\r\n');
    // the same library within a payload with a good one: nothing of it is restored
    const good = '#!lua name=ok\nredis.register_function("f", function() return 1 end)';
    const both = createFunctionsPayload([good, looping]).toString('latin1');
    assert.equal(await attacker.call('FUNCTION', 'RESTORE', both), '-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n');
    assert.equal(await other.call('FUNCTION', 'LIST'), '*0\r\n');
  } finally {
    attacker.close();
    other.close();
    await srv.close();
  }
});
