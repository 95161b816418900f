import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

function bulkBody(raw: string): string {
  return raw.slice(raw.indexOf('\r\n') + 2, -2);
}

/** Resolves true if nothing arrives on `c` within `ms` (the command is being held). */
async function silentFor(c: RawClient, ms: number): Promise<boolean> {
  const got = await c.readBytes(1, ms);
  if (got.length > 0) throw new Error(`unexpected reply while paused: ${JSON.stringify(got + c.received)}`);
  return true;
}

test('CLIENT PAUSE WRITE holds writes (and what follows them), lets reads through, UNPAUSE resumes in order', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  const w1 = await RawClient.connect(srv.port);
  const w2 = await RawClient.connect(srv.port);
  const reader = await RawClient.connect(srv.port);
  try {
    await admin.call('SET', 'k', 'old');
    assert.equal(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), '+OK\r\n');
    assert.equal(await reader.call('GET', 'k'), '$3\r\nold\r\n', 'reads are not paused');
    // w1: a write, then a read pipelined behind it — both wait, in order
    w1.write(RawClient.encode(['SET', 'k', 'first']) + RawClient.encode(['GET', 'k']));
    assert.ok(await silentFor(w1, 100));
    w2.write(RawClient.encode(['APPEND', 'k', '+second']));
    assert.ok(await silentFor(w2, 50));
    // errors are answered at once: the command would not run anyway
    assert.match(await reader.call('SET', 'onlykey'), /^-ERR wrong number of arguments for 'set' command/);
    assert.match(await reader.call('NOSUCH'), /^-ERR unknown command/);
    // held clients are blocked clients, flagged b
    assert.match(bulkBody(await admin.call('INFO', 'clients')), /\r\nblocked_clients:2\r\n/);
    const list = bulkBody(await admin.call('CLIENT', 'LIST'));
    assert.equal(list.split('\n').filter((l) => / flags=b /.test(l)).length, 2);
    assert.equal(await reader.call('GET', 'k'), '$3\r\nold\r\n', 'no write went through');
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await w1.readReply(), '+OK\r\n');
    assert.equal(await w1.readReply(), '$5\r\nfirst\r\n');
    assert.equal(await w2.readReply(), ':12\r\n', 'w2 was held after w1 and resumed after it');
    assert.equal(await reader.call('GET', 'k'), '$12\r\nfirst+second\r\n');
    assert.match(bulkBody(await admin.call('INFO', 'clients')), /\r\nblocked_clients:0\r\n/);
  } finally {
    for (const c of [admin, w1, w2, reader]) c.close();
    await srv.close();
  }
});

test('CLIENT PAUSE ALL holds every command, CLIENT UNPAUSE included, until the timeout', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  const other = await RawClient.connect(srv.port);
  try {
    const started = Date.now();
    assert.equal(await admin.call('CLIENT', 'PAUSE', '300'), '+OK\r\n', 'ALL is the default mode');
    other.write(RawClient.encode(['PING']));
    admin.write(RawClient.encode(['CLIENT', 'UNPAUSE']));
    assert.ok(await silentFor(other, 100));
    assert.equal(await other.readReply(2000), '+PONG\r\n');
    assert.equal(await admin.readReply(2000), '+OK\r\n');
    assert.ok(Date.now() - started >= 250, `held until the pause ended (${Date.now() - started} ms)`);
  } finally {
    admin.close();
    other.close();
    await srv.close();
  }
});

test('CLIENT PAUSE: argument errors; a held client that disconnects is dropped and does not stall the others', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  const gone = await RawClient.connect(srv.port);
  const stays = await RawClient.connect(srv.port);
  try {
    assert.equal(await admin.call('CLIENT', 'PAUSE', 'abc'), '-ERR timeout is not an integer or out of range\r\n');
    assert.equal(await admin.call('CLIENT', 'PAUSE', '-1'), '-ERR timeout is negative\r\n');
    assert.equal(await admin.call('CLIENT', 'PAUSE', '10', 'reads'), '-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n');
    assert.equal(
      await admin.call('CLIENT', 'PAUSE', '10', 'write', 'extra'),
      "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n",
    );
    assert.equal(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), '+OK\r\n');
    gone.write(RawClient.encode(['SET', 'a', '1']));
    stays.write(RawClient.encode(['SET', 'b', '2']));
    assert.ok(await silentFor(stays, 80));
    gone.close();
    // let the server see the disconnect before the pause ends
    for (let i = 0; i < 200 && srv.server.connections.size > 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(srv.server.connections.size, 2);
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await stays.readReply(), '+OK\r\n');
    assert.equal(await admin.call('EXISTS', 'b'), ':1\r\n');
    assert.equal(await admin.call('EXISTS', 'a'), ':0\r\n', 'a held command of a client that left never runs');
  } finally {
    admin.close();
    gone.close();
    stays.close();
    await srv.close();
  }
});

test('CLIENT PAUSE longer than 2^31 ms holds writes (no timer overflow), accepts long longs as Redis 7.2', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  const writer = await RawClient.connect(srv.port);
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    assert.equal(await admin.call('CLIENT', 'PAUSE', '9223372036854775807'), '-ERR timeout is out of range\r\n');
    // beyond 2^53 but not overflowing now + timeout: accepted (about 292 thousand years)
    assert.equal(await admin.call('CLIENT', 'PAUSE', '9223372036854775', 'WRITE'), '+OK\r\n');
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await admin.call('CLIENT', 'PAUSE', '3000000000', 'WRITE'), '+OK\r\n');
    writer.write(RawClient.encode(['SET', 'k', 'v']));
    assert.ok(await silentFor(writer, 150), 'still held: a 2^31+ ms delay must not fire at once');
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await writer.readReply(), '+OK\r\n');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings.filter((w) => w === 'TimeoutOverflowWarning'), []);
  } finally {
    process.off('warning', onWarning);
    admin.close();
    writer.close();
    await srv.close();
  }
});

test('CLIENT PAUSE: an internal failure while a held client resumes closes that client, not the server', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  const held = await RawClient.connect(srv.port);
  const dispatcher = srv.server.dispatcher;
  const original = dispatcher.dispatch.bind(dispatcher);
  // stands for a bug outside any handler (the dispatcher already guards handlers)
  dispatcher.dispatch = (ctx, argv) => {
    if (argv[0] === 'SET') throw new Error('simulated internal failure');
    return original(ctx, argv);
  };
  try {
    assert.equal(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), '+OK\r\n');
    held.write(RawClient.encode(['SET', 'k', 'v']));
    assert.ok(await silentFor(held, 80));
    // the resume runs from setImmediate: a throw there used to reach the event loop
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await held.waitClosed(), true, 'the failing client is closed');
    assert.equal(await admin.call('PING'), '+PONG\r\n', 'the server and its other clients carry on');
  } finally {
    dispatcher.dispatch = original;
    admin.close();
    held.close();
    await srv.close();
  }
});

test('CLIENT PAUSE WRITE: scripts and functions that declared no-writes run; undeclared or writing ones are held (Redis 7.2 getCommandFlags)', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  const c = await RawClient.connect(srv.port);
  const held: RawClient[] = [];
  try {
    await admin.call('SET', 'x', 'y');
    const lib = '#!lua name=pauselib\nredis.register_function{function_name="ro", callback=function() return "hello" end, flags={"no-writes"}}\nredis.register_function("rw", function() return redis.call("set", "x", "z") end)';
    assert.equal(await admin.call('FUNCTION', 'LOAD', lib), '$8\r\npauselib\r\n');
    const roBody = "#!lua flags=no-writes\nreturn 'unique script'";
    const shaRo = bulkBody(await admin.call('SCRIPT', 'LOAD', '#!lua flags=no-writes\nreturn 2'));
    const shaRw = bulkBody(await admin.call('SCRIPT', 'LOAD', '#!lua\nreturn 3'));
    assert.equal(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), '+OK\r\n');
    // declared no-writes: an EVAL not cached yet, the same cached, EVALSHA, FCALL
    assert.equal(await c.call('EVAL', roBody, '0'), '$13\r\nunique script\r\n');
    assert.equal(await c.call('EVAL', roBody, '0'), '$13\r\nunique script\r\n');
    assert.equal(await c.call('EVALSHA', shaRo, '0'), ':2\r\n');
    assert.equal(await c.call('FCALL', 'ro', '0'), '$5\r\nhello\r\n');
    assert.equal(await c.call('FCALL_RO', 'RO', '0'), '$5\r\nhello\r\n');
    // EVAL_RO of a script without a shebang keeps the command's own (read-only) flags
    assert.equal(await c.call('EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'x'), '$1\r\ny\r\n');
    // in a transaction: EXEC runs when every queued script declared no-writes
    await c.call('MULTI');
    await c.call('EVALSHA', shaRo, '0');
    assert.equal(await c.call('EXEC'), '*1\r\n:2\r\n');
    // held: a shebang without no-writes, a script without a shebang, a writing function,
    // an EVALSHA of an unknown SHA
    for (const argv of [
      ['EVALSHA', shaRw, '0'],
      ['EVAL', 'return 1', '0'],
      ['FCALL', 'rw', '0'],
      ['EVALSHA', 'f'.repeat(40), '0'],
    ]) {
      const h = await RawClient.connect(srv.port);
      held.push(h);
      h.write(RawClient.encode(argv));
      assert.ok(await silentFor(h, 50), argv.join(' '));
    }
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await held[0]!.readReply(), ':3\r\n');
    assert.equal(await held[1]!.readReply(), ':1\r\n');
    assert.equal(await held[2]!.readReply(), '+OK\r\n');
    assert.match(await held[3]!.readReply(), /^-NOSCRIPT/);
  } finally {
    for (const x of [admin, c, ...held]) x.close();
    await srv.close();
  }
});

test('CLIENT PAUSE WRITE holds expiry back: expired keys read as gone but are not deleted until the pause ends (Redis 7.2 PAUSE_ACTION_EXPIRE)', async () => {
  const srv = await startTestServer();
  const admin = await RawClient.connect(srv.port);
  const expired = async (): Promise<number> => Number(/\r\nexpired_keys:(\d+)\r\n/.exec(await admin.call('INFO', 'stats'))?.[1]);
  try {
    const before = await expired();
    assert.equal(await admin.call('SET', 'a', '1', 'PX', '10'), '+OK\r\n');
    assert.equal(await admin.call('SET', 'b', '1', 'PX', '10'), '+OK\r\n');
    assert.equal(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), '+OK\r\n');
    // past the keys' time and past a few cron ticks (active expiry runs each tick)
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(await admin.call('GET', 'a'), '$-1\r\n');
    assert.equal(await admin.call('EXISTS', 'a', 'b'), ':0\r\n');
    assert.equal(await expired(), before, 'neither lazy nor active expiry deleted a key while paused');
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await admin.call('GET', 'a'), '$-1\r\n');
    assert.equal(await admin.call('GET', 'b'), '$-1\r\n');
    assert.equal(await expired(), before + 2);
  } finally {
    admin.close();
    await srv.close();
  }
});
