/**
 * Real clients and real scripts on EVAL: ioredis `defineCommand` (EVALSHA → NOSCRIPT →
 * EVAL), node-redis scripts, redis-py's `Lock` (Debian's python3-redis, through
 * /usr/bin/python3) acquire / extend / release / blocking, a Redlock unlock script and
 * a token-bucket limiter whose replies are compared byte for byte with redis-server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, defineScript, type CommandParser } from 'redis';
import { ioredisClient, startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import type { RunningServer } from '../../src/server/server.js';

let srv: RunningServer;

before(async () => {
  srv = await startTestServer();
});

after(async () => {
  await srv.close();
});

function commandStat(info: string, name: string): Record<string, number> {
  const line = new RegExp(`cmdstat_${name}:([^\\r\\n]*)`).exec(info)?.[1] ?? '';
  const out: Record<string, number> = {};
  for (const kv of line.split(',')) {
    const [k, v] = kv.split('=');
    if (k !== undefined && v !== undefined) out[k] = Number(v);
  }
  return out;
}

test('ioredis defineCommand: EVALSHA fails with NOSCRIPT, falls back to EVAL, then EVALSHA hits', async () => {
  const r = ioredisClient(srv.port);
  try {
    await r.config('RESETSTAT');
    const LUA = "local old = redis.call('get', KEYS[1]) redis.call('set', KEYS[1], ARGV[1]) return old";
    r.defineCommand('setAndGetOld', { numberOfKeys: 1, lua: LUA });
    const call = (key: string, value: string): Promise<string | null> =>
      (r as unknown as { setAndGetOld(k: string, v: string): Promise<string | null> }).setAndGetOld(key, value);
    // first use on a connection: EVAL; then EVALSHA
    assert.equal(await call('io:k', 'a'), null);
    assert.equal(await call('io:k', 'b'), 'a');
    // the cache is emptied: EVALSHA answers NOSCRIPT, ioredis resends with EVAL
    assert.equal(await r.script('FLUSH'), 'OK');
    assert.equal(await call('io:k', 'c'), 'b');
    assert.equal(await call('io:k', 'd'), 'c');
    const info = await r.info('commandstats');
    const evalsha = commandStat(info, 'evalsha');
    const evalStat = commandStat(info, 'eval');
    assert.equal(evalsha['calls'], 3, info);
    assert.equal(evalsha['failed_calls'], 1, info);
    assert.equal(evalStat['calls'], 2, info);
    assert.equal(await r.get('io:k'), 'd');
    assert.deepEqual(await r.script('EXISTS', createHash('sha1').update(LUA).digest('hex')), [1]);
  } finally {
    r.disconnect();
  }
});

test('node-redis: scripts defined with defineScript run through EVALSHA', async () => {
  const client = createClient({
    socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false },
    scripts: {
      incrBy2: defineScript({
        NUMBER_OF_KEYS: 1,
        SCRIPT: "return redis.call('incrby', KEYS[1], 2)",
        parseCommand(parser: CommandParser, key: string): void {
          parser.pushKey(key);
        },
        transformReply: undefined as unknown as () => number,
      }),
    },
  });
  await client.connect();
  try {
    assert.equal(await client.incrBy2('nr:n'), 2);
    assert.equal(await client.incrBy2('nr:n'), 4);
    assert.equal(await client.get('nr:n'), '4');
  } finally {
    await client.disconnect();
  }
});

const REDLOCK_UNLOCK = `
if redis.call("get", KEYS[1]) == ARGV[1] then
  return redis.call("del", KEYS[1])
else
  return 0
end`;

/** A token bucket as rate-limiter libraries write it: floats in, numbers printed by Lua. */
const TOKEN_BUCKET = `
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local requested = tonumber(ARGV[4])
local fill_time = capacity / rate
local ttl = math.floor(fill_time * 2)
local last_tokens = tonumber(redis.call("hget", key, "tokens"))
if last_tokens == nil then last_tokens = capacity end
local last_refreshed = tonumber(redis.call("hget", key, "ts"))
if last_refreshed == nil then last_refreshed = 0 end
local delta = math.max(0, now - last_refreshed)
local filled = math.min(capacity, last_tokens + (delta * rate))
local allowed = filled >= requested
local new_tokens = filled
if allowed then new_tokens = filled - requested end
redis.call("hset", key, "tokens", new_tokens, "ts", now)
redis.call("expire", key, ttl)
return { allowed and 1 or 0, new_tokens, "tokens=" .. new_tokens, tostring(filled / 3), redis.call("hget", key, "tokens") }`;

test('Redlock unlock and a token bucket answer byte for byte like redis-server', async (t) => {
  if (findRedisServer() === null) {
    t.skip(NO_ORACLE_MESSAGE);
    console.warn(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle();
  const rc = await RawClient.connect(oracle.port);
  const oc = await RawClient.connect(srv.port);
  try {
    const steps: string[][] = [
      ['SET', 'lock:a', 'token-1', 'NX', 'PX', '30000'],
      ['EVAL', REDLOCK_UNLOCK, '1', 'lock:a', 'token-2'],
      ['EXISTS', 'lock:a'],
      ['EVAL', REDLOCK_UNLOCK, '1', 'lock:a', 'token-1'],
      ['EXISTS', 'lock:a'],
      ['EVAL', REDLOCK_UNLOCK, '1', 'lock:a', 'token-1'],
    ];
    // a burst, a pause, fractional rates and times (numbers go through tostring and ..)
    // (the numbers the script passes to HSET are exact in binary: 7.0.15 prints a Lua
    // number argument with %.17g, 7.2 with the shortest round trip, so 0.1 would differ;
    // test/compat/scripting-diff.test.ts checks 7.2's form)
    const calls: [string, string, string, string][] = [
      ['10', '20', '1000', '1'],
      ['10', '20', '1000', '15'],
      ['10', '20', '1000', '10'],
      ['10', '20', '1000.25', '3'],
      ['10', '20', '1000.5', '1'],
      ['0.5', '7', '1003.75', '1'],
      ['2.5', '10', '1010.125', '2'],
      ['0.25', '1000', '5000', '1'],
    ];
    for (const [rate, cap, now, req] of calls) steps.push(['EVAL', TOKEN_BUCKET, '1', 'bucket:x', rate, cap, now, req]);
    steps.push(['HGETALL', 'bucket:x'], ['TTL', 'bucket:x']);
    for (const argv of steps) {
      const theirs = await rc.call(...argv);
      const ours = await oc.call(...argv);
      assert.equal(ours, theirs, `${argv[0]} ${argv.slice(2).join(' ')}`);
    }
  } finally {
    rc.close();
    oc.close();
    await oracle.stop();
  }
});

const PY = '/usr/bin/python3';
const pyMissing = ((): string | null => {
  const r = spawnSync(PY, ['-c', 'import redis'], { encoding: 'utf8' });
  if (r.error !== undefined) return `${PY} not found`;
  return r.status === 0 ? null : `${PY} -c 'import redis' failed (install Debian's python3-redis)`;
})();
if (pyMissing !== null) console.warn(`\n*** SKIPPING redis-py Lock test: ${pyMissing} ***\n`);

const LOCK_PROGRAM = `
import sys, time, threading, redis
r = redis.Redis(host='127.0.0.1', port=int(sys.argv[1]))
out = []
lock = r.lock('py:lock', timeout=10, thread_local=False)
out.append(('acquire', lock.acquire(blocking=False)))
out.append(('owned', lock.owned()))
other = r.lock('py:lock', timeout=10)
out.append(('other-nonblocking', other.acquire(blocking=False)))
t0 = time.time()
out.append(('other-blocking-timeout', other.acquire(blocking=True, blocking_timeout=0.3)))
out.append(('waited', time.time() - t0 >= 0.15))
out.append(('extend', lock.extend(20)))
out.append(('ttl>10', r.pttl('py:lock') > 10000))
out.append(('reacquire', lock.reacquire()))
out.append(('ttl<=10', r.pttl('py:lock') <= 10000))
thief = r.lock('py:lock', timeout=10)
thief.local.token = b'not-the-owner'
try:
    thief.release()
    out.append(('other-release', 'no error'))
except redis.exceptions.LockNotOwnedError:
    out.append(('other-release', 'LockNotOwnedError'))
thief.local.token = b'not-the-owner'
try:
    thief.extend(5)
    out.append(('other-extend', 'no error'))
except redis.exceptions.LockError as e:
    out.append(('other-extend', type(e).__name__ + ': ' + str(e)))
out.append(('still-owned', lock.owned()))
def release_later():
    time.sleep(0.2)
    lock.release()
threading.Thread(target=release_later).start()
t0 = time.time()
out.append(('other-waits-for-release', other.acquire(blocking=True, blocking_timeout=5)))
out.append(('waited-for-release', time.time() - t0 >= 0.15))
out.append(('first-owned-after', lock.owned()))
other.release()
out.append(('exists-after-release', r.exists('py:lock')))
with r.lock('py:ctx', timeout=5):
    out.append(('ctx-held', r.exists('py:ctx')))
out.append(('ctx-released', r.exists('py:ctx')))
for k, v in out:
    print(k, v)
`;

test("redis-py Lock: acquire, extend, reacquire, release, blocking, foreign release refused", { skip: pyMissing ?? false, timeout: 60_000 }, async () => {
  // asynchronously: the server answers from this process's event loop
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(PY, ['-c', LOCK_PROGRAM, String(srv.port)], { encoding: 'utf8', timeout: 50_000 }, (err, out, errText) => {
      if (err !== null) reject(new Error(`python failed: ${err.message}\n${errText}`));
      else resolve(out);
    });
  });
  const lines = stdout.trim().split('\n');
  assert.deepEqual(lines, [
    'acquire True',
    'owned True',
    'other-nonblocking False',
    'other-blocking-timeout False',
    'waited True',
    'extend True',
    'ttl>10 True',
    'reacquire True',
    'ttl<=10 True',
    'other-release LockNotOwnedError',
    "other-extend LockNotOwnedError: Cannot extend a lock that's no longer owned",
    'still-owned True',
    'other-waits-for-release True',
    'waited-for-release True',
    'first-owned-after False',
    'exists-after-release 0',
    'ctx-held 1',
    'ctx-released 0',
  ]);
});

test('Lua debugger: SCRIPT DEBUG SYNC sessions over the protocol (texts as redis-server 7.2.4), YES refused at EVAL (no fork)', async () => {
  const c = await RawClient.connect(srv.port);
  const other = await RawClient.connect(srv.port);
  const status = (...lines: string[]): string => `*${lines.length}\r\n${lines.map((l) => `+${l}\r\n`).join('')}`;
  try {
    assert.equal(await c.call('SCRIPT', 'DEBUG', 'MAYBE'), '-ERR Use SCRIPT DEBUG YES/SYNC/NO\r\n');
    assert.equal(await c.call('SCRIPT', 'DEBUG', 'YES'), '+OK\r\n');
    // EVALSHA while debugging, as Redis's evalShaCommand (the fuzzer found the difference)
    assert.equal(await c.call('EVALSHA', 'WEIGHTS', '0'), '-NOSCRIPT No matching script. Please use EVAL.\r\n');
    assert.equal(await c.call('EVALSHA', 'a'.repeat(40), '0'), '-ERR Please use EVAL instead of EVALSHA for debugging\r\n');
    assert.match(await c.call('EVAL', "redis.call('set', 'ldb:never', 1)", '0'), /^-ERR Fork\(\) failed: can't run EVAL in debugging mode: .*SCRIPT DEBUG SYNC/);
    assert.equal(await c.call('EXISTS', 'ldb:never'), ':0\r\n');
    assert.equal(await c.call('EVAL', 'return 1', '0'), ':1\r\n');
    assert.equal(await c.call('SCRIPT', 'DEBUG', 'SYNC'), '+OK\r\n');
    const src = "local a = 1\nlocal t = {1, 2, 'x'}\nredis.call('set', 'ldb:k', a)\nredis.debug('hi', t)\nreturn a\n";
    assert.equal(await c.call('EVAL', src, '0'), status('* Stopped at 1, stop reason = step over', '-> 1   local a = 1'));
    // the server is busy with the stopped script
    assert.match(await other.call('GET', 'ldb:k'), /^-BUSY /);
    assert.match(await other.call('SCRIPT', 'KILL'), /^-UNKILLABLE .*debugger/);
    assert.equal(await c.call('hello\0world'), status('<error> Unknown Redis Lua debugger command or wrong number of arguments.'));
    assert.equal(await c.call('s'), status('* Stopped at 2, stop reason = step over', "-> 2   local t = {1, 2, 'x'}"));
    assert.equal(await c.call('step'), status('* Stopped at 3, stop reason = step over', "-> 3   redis.call('set', 'ldb:k', a)"));
    assert.equal(await c.call('n'), status('<redis> set ldb:k 1', '<reply> "+OK"', '* Stopped at 4, stop reason = step over', "-> 4   redis.debug('hi', t)"));
    assert.equal(await c.call('print'), status('<value> a = 1', '<value> t = {1; 2; "x"}'));
    assert.equal(await c.call('p', 't'), status('<value> {1; 2; "x"}'));
    assert.equal(await c.call('b', '5'), status("-> 4   redis.debug('hi', t)", '  #5   return a'));
    assert.equal(await c.call('list', '2', '1'), status('   1   local a = 1', "   2   local t = {1, 2, 'x'}", "   3   redis.call('set', 'ldb:k', a)"));
    assert.equal(await c.call('trace'), status('In top level:', "-> 4   redis.debug('hi', t)"));
    assert.equal(await c.call('eval', 'a'), status("<error> ldb_eval:1: Script attempted to access nonexistent global variable 'a'"));
    assert.equal(await c.call('e', '1', '+', '1'), status('<retval> 2'));
    assert.equal(await c.call('redis', 'get', 'ldb:k'), status('<redis> get ldb:k', '<reply> "1"'));
    assert.equal(await c.call('maxlen', '10'), status('<value> replies are truncated at 60 bytes.'));
    assert.equal(await c.call('c'), status('<debug> line 4: "hi", {1; 2; "x"}', '* Stopped at 5, stop reason = break point', '->#5   return a'));
    assert.equal(await c.call('c'), status('<endsession>'));
    assert.equal(await c.readReply(), ':1\r\n');
    assert.ok(await c.waitClosed(), 'the session closes the connection');
    assert.equal(await other.call('GET', 'ldb:k'), '$1\r\n1\r\n');

    // abort, a timeout stop, and a client that leaves in the middle of a session
    const d = await RawClient.connect(srv.port);
    assert.equal(await d.call('SCRIPT', 'DEBUG', 'SYNC'), '+OK\r\n');
    assert.equal(await other.call('CONFIG', 'SET', 'busy-reply-threshold', '100'), '+OK\r\n');
    const loop = 'local x = 1\nwhile true do x = x + 1 end';
    assert.equal(await d.call('EVAL', loop, '0'), status('* Stopped at 1, stop reason = step over', '-> 1   local x = 1'));
    d.write('*1\r\n$1\r\nc\r\n');
    assert.equal(await d.readReply(5000), status('* Stopped at 2, stop reason = timeout reached, infinite loop?', '-> 2   while true do x = x + 1 end'));
    assert.equal(await d.call('abort'), status('<endsession>'));
    assert.equal(await d.readReply(), `-ERR script aborted for user request script: ${createHash('sha1').update(loop).digest('hex')}, on @user_script:2.\r\n`);
    assert.ok(await d.waitClosed());
    const gone = await RawClient.connect(srv.port);
    assert.equal(await gone.call('SCRIPT', 'DEBUG', 'SYNC'), '+OK\r\n');
    assert.match(await gone.call('EVAL', "redis.call('set', 'ldb:after', 1)\nreturn 1", '0'), /Stopped at 1/);
    // a malformed request in a session (CVE-2021-32672's class, Redis's own debugger
    // parser): the request parser refuses it, the connection closes, the script goes on
    gone.write('*2\r\n$-7\r\nxx\r\n');
    assert.match(await gone.readReply(), /^-ERR Protocol error/);
    assert.ok(await gone.waitClosed());
    let after = '';
    for (let i = 0; i < 50 && after !== '$1\r\n1\r\n'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await other.call('GET', 'ldb:after');
    }
    assert.equal(after, '$1\r\n1\r\n', 'the script ran to its end once its debugging client left');
  } finally {
    await other.call('CONFIG', 'SET', 'busy-reply-threshold', '5000');
    await other.call('DEL', 'ldb:k', 'ldb:after');
    c.close();
    other.close();
  }
});

test('Lua debugger: redis-cli --ldb-sync-mode drives a session (output as with redis-server 7.2.4)', { skip: spawnSync('redis-cli', ['--version']).status === 0 ? false : 'redis-cli not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-ldb-'));
  const file = join(dir, 'script.lua');
  writeFileSync(file, "local a = 1\nredis.call('set', KEYS[1], a)\nreturn a\n");
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const cli = execFile('redis-cli', ['-p', String(srv.port), '--ldb-sync-mode', '--eval', file, 'ldb:cli'], { timeout: 10_000 }, (err, stdout) => (err !== null && stdout === '' ? reject(err) : resolve(stdout)));
      cli.stdin?.end('step\nstep\nprint KEYS\ncontinue\n');
    });
    // eslint-disable-next-line no-control-regex
    const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
    assert.ok(
      plain.includes(
        [
          '* Stopped at 1, stop reason = step over',
          '-> 1   local a = 1',
          '* Stopped at 2, stop reason = step over',
          "-> 2   redis.call('set', KEYS[1], a)",
          '<redis> set ldb:cli 1',
          '<reply> "+OK"',
          '* Stopped at 3, stop reason = step over',
          '-> 3   return a',
          '<value> {"ldb:cli"}',
          '',
          '(integer) 1',
          '',
          '(Lua debugging session ended)',
        ].join('\n'),
      ),
      plain,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const c = await RawClient.connect(srv.port);
    await c.call('DEL', 'ldb:cli');
    c.close();
  }
});
