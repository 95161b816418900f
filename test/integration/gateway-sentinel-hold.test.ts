/**
 * The gateway's hold during a Sentinel failover (issue 18, gateway.ts resolvePrimary)
 * against a scripted Sentinel: a `+switch-master` heard while the sentinels are already
 * being asked must not let that older answer (the old primary) end the hold — the held
 * commands would run on the old primary, which goes on acknowledging writes its former
 * replica will never have. Two real redis-servers are the old and new primaries; the
 * Sentinel is a small RESP server in this process that answers when the test says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Redis } from 'ioredis';
import { startServer } from '../../src/server/server.js';
import { findRedisServer, startRedisOracle, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;

const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (const end = Date.now() + 10_000; !(await check()); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Commands (arrays of bulk strings) out of `buf`, and what is left over. */
function parseCommands(buf: string): { commands: string[][]; rest: string } {
  const commands: string[][] = [];
  let i = 0;
  for (;;) {
    const head = buf.indexOf('\r\n', i);
    if (buf[i] !== '*' || head === -1) break;
    const n = Number(buf.slice(i + 1, head));
    let j = head + 2;
    const argv: string[] = [];
    for (let k = 0; k < n; k++) {
      const lenEnd = buf.indexOf('\r\n', j);
      if (lenEnd === -1) return { commands, rest: buf.slice(i) };
      const len = Number(buf.slice(j + 1, lenEnd));
      if (lenEnd + 2 + len + 2 > buf.length) return { commands, rest: buf.slice(i) };
      argv.push(buf.slice(lenEnd + 2, lenEnd + 2 + len));
      j = lenEnd + 2 + len + 2;
    }
    commands.push(argv);
    i = j;
  }
  return { commands, rest: buf.slice(i) };
}

/** A Sentinel that names `primary`, publishes what the test says, and holds its answers while `slow`. */
async function scriptedSentinel(firstPrimary: number) {
  const state = {
    primary: firstPrimary,
    slow: false,
    subscribers: new Set<net.Socket>(),
    /** questions held while slow: the socket and the primary when it was asked */
    held: [] as { socket: net.Socket; port: number }[],
  };
  const answer = (socket: net.Socket, port: number) => socket.write(`*2\r\n${bulk('127.0.0.1')}${bulk(String(port))}`);
  const server = net.createServer((socket) => {
    socket.setEncoding('latin1');
    let buf = '';
    socket.on('error', () => undefined);
    socket.on('close', () => state.subscribers.delete(socket));
    socket.on('data', (chunk: string) => {
      const { commands, rest } = parseCommands(buf + chunk);
      buf = rest;
      for (const argv of commands) {
        const name = argv[0]!.toLowerCase();
        if (name === 'subscribe' || name === 'psubscribe') {
          argv.slice(1).forEach((ch, k) => socket.write(`*3\r\n${bulk(name)}${bulk(ch)}:${k + 1}\r\n`));
          state.subscribers.add(socket);
        } else if (name === 'sentinel' && argv[1]!.toLowerCase() === 'get-master-addr-by-name') {
          if (state.slow) state.held.push({ socket, port: state.primary });
          else answer(socket, state.primary);
        } else {
          socket.write('-ERR unknown command\r\n');
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    state,
    port: (server.address() as net.AddressInfo).port,
    publish(channel: string, payload: string): void {
      for (const s of state.subscribers) s.write(`*3\r\n${bulk('message')}${bulk(channel)}${bulk(payload)}`);
    },
    /** answers the held questions with what was true when they were asked */
    releaseHeld(): void {
      for (const h of state.held.splice(0)) answer(h.socket, h.port);
    },
    close(): void {
      for (const s of state.subscribers) s.destroy();
      server.close();
    },
  };
}

test('a +switch-master heard while the sentinels are being asked: the older answer does not end the hold, the held write goes to the new primary', { skip, timeout: 30_000 }, async () => {
  const oldPrimary = await startRedisOracle();
  const newPrimary = await startRedisOracle();
  const onOld = new Redis({ port: oldPrimary.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  const onNew = new Redis({ port: newPrimary.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  const sentinel = await scriptedSentinel(oldPrimary.port);
  const log: string[] = [];
  const gw = await startServer({
    port: 0,
    config: [['gateway-sentinel', `127.0.0.1:${sentinel.port}`], ['gateway-sentinel-master', 'gw'], ['gateway-upstream-timeout', '10000'], ['save', ''], ['appendonly', 'no']],
    logSink: { write: (l) => void log.push(l) },
  });
  const scripted = new Redis({ port: gw.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  const writer = new Redis({ port: gw.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  try {
    await onOld.set('role', 'old');
    await onOld.config('SET', 'busy-reply-threshold', '50');
    assert.equal(await writer.set('k0', 'first'), 'OK');
    assert.equal(await onOld.get('k0'), 'first');
    await until('the gateway subscribed to the Sentinel', () => sentinel.state.subscribers.size === 1);
    // a command in flight on the old primary that answers -READONLY (a demoted node's
    // refusal: the gateway asks the sentinels again and retries it) once the hold is on
    const script = [
      "if redis.call('GET', 'role') == 'old' then",
      "  local t = redis.call('TIME'); local start = t[1] * 1000000 + t[2]",
      "  repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - start > 800000",
      "  return redis.error_reply('READONLY You can\\'t write against a read only replica.')",
      'end',
      "return 'ran on the new primary'",
    ].join('\n');
    const inFlight = scripted.eval(script, 0);
    await until('the script running on the old primary', async () => (await onOld.ping().catch((e: Error) => e.message)) !== 'PONG');
    sentinel.publish('+selected-slave', `slave 127.0.0.1:${newPrimary.port} 127.0.0.1 ${newPrimary.port} @ gw 127.0.0.1 ${oldPrimary.port}`);
    await until('the hold', () => log.some((l) => l.includes('holding commands')));
    // the -READONLY makes the gateway ask; the Sentinel holds that question (the old primary is still its answer)
    sentinel.state.slow = true;
    await until('the gateway asking the Sentinel', () => sentinel.state.held.length === 1);
    // a write arrives during the hold, then the switch is published while the question is open
    const held = writer.set('k1', 'during-the-failover');
    await sleep(100);
    sentinel.state.primary = newPrimary.port;
    sentinel.publish('+switch-master', `gw 127.0.0.1 ${oldPrimary.port} 127.0.0.1 ${newPrimary.port}`);
    await sleep(200);
    // the older answer (the old primary) comes in after the switch was heard
    sentinel.state.slow = false;
    sentinel.releaseHeld();
    assert.equal(await held, 'OK');
    assert.equal(await onNew.get('k1'), 'during-the-failover');
    assert.equal(await onOld.get('k1'), null, 'the held write ran on the old primary');
    assert.equal(await inFlight, 'ran on the new primary');
    assert.match(await writer.info('cluster'), new RegExp(`gateway_upstream:127.0.0.1:${newPrimary.port}\\r\\n`));
  } finally {
    scripted.disconnect();
    writer.disconnect();
    onOld.disconnect();
    onNew.disconnect();
    await gw.close();
    sentinel.close();
    await oldPrimary.stop();
    await newPrimary.stop();
  }
});

test('commands in flight on the primary when a failover starts: their replies wait until it confirms the replica being promoted has them, else their fate is unknown', { skip, timeout: 30_000 }, async () => {
  const primary = await startRedisOracle();
  const replica = await startRedisOracle(['--replicaof', '127.0.0.1', String(primary.port)]);
  const onPrimary = new Redis({ port: primary.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  const onReplica = new Redis({ port: replica.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  const sentinel = await scriptedSentinel(primary.port);
  const log: string[] = [];
  const gw = await startServer({
    port: 0,
    config: [['gateway-sentinel', `127.0.0.1:${sentinel.port}`], ['gateway-sentinel-master', 'gw'], ['gateway-upstream-timeout', '10000'], ['save', ''], ['appendonly', 'no']],
    logSink: { write: (l) => void log.push(l) },
  });
  const c = new Redis({ port: gw.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  try {
    await until('the replica in sync', async () => (await onReplica.info('replication')).includes('master_link_status:up'));
    await onPrimary.set('fed', '1');
    assert.equal(await onPrimary.call('WAIT', '1', '5000'), 1);
    await onPrimary.config('SET', 'busy-reply-threshold', '50');
    assert.equal(await c.set('k0', 'first'), 'OK');
    await until('the gateway subscribed to the Sentinel', () => sentinel.state.subscribers.size === 1);
    // a write that takes 600 ms on the primary: in flight when the failover starts
    const slowWrite = [
      "local t = redis.call('TIME'); local start = t[1] * 1000000 + t[2]",
      'repeat t = redis.call(\'TIME\') until t[1] * 1000000 + t[2] - start > 600000',
      "return redis.call('SET', KEYS[1], ARGV[1])",
    ].join('\n');
    let holds = 0;
    const failoverStarts = async (promoting: string): Promise<void> => {
      await until('the write running on the primary', async () => (await onPrimary.ping().catch((e: Error) => e.message)) !== 'PONG');
      sentinel.publish('+selected-slave', `slave ${promoting} ${promoting.replace(':', ' ')} @ gw 127.0.0.1 ${primary.port}`);
      holds++;
      await until('the hold', () => log.filter((l) => l.includes('holding commands')).length === holds);
    };
    const failoverAborted = async (): Promise<void> => {
      sentinel.publish('-failover-abort-no-good-slave', `master gw 127.0.0.1 ${primary.port}`);
      assert.equal(await c.get('k0'), 'first');
    };
    // the replica being promoted follows the primary: the write is confirmed, its OK passes
    const confirmed = c.eval(slowWrite, 1, 'k1', 'v1');
    await failoverStarts(`127.0.0.1:${replica.port}`);
    assert.equal(await confirmed, 'OK');
    assert.equal(await onReplica.get('k1'), 'v1');
    await failoverAborted();
    // the replica being promoted is not (or no longer) the primary's: the write ran there,
    // but may not survive the promotion — the client is told its fate is unknown
    const unconfirmed = c.eval(slowWrite, 1, 'k2', 'v2');
    await failoverStarts('127.0.0.1:1');
    await assert.rejects(unconfirmed, { message: 'ERR upstream primary was failed over before its new primary confirmed having this command: it may or may not have run' });
    assert.equal(await onPrimary.get('k2'), 'v2');
    await failoverAborted();
  } finally {
    c.disconnect();
    onPrimary.disconnect();
    onReplica.disconnect();
    await gw.close();
    sentinel.close();
    await replica.stop();
    await primary.stop();
  }
});
