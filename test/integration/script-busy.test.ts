/**
 * A script past busy-reply-threshold on one thread (issue 12): other clients get
 * -BUSY (plain TCP and TLS), the commands Redis allows while busy answer, the
 * script's own pipelined commands wait, SCRIPT KILL stops a script that has not
 * written (inside pcall, xpcall, sort comparators, gsub callbacks, metamethods, generic-for
 * iterators and the script's own coroutines too), -UNKILLABLE once it has, SHUTDOWN NOSAVE stops the
 * server, and no other client's write — nor the expiry cron — runs while the
 * script is paused. The texts are compared with Debian's redis-server (7.0.15:
 * these texts are the same in 7.2.4's server.c / script.c).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { findRedisServer, startRedisOracle, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';
import { makeTestPki, tlsDirectives, type TestPki } from '../helpers/tls-certs.js';

const BUSY_EVAL = '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n';
const THRESHOLD = '50';

const enc = RawClient.encode;

/**
 * PINGs until the script is seen: before the threshold the server is blocked by the
 * script and the PING simply waits; a PONG means the script had not started yet.
 */
async function untilBusy(c: RawClient): Promise<string> {
  let r = '';
  for (let i = 0; i < 500; i++) {
    r = await c.call('ping');
    if (r !== '+PONG\r\n') return r;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return r;
}

/**
 * The scenario run against Redoubt and redis-server alike; returns every reply.
 * Ends with SHUTDOWN NOSAVE (the server is gone afterwards).
 */
async function scenario(port: number): Promise<{ replies: string[]; heldBeforeKill: string; closed: boolean }> {
  const a = await RawClient.connect(port);
  const b = await RawClient.connect(port);
  const replies: string[] = [];
  a.write(enc(['eval', 'while true do end', '0']) + enc(['ping']));
  replies.push(await untilBusy(b));
  replies.push(await b.call('set', 'k', 'v'));
  // the script's own pipelined PING has not run
  const heldBeforeKill = a.received;
  replies.push(await b.call('script', 'kill'));
  replies.push(await a.readReply(10_000));
  replies.push(await a.readReply());
  replies.push(await b.call('script', 'kill'));
  replies.push(await b.call('get', 'k'));
  // a script that wrote cannot be killed; SHUTDOWN needs NOSAVE
  a.write(enc(['eval', "redis.call('set', 'w', '1') while true do end", '0']));
  replies.push(await untilBusy(b));
  replies.push(await b.call('script', 'kill'));
  replies.push(await b.call('shutdown'));
  b.write(enc(['shutdown', 'nosave']));
  const closed = (await a.waitClosed(10_000)) && (await b.waitClosed(10_000));
  a.close();
  b.close();
  return { replies, heldBeforeKill, closed };
}

test('BUSY, SCRIPT KILL, NOTBUSY, UNKILLABLE, SHUTDOWN NOSAVE: the same replies as redis-server', { timeout: 120_000 }, async (t) => {
  const srv = await startTestServer({ config: [['busy-reply-threshold', THRESHOLD]] });
  const closing = new Promise<void>((resolve) => {
    srv.server.onShutdown = resolve;
  });
  let ours: Awaited<ReturnType<typeof scenario>>;
  try {
    ours = await scenario(srv.port);
    await closing;
  } finally {
    await srv.close();
  }
  const killed = '-ERR Script killed by user with SCRIPT KILL... script: 694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7, on @user_script:1.\r\n';
  assert.deepEqual(ours.replies, [
    BUSY_EVAL,
    BUSY_EVAL,
    '+OK\r\n',
    killed,
    '+PONG\r\n',
    '-NOTBUSY No scripts in execution right now.\r\n',
    '$-1\r\n',
    BUSY_EVAL,
    '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n',
    BUSY_EVAL,
  ]);
  assert.equal(ours.heldBeforeKill, '', 'the pipelined PING behind the script must wait for it');
  assert.ok(ours.closed, 'SHUTDOWN NOSAVE must close the connections');

  if (findRedisServer() === null) {
    t.diagnostic(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle(['--busy-reply-threshold', THRESHOLD]);
  try {
    const theirs = await scenario(oracle.port);
    assert.deepEqual(ours.replies, theirs.replies);
    assert.equal(theirs.heldBeforeKill, '');
  } finally {
    await oracle.stop();
  }
});

let shared: Awaited<ReturnType<typeof startTestServer>>;
let pki: TestPki;

before(async () => {
  pki = makeTestPki();
  shared = await startTestServer({ tlsPort: 0, config: [['busy-reply-threshold', THRESHOLD], ...tlsDirectives(pki, 'no')] });
});

after(async () => {
  await shared.close();
  pki.cleanup();
});

/** Starts `script` on a fresh connection; resolves with its reply. */
async function startScript(script: string, ...args: string[]): Promise<{ conn: RawClient; reply: Promise<string> }> {
  const conn = await RawClient.connect(shared.port);
  conn.write(enc(['eval', script, '0', ...args]));
  return { conn, reply: conn.readReply(60_000) };
}

for (const [label, script, line] of [
  ['a plain loop', 'while true do end', 1],
  ['a loop inside pcall', 'local ok, e = pcall(function()\n  while true do end\nend)\nreturn 1', 2],
  ['a loop in pcall in a loop that retries', 'while true do\n  pcall(function() while true do end end)\nend', 2],
  ['a loop in a table.sort comparator', 'table.sort({3, 2, 1}, function(a, b)\n  while true do end\nend)', 2],
  ['a loop in a string.gsub callback', "string.gsub('abc', '%w', function(c)\n  while true do end\nend)", 2],
  // called from C in Lua 5.1 (xpcall, the VM's metamethod and iterator calls, coroutine.resume):
  // before the engine crossed those boundaries these loops never paused, so BUSY never came
  ['a loop inside xpcall', 'xpcall(function()\n  while true do end\nend, function(e) return e end)\nreturn 1', 2],
  ['a loop in an xpcall message handler', "xpcall(function() error('x') end, function(e)\n  while true do end\nend)", 2],
  ['a loop in an __index metamethod', 'local t = setmetatable({}, {__index = function(t, k)\n  while true do end\nend})\nreturn t.x', 2],
  ['a loop in an __add metamethod', 'local mt = {__add = function(a, b)\n  while true do end\nend}\nreturn setmetatable({}, mt) + 1', 2],
  ['a loop in an __lt metamethod', 'local mt = {__lt = function(a, b)\n  while true do end\nend}\nreturn setmetatable({}, mt) < setmetatable({}, mt)', 2],
  ['a loop in a __newindex metamethod', 'local t = setmetatable({}, {__newindex = function(t, k, v)\n  while true do end\nend})\nt.x = 1', 2],
  ['a loop in a generic-for iterator', 'local function iter()\n  while true do end\nend\nfor x in iter do end', 2],
  ['a loop in pcall inside an __index metamethod', 'local t = setmetatable({}, {__index = function(t, k)\n  return pcall(function()\n    while true do end\n  end)\nend})\nreturn t.x', 3],
  ['a loop in a coroutine the script created', 'local co = coroutine.create(function()\n  while true do end\nend)\nreturn coroutine.resume(co)', 2],
  ['a loop in a coroutine.wrap function', 'local f = coroutine.wrap(function()\n  while true do end\nend)\nreturn f()', 2],
] as const) {
  test(`SCRIPT KILL stops ${label}; the killed script's caller gets Redis's error`, { timeout: 60_000 }, async () => {
    const { conn, reply } = await startScript(script);
    const other = await RawClient.connect(shared.port);
    try {
      assert.equal(await untilBusy(other), BUSY_EVAL);
      assert.equal(await other.call('script', 'kill'), '+OK\r\n');
      const r = await reply;
      assert.match(r, new RegExp(`^-ERR Script killed by user with SCRIPT KILL\\.\\.\\. script: [0-9a-f]{40}, on @user_script:${line}\\.\\r\\n$`));
      assert.equal(await other.call('ping'), '+PONG\r\n');
    } finally {
      conn.close();
      other.close();
    }
  });
}

test('commands Redis allows while busy answer; the others get BUSY', { timeout: 60_000 }, async () => {
  const { conn, reply } = await startScript('while true do end');
  const other = await RawClient.connect(shared.port);
  try {
    assert.equal(await untilBusy(other), BUSY_EVAL);
    for (const argv of [['echo', 'x'], ['info'], ['client', 'list'], ['script', 'flush'], ['eval', 'return 1', '0']]) {
      assert.equal(await other.call(...argv), BUSY_EVAL, argv.join(' '));
    }
    assert.equal(await other.call('multi'), '+OK\r\n');
    assert.equal(await other.call('discard'), '+OK\r\n');
    assert.equal(await other.call('watch', 'k'), '+OK\r\n');
    assert.equal(await other.call('unwatch'), '+OK\r\n');
    assert.match(await other.call('auth', 'nopass'), /^-ERR AUTH <password> called without any password configured/);
    assert.match(await other.call('hello', '2'), /^\*14\r\n\$6\r\nserver\r\n/);
    assert.equal(await other.call('reset'), '+RESET\r\n');
    assert.equal(await other.call('script', 'kill'), '+OK\r\n');
    assert.match(await reply, /^-ERR Script killed by user/);
  } finally {
    conn.close();
    other.close();
  }
});

test('a TLS client gets BUSY and can SCRIPT KILL', { timeout: 60_000 }, async () => {
  const { conn, reply } = await startScript('while true do end');
  const s = tls.connect({ port: shared.tlsPort, host: '127.0.0.1', servername: 'localhost', ca: readFileSync(pki.caCert) });
  let got = '';
  const waitFor = async (n: number) => {
    const deadline = Date.now() + 30_000;
    while (got.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  };
  s.on('data', (d: Buffer) => {
    got += d.toString('latin1');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('secureConnect', resolve);
      s.once('error', reject);
    });
    s.write(enc(['ping']));
    await waitFor(BUSY_EVAL.length);
    assert.equal(got, BUSY_EVAL);
    s.write(enc(['script', 'kill']));
    await waitFor(BUSY_EVAL.length + 5);
    assert.equal(got.slice(BUSY_EVAL.length), '+OK\r\n');
    assert.match(await reply, /^-ERR Script killed by user/);
  } finally {
    s.destroy();
    conn.close();
  }
});

test('atomicity: no other client write runs while the script is paused', { timeout: 60_000 }, async () => {
  const writer = ioredisClient(shared.port);
  await writer.del('counter');
  // the script increments, spins well past the threshold (many pauses), then reads back
  const script = "local first = redis.call('incr', 'counter') for i = 1, 3e7 do end return {first, tonumber(redis.call('get', 'counter'))}";
  const { conn, reply } = await startScript(script);
  let done = false;
  void reply.then(() => {
    done = true;
  });
  let busy = 0;
  let applied = 0;
  try {
    // the writer races the script with INCRs until the script has answered
    for (let i = 0; i < 100_000 && !done; i++) {
      try {
        await writer.incr('counter');
        applied++;
      } catch (e) {
        assert.match(String(e), /BUSY Redis is busy running a script/);
        busy++;
      }
    }
    const r = await reply;
    const m = /^\*2\r\n:(\d+)\r\n:(\d+)\r\n$/.exec(r);
    assert.ok(m !== null, `unexpected reply ${JSON.stringify(r)}`);
    assert.equal(m[2], m[1], 'the counter changed under the paused script');
    assert.ok(busy > 0, 'the writer never met the paused script');
    // every write that was applied ran before or after the script, none inside
    assert.equal(Number(await writer.get('counter')), applied + 1);
  } finally {
    conn.close();
    writer.disconnect();
  }
});

test('the expiry cron does not delete keys under a paused script', { timeout: 60_000 }, async () => {
  const c = await RawClient.connect(shared.port);
  try {
    await c.call('flushall');
    // SET and EVAL in one write: the server reads both at once, so no cron tick runs between
    // them and the key (20 ms to live) is still there when the script starts, however busy
    // the machine is
    c.write(
      RawClient.encode(['set', 'short', 'x', 'px', '20']) +
        RawClient.encode(['eval', "local before = redis.call('dbsize') for i = 1, 3e7 do end return {before, redis.call('dbsize')}", '0']),
    );
    assert.equal(await c.readReply(10_000), '+OK\r\n');
    const r = await c.readReply(60_000);
    // 3e7 iterations take well over a cron tick (hz 10): without the gate the cron
    // reclaims the expired key in the middle of the script
    assert.equal(r, '*2\r\n:1\r\n:1\r\n');
  } finally {
    c.close();
  }
});

/** A looping function: BUSY with FUNCTION KILL's text, STATS, SCRIPT KILL refused, FUNCTION KILL. */
async function functionScenario(port: number): Promise<string[]> {
  const a = await RawClient.connect(port);
  const b = await RawClient.connect(port);
  const replies: string[] = [];
  try {
    replies.push(await a.call('function', 'load', 'replace', "#!lua name=busylib\nredis.register_function('spin', function() while true do end end)"));
    a.write(enc(['fcall', 'spin', '0']));
    replies.push(await untilBusy(b));
    // running_script names the function and its command; the duration varies
    replies.push((await b.call('function', 'stats')).replace(/:\d+\r\n\$7\r\nengines/, ':<ms>\r\n$7\r\nengines'));
    replies.push(await b.call('script', 'kill'));
    replies.push(await b.call('function', 'kill'));
    replies.push(await a.readReply(10_000));
    replies.push(await b.call('function', 'kill'));
    replies.push(await b.call('function', 'stats'));
  } finally {
    a.close();
    b.close();
  }
  return replies;
}

test('FUNCTION KILL stops a looping function; BUSY, FUNCTION STATS and SCRIPT KILL answer as redis-server', { timeout: 120_000 }, async (t) => {
  const srv = await startTestServer({ config: [['busy-reply-threshold', THRESHOLD]] });
  let ours: string[];
  try {
    ours = await functionScenario(srv.port);
  } finally {
    await srv.close();
  }
  const busyFunction = '-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n';
  assert.equal(ours[0], '$7\r\nbusylib\r\n');
  assert.equal(ours[1], busyFunction);
  assert.match(ours[2]!, /^\*4\r\n\$14\r\nrunning_script\r\n\*6\r\n\$4\r\nname\r\n\$4\r\nspin\r\n\$7\r\ncommand\r\n\*3\r\n\$5\r\nfcall\r\n\$4\r\nspin\r\n\$1\r\n0\r\n\$11\r\nduration_ms\r\n:<ms>\r\n/);
  assert.equal(ours[4], '+OK\r\n');
  assert.match(ours[5]!, /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: spin, on @user_function:2\.\r\n$/);
  assert.equal(ours[6], '-NOTBUSY No scripts in execution right now.\r\n');
  assert.match(ours[7]!, /^\*4\r\n\$14\r\nrunning_script\r\n\$-1\r\n/);
  if (findRedisServer() === null) {
    t.diagnostic(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle(['--busy-reply-threshold', THRESHOLD]);
  try {
    assert.deepEqual(ours, await functionScenario(oracle.port));
  } finally {
    await oracle.stop();
  }
});
