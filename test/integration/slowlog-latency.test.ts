import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { CommandHistogram, highestEquivalent } from '../../src/server/latency.js';

type Entry = [number, number, number, string[], string, string];

test('SLOWLOG GET: entry format, newest first, count, LEN and RESET', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const srv = await startTestServer({ clock, config: [['slowlog-log-slower-than', '0']] });
  const io = ioredisClient(srv.port, { connectionName: 'slowpoke' });
  try {
    await io.set('k', 'v');
    await io.get('k');
    const entries = (await io.call('SLOWLOG', 'GET')) as Entry[];
    // CLIENT SETNAME (ioredis connectionName), possibly INFO (ready check), SET, GET
    const [get, set] = entries;
    assert.deepEqual(get![3], ['get', 'k']);
    assert.deepEqual(set![3], ['set', 'k', 'v']);
    assert.ok(get![0] > set![0], 'ids grow, newest first');
    assert.equal(get![1], 1_700_000_000);
    assert.ok(Number.isInteger(get![2]) && get![2] >= 0);
    assert.match(get![4], /^127\.0\.0\.1:\d+$/);
    assert.equal(get![5], 'slowpoke');
    assert.equal(((await io.call('SLOWLOG', 'GET', '1')) as Entry[]).length, 1);
    const n = (await io.call('SLOWLOG', 'LEN')) as number;
    assert.ok(n >= 4);
    assert.equal(((await io.call('SLOWLOG', 'GET', '-1')) as Entry[]).length, n + 1, 'the LEN call was logged too');
    await assert.rejects(io.call('SLOWLOG', 'GET', '-2'), /^ReplyError: ERR count should be greater than or equal to -1$/);
    await assert.rejects(io.call('SLOWLOG', 'GET', 'x'), /^ReplyError: ERR count should be greater than or equal to -1$/);
    await assert.rejects(io.call('SLOWLOG', 'GET', '1', '2'), /^ReplyError: ERR unknown subcommand or wrong number of arguments for 'GET'\. Try SLOWLOG HELP\.$/);
    assert.equal(await io.call('SLOWLOG', 'RESET'), 'OK');
    assert.equal(await io.call('SLOWLOG', 'LEN'), 1, 'only the RESET itself');
    const help = (await io.call('SLOWLOG', 'HELP')) as string[];
    assert.match(help[0]!, /^SLOWLOG <subcommand>/);
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('SLOWLOG: threshold and max length from config, argument trimming', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('SET', 'a', '1');
    assert.equal(await c.call('SLOWLOG', 'LEN'), ':0\r\n', 'the default threshold is 10 ms');
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('CONFIG', 'SET', 'slowlog-max-len', '3');
    for (let i = 0; i < 5; i++) await c.call('ECHO', String(i));
    assert.equal(await c.call('SLOWLOG', 'LEN'), ':3\r\n');
    // 40 arguments → 31 kept and a marker; a 200-byte argument → 128 bytes and a marker
    const many = Array.from({ length: 39 }, (_, i) => `k${i}`);
    await c.call('MGET', ...many);
    await c.call('ECHO', 'x'.repeat(200));
    const raw = await c.call('SLOWLOG', 'GET', '3');
    assert.ok(raw.includes(`$${128 + 19}\r\n${'x'.repeat(128)}... (72 more bytes)\r\n`), 'long argument cut');
    assert.ok(raw.includes('*32\r\n$4\r\nMGET\r\n'), '32 arguments kept');
    assert.ok(raw.includes('$22\r\n... (9 more arguments)\r\n'));
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
    await c.call('SLOWLOG', 'RESET');
    await c.call('PING');
    assert.equal(await c.call('SLOWLOG', 'LEN'), ':0\r\n', 'a negative threshold turns the log off');
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('CONFIG', 'SET', 'slowlog-max-len', '0');
    await c.call('PING');
    assert.equal(await c.call('SLOWLOG', 'LEN'), ':0\r\n', 'max length 0 keeps nothing');
  } finally {
    c.close();
    await srv.close();
  }
});

test('SLOWLOG never stores secrets: AUTH, HELLO AUTH and sensitive CONFIG SET values are redacted', async () => {
  const srv = await startTestServer({ config: [['slowlog-log-slower-than', '0']] });
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('AUTH', 'default', 'hunter2');
    await c.call('AUTH', 'hunter3');
    await c.call('HELLO', '2', 'AUTH', 'default', 'hunter4', 'SETNAME', 'n1');
    await c.call('CONFIG', 'SET', 'requirepass', 'hunter5');
    const raw = await c.call('SLOWLOG', 'GET', '-1');
    assert.doesNotMatch(raw, /hunter/);
    assert.ok(raw.includes('*3\r\n$4\r\nAUTH\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n'));
    assert.ok(raw.includes('*2\r\n$4\r\nAUTH\r\n$10\r\n(redacted)\r\n'));
    assert.ok(raw.includes('*7\r\n$5\r\nHELLO\r\n$1\r\n2\r\n$4\r\nAUTH\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n$7\r\nSETNAME\r\n$2\r\nn1\r\n'));
    assert.ok(raw.includes('$11\r\nrequirepass\r\n$10\r\n(redacted)\r\n'));
  } finally {
    c.close();
    await srv.close();
  }
});

test('LATENCY LATEST / HISTORY / RESET over recorded events', async () => {
  const srv = await startTestServer();
  const io = ioredisClient(srv.port);
  try {
    assert.deepEqual(await io.call('LATENCY', 'LATEST'), []);
    assert.deepEqual(await io.call('LATENCY', 'HISTORY', 'command'), []);
    const mon = srv.server.latency;
    mon.add('command', 1000, 12);
    mon.add('command', 1000, 30); // same second: the worst is kept
    mon.add('command', 1001, 15);
    mon.add('fast-command', 1002, 2);
    assert.deepEqual(await io.call('LATENCY', 'LATEST'), [
      ['command', 1001, 15, 30],
      ['fast-command', 1002, 2, 2],
    ]);
    assert.deepEqual(await io.call('LATENCY', 'HISTORY', 'command'), [
      [1000, 30],
      [1001, 15],
    ]);
    assert.equal(await io.call('LATENCY', 'RESET', 'command', 'nosuch'), 1);
    assert.equal(await io.call('LATENCY', 'RESET'), 1);
    assert.deepEqual(await io.call('LATENCY', 'LATEST'), []);
    // events come from commands slower than the threshold
    await io.call('CONFIG', 'SET', 'latency-monitor-threshold', '1');
    srv.server.latency.maybeRecord(srv.server, 'command', 0);
    assert.deepEqual(await io.call('LATENCY', 'LATEST'), [], 'below the threshold');
    const help = (await io.call('LATENCY', 'HELP')) as string[];
    assert.match(help[0]!, /^LATENCY <subcommand>/);
  } finally {
    io.disconnect();
    await srv.close();
  }
});

test('LATENCY HISTOGRAM and INFO latencystats: per-command distributions', async () => {
  const srv = await startTestServer();
  const c = await RawClient.connect(srv.port);
  try {
    for (let i = 0; i < 5; i++) await c.call('ECHO', 'x');
    await c.call('CLIENT', 'ID');
    const raw = await c.call('LATENCY', 'HISTOGRAM', 'echo', 'client', 'nosuch');
    assert.match(raw, /^\*4\r\n\$4\r\necho\r\n\*4\r\n\$5\r\ncalls\r\n:5\r\n\$14\r\nhistogram_usec\r\n\*\d+\r\n/);
    assert.ok(raw.includes('$9\r\nclient|id\r\n*4\r\n$5\r\ncalls\r\n:1\r\n'));
    assert.equal(await c.call('LATENCY', 'HISTOGRAM', 'nosuch'), '*0\r\n');
    const info = await c.call('INFO', 'latencystats');
    assert.match(info, /\r\nlatency_percentiles_usec_echo:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/);
    assert.match(info, /\r\nlatency_percentiles_usec_client\|id:p50=/);
    await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 100');
    assert.match(await c.call('INFO', 'latencystats'), /\r\nlatency_percentiles_usec_echo:p50=\d+\.\d{3},p100=\d+\.\d{3}\r\n/);
    await c.call('CONFIG', 'SET', 'latency-tracking', 'no');
    await c.call('ECHO', 'x');
    assert.match(await c.call('LATENCY', 'HISTOGRAM', 'echo'), /:5\r\n/, 'no new samples while tracking is off');
    await c.call('HELLO', '3');
    assert.match(await c.call('LATENCY', 'HISTOGRAM', 'echo'), /^%1\r\n\$4\r\necho\r\n%2\r\n\$5\r\ncalls\r\n:5\r\n\$14\r\nhistogram_usec\r\n%\d+\r\n/);
  } finally {
    c.close();
    await srv.close();
  }
});

test('command histograms use HdrHistogram buckets as Redis reports them', () => {
  assert.equal(highestEquivalent(1024), 1031);
  assert.equal(highestEquivalent(1 << 20), 1056767);
  const h = new CommandHistogram();
  for (const us of [0, 1, 1, 2, 3, 16, 33, 1000]) h.recordUsec(us);
  // keys are µs bounds of power-of-two buckets from 1024 ns; counts are cumulative
  assert.deepEqual(h.cumulative(), [
    [1, 3],
    [2, 4],
    [4, 5],
    [16, 6],
    [33, 7],
    [1056, 8],
  ]);
  assert.equal(h.valueAtPercentile(50), 2007, 'the 4th of 8 samples is 2000 ns, reported as the top of its 8 ns slot');
  assert.equal(h.valueAtPercentile(0), 1024, 'percentile 0 is the lowest value of the first slot');
  assert.equal(h.valueAtPercentile(100), highestEquivalent(1_000_000));
});

test('SLOWLOG: a blocking command is logged once answered (served, timed out, CLIENT UNBLOCK), not when it blocks (Redis 7.2)', async () => {
  const srv = await startTestServer({ config: [['slowlog-log-slower-than', '0']] });
  const c = await RawClient.connect(srv.port);
  const blocked = await RawClient.connect(srv.port);
  const io = ioredisClient(srv.port);
  const blpops = async (): Promise<string[][]> =>
    ((await io.call('SLOWLOG', 'GET', '-1')) as Entry[]).map((e) => e[3]).filter((a) => a[0]!.toLowerCase() === 'blpop');
  const waitBlocked = async (n: number): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      if (/blocked_clients:(\d+)/.exec(await c.call('INFO', 'clients'))?.[1] === String(n)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail(`never ${n} blocked clients`);
  };
  try {
    await io.call('SLOWLOG', 'RESET');
    // served by another client's push, inside that client's EXEC
    blocked.write(RawClient.encode(['BLPOP', 'l', '0']));
    await waitBlocked(1);
    assert.deepEqual(await blpops(), [], 'not logged while blocked');
    await c.call('MULTI');
    await c.call('LPUSH', 'l', 'foo');
    await c.call('SLOWLOG', 'RESET');
    await c.call('EXEC');
    assert.match(await blocked.readReply(), /^\*2\r\n\$1\r\nl\r\n\$3\r\nfoo\r\n$/);
    const newest = ((await io.call('SLOWLOG', 'GET', '1')) as Entry[])[0]!;
    assert.deepEqual(newest[3], ['BLPOP', 'l', '0'], 'logged after the EXEC that served it');
    // timed out
    await blocked.call('BLPOP', 'none', '0.05');
    assert.deepEqual(await blpops(), [['BLPOP', 'none', '0.05'], ['BLPOP', 'l', '0']]);
    // CLIENT UNBLOCK
    const id = await blocked.call('CLIENT', 'ID');
    blocked.write(RawClient.encode(['BLPOP', 'other', '0']));
    await waitBlocked(1);
    assert.equal((await blpops()).length, 2);
    await c.call('CLIENT', 'UNBLOCK', id.slice(1, -2), 'ERROR');
    assert.match(await blocked.readReply(), /^-UNBLOCKED/);
    assert.deepEqual((await blpops())[0], ['BLPOP', 'other', '0']);
  } finally {
    c.close();
    blocked.close();
    io.disconnect();
    await srv.close();
  }
});

test('LATENCY: an active-expiry cycle past latency-monitor-threshold is an expire-cycle event', async () => {
  const srv = await startTestServer({ config: [['latency-monitor-threshold', '5']] });
  const io = ioredisClient(srv.port);
  const db = srv.server.dbs[0]!;
  const realStep = db.activeExpireStep.bind(db);
  try {
    await io.set('k', 'v', 'PX', '1');
    // a cycle that takes at least 12 ms (Redoubt frees values in the GC, so a real big key
    // expires in well under a millisecond): the step below busy-waits before expiring
    db.activeExpireStep = (n: number) => {
      const until = performance.now() + 12;
      while (performance.now() < until);
      return realStep(n);
    };
    await new Promise((r) => setTimeout(r, 5));
    srv.server.cron.tick();
    db.activeExpireStep = realStep;
    const latest = (await io.call('LATENCY', 'LATEST')) as [string, number, number, number][];
    const cycle = latest.find((e) => e[0] === 'expire-cycle');
    assert.ok(cycle !== undefined, JSON.stringify(latest));
    assert.ok(cycle[2] >= 12, JSON.stringify(cycle));
    assert.equal(await io.exists('k'), 0, 'the cycle expired the key');
  } finally {
    db.activeExpireStep = realStep;
    io.disconnect();
    await srv.close();
  }
});
