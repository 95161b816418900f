/**
 * INFO's event-loop figures as Redis 7.2 reports them: the server cron is an event-loop turn
 * of its own (an idle server still turns about hz times a second), and INFO debug — shown only
 * when named — sums cron and AOF time and keeps the longest turn and the most commands one
 * turn ran.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

function field(info: string, name: string): number | null {
  const m = new RegExp(`^${name}:(\\d+)\\r$`, 'm').exec(info);
  return m === null ? null : Number(m[1]);
}

test('an idle server counts its cron ticks as event-loop cycles', async () => {
  const srv = await startTestServer({ config: [['hz', '10']] });
  const c = await RawClient.connect(srv.port);
  try {
    await c.call('CONFIG', 'RESETSTAT');
    // 16 ticks fill the rate's samples; generous for a busy machine
    await sleep(2000);
    const info = await c.call('INFO', 'stats');
    const perSec = field(info, 'instantaneous_eventloop_cycles_per_sec');
    const usec = field(info, 'instantaneous_eventloop_duration_usec');
    assert.ok(perSec !== null && perSec > 0, info);
    // hz 10 plus this client's few commands; a dynamic-hz server would turn far more often
    assert.ok(perSec < 40, `cycles per second ${perSec}`);
    assert.ok(usec !== null && usec > 0, info);
    assert.ok((field(info, 'eventloop_cycles') ?? 0) >= 10, info);
  } finally {
    c.close();
    await srv.close();
  }
});

test('INFO debug: only when named; cron time grows, maxima never fall', async () => {
  const srv = await startTestServer({ config: [['hz', '10']] });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(field(await c.call('INFO'), 'eventloop_duration_cron_sum'), null);
    assert.equal(field(await c.call('INFO', 'all'), 'eventloop_duration_cron_sum'), null);
    assert.equal(field(await c.call('INFO', 'everything'), 'eventloop_duration_cron_sum'), null);
    // three commands in one write: one turn runs them all
    c.write(RawClient.encode(['PING']) + RawClient.encode(['PING']) + RawClient.encode(['PING']));
    for (let i = 0; i < 3; i++) assert.equal(await c.readReply(), '+PONG\r\n');
    await sleep(300);
    const first = await c.call('INFO', 'debug');
    assert.match(first, /# Debug\r\n/);
    const aof1 = field(first, 'eventloop_duration_aof_sum');
    const cron1 = field(first, 'eventloop_duration_cron_sum');
    const max1 = field(first, 'eventloop_duration_max');
    const cmds1 = field(first, 'eventloop_cmd_per_cycle_max');
    assert.ok(aof1 !== null && cron1 !== null && max1 !== null && cmds1 !== null, first);
    assert.equal(aof1, 0, 'no AOF, no AOF time');
    assert.ok(cron1 > 0 && max1 > 0, first);
    assert.ok(cmds1 >= 3, `commands per cycle ${cmds1}`);
    await sleep(300);
    const second = await c.call('INFO', 'debug');
    assert.ok(field(second, 'eventloop_duration_cron_sum')! > cron1, second);
    assert.ok(field(second, 'eventloop_duration_max')! >= max1, second);
    assert.ok(field(second, 'eventloop_cmd_per_cycle_max')! >= cmds1, second);
    await c.call('CONFIG', 'RESETSTAT');
    const reset = await c.call('INFO', 'debug');
    assert.ok(field(reset, 'eventloop_cmd_per_cycle_max')! <= 1, reset);
  } finally {
    c.close();
    await srv.close();
  }
});

test('INFO debug counts AOF write time when appendonly is on', async () => {
  const srv = await startTestServer({ config: [['appendonly', 'yes']] });
  const c = await RawClient.connect(srv.port);
  try {
    for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v'.repeat(1000));
    const info = await c.call('INFO', 'debug');
    assert.ok((field(info, 'eventloop_duration_aof_sum') ?? 0) > 0, info);
  } finally {
    c.close();
    await srv.close();
  }
});
