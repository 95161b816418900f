/**
 * A long script inside MULTI/EXEC and during AOF loading (issue 12): Redis 7.2's script
 * hook processes events there too, so inside EXEC other clients get -BUSY and SCRIPT KILL
 * stops the script (its error takes its place in EXEC's array, the commands after it
 * still run), and while the AOF loads other clients get -LOADING instead of waiting on a
 * blocked server. Before this, both ran the script to its end without a pause: the
 * server answered nobody, and a loop inside EXEC could never be killed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { startTestServer } from '../helpers/server.js';
import { findRedisServer, startRedisOracle, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';

const BUSY_EVAL = '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n';
const LOADING = '-LOADING Redis is loading the dataset in memory\r\n';
const THRESHOLD = '50';
const enc = RawClient.encode;

/** PINGs until the script is seen (a PONG means it has not started yet). */
async function untilNotPong(c: RawClient): Promise<string> {
  let r = '';
  for (let i = 0; i < 500; i++) {
    r = await c.call('ping');
    if (r !== '+PONG\r\n') return r;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return r;
}

/** A looping script inside EXEC, between two writes: BUSY, SCRIPT KILL, EXEC's array. */
async function execScenario(port: number): Promise<string[]> {
  const a = await RawClient.connect(port);
  const b = await RawClient.connect(port);
  const replies: string[] = [];
  try {
    await b.call('del', 'before', 'after');
    for (const argv of [['multi'], ['set', 'before', '1'], ['eval', 'while true do end', '0'], ['set', 'after', '1']]) replies.push(await a.call(...argv));
    a.write(enc(['exec']) + enc(['get', 'after']));
    replies.push(await untilNotPong(b));
    // nothing after the script has run, and nothing else may write meanwhile
    replies.push(await b.call('get', 'after'));
    replies.push(await b.call('set', 'other', '1'));
    replies.push(await b.call('script', 'kill'));
    replies.push(await a.readReply(20_000));
    replies.push(await a.readReply(10_000));
    replies.push(await b.call('ping'));
    replies.push(await b.call('mget', 'before', 'after'));
  } finally {
    a.close();
    b.close();
  }
  return replies;
}

test('a looping script inside EXEC: other clients get BUSY, SCRIPT KILL stops it, EXEC answers as redis-server', { timeout: 120_000 }, async (t) => {
  const srv = await startTestServer({ config: [['busy-reply-threshold', THRESHOLD]] });
  let ours: string[];
  try {
    ours = await execScenario(srv.port);
  } finally {
    await srv.close();
  }
  assert.deepEqual(ours, [
    '+OK\r\n',
    '+QUEUED\r\n',
    '+QUEUED\r\n',
    '+QUEUED\r\n',
    BUSY_EVAL,
    BUSY_EVAL,
    BUSY_EVAL,
    '+OK\r\n',
    '*3\r\n+OK\r\n-ERR Script killed by user with SCRIPT KILL... script: 694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7, on @user_script:1.\r\n+OK\r\n',
    '$1\r\n1\r\n',
    '+PONG\r\n',
    '*2\r\n$1\r\n1\r\n$1\r\n1\r\n',
  ]);
  if (findRedisServer() === null) {
    t.diagnostic(NO_ORACLE_MESSAGE);
    return;
  }
  const oracle = await startRedisOracle(['--busy-reply-threshold', THRESHOLD]);
  try {
    assert.deepEqual(ours, await execScenario(oracle.port));
  } finally {
    await oracle.stop();
  }
});

test('EXEC with two long scripts: each pauses, the array keeps the order and the values', { timeout: 120_000 }, async () => {
  const srv = await startTestServer({ config: [['busy-reply-threshold', THRESHOLD]] });
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  try {
    await a.call('set', 'c', '10');
    for (const argv of [
      ['multi'],
      ['eval', "local n = 0 for i = 1, 2e7 do n = n + 1 end return redis.call('incr', 'c')", '0'],
      ['incr', 'c'],
      ['eval', "for i = 1, 2e7 do end return redis.call('get', 'c')", '0'],
    ]) {
      await a.call(...argv);
    }
    const exec = a.call('exec');
    // another client races the transaction with writes until one is applied (the
    // transaction is over then); an INCR run inside it would change its numbers
    let busy = 0;
    let r = BUSY_EVAL;
    for (let i = 0; i < 5000 && r === BUSY_EVAL; i++) {
      r = await b.call('incr', 'c');
      if (r === BUSY_EVAL) busy++;
    }
    assert.equal(await exec, '*3\r\n:11\r\n:12\r\n$2\r\n12\r\n');
    assert.equal(r, ':13\r\n');
    assert.ok(busy > 0, 'the other client never met the paused script');
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test('a long script replayed from the AOF: clients get LOADING while it runs, then its writes are there', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redoubt-aof-script-'));
  // an old-style single AOF file (upgraded to a manifest on load): a script that spins
  // well past busy-reply-threshold, then writes; a write after it
  const script = "for i = 1, 1e8 do end redis.call('set', 'byscript', 'done')";
  writeFileSync(path.join(dir, 'appendonly.aof'), enc(['select', '0']) + enc(['eval', script, '0']) + enc(['set', 'after', '1']), 'latin1');
  const srv = await startTestServer({
    awaitLoading: false,
    config: [
      ['dir', dir],
      ['appendonly', 'yes'],
      ['busy-reply-threshold', THRESHOLD],
    ],
  });
  const c = await RawClient.connect(srv.port);
  try {
    // the reply comes while the script still runs (before: the server answered nothing
    // until the whole file was replayed)
    const first = await Promise.race([c.call('ping'), new Promise<string>((resolve) => setTimeout(() => resolve('no reply within 10 s'), 10_000))]);
    assert.equal(first, LOADING);
    assert.equal(await c.call('get', 'byscript'), LOADING);
    assert.equal(await c.call('script', 'kill'), LOADING);
    let r = LOADING;
    for (let i = 0; i < 6000 && r === LOADING; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      r = await c.call('ping');
    }
    assert.equal(r, '+PONG\r\n');
    assert.equal(await c.call('mget', 'byscript', 'after'), '*2\r\n$4\r\ndone\r\n$1\r\n1\r\n');
  } finally {
    c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a script looping on redis.call gets BUSY in time, and a command allowed while busy serves no blocked client', { timeout: 120_000 }, async () => {
  // Redis's "Timedout scripts and unblocked command": before, the count hook met a loop of
  // commands only every ~10,000 calls (no BUSY for seconds), and HELLO while the script was
  // paused served the BLPOP with the script's first push
  const srv = await startTestServer({ config: [['busy-reply-threshold', '10'], ['enable-debug-command', 'yes']] });
  const a = await RawClient.connect(srv.port);
  const popper = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  try {
    assert.equal(await b.call('debug', 'set-disable-deny-scripts', '1'), '+OK\r\n');
    popper.write(enc(['blpop', 'x', '0']));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const script =
      "redis.call('lpush', KEYS[1], 'y') local clients while true do clients = redis.call('client', 'list') " +
      "if string.find(clients, 'abortscript') ~= nil then break end end redis.call('lpush', KEYS[1], 'z') return 'done'";
    a.write(enc(['eval', script, '1', 'x']));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await b.call('ping'), BUSY_EVAL);
    assert.match(await b.call('hello', '2', 'setname', 'abortscript'), /^\*14\r\n/);
    assert.equal(await popper.readReply(20_000), '*2\r\n$1\r\nx\r\n$1\r\nz\r\n');
    assert.equal(await a.readReply(20_000), '$4\r\ndone\r\n');
  } finally {
    a.close();
    popper.close();
    b.close();
    await srv.close();
  }
});
