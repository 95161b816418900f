/**
 * The AUTH throttle's state machine on its own (src/security/auth-throttle.ts): every
 * waiting attempt is started within the wait bound, in FIFO order, with budget when there
 * is some; successes give their budget back; the cap counts open unauthenticated
 * connections only; CLEAR and the cron reset state. The clock of the budget is manual;
 * the wait bound is real time (small here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle, type CheckTicket, type ThrottleSettings } from '../../src/security/auth-throttle.js';

function throttle(over: Partial<ThrottleSettings> = {}): { t: AuthThrottle; clock: { now: number }; settings: ThrottleSettings } {
  const clock = { now: 1_000_000 };
  const settings: ThrottleSettings = {
    enabled: true,
    exemptLoopback: true,
    freeFailures: 3,
    maxDelayMs: 5000,
    checksPerMinute: 4,
    maxWaitMs: 80,
    maxUnauthenticated: 3,
    windowMs: 60_000,
    ...over,
  };
  return { t: new AuthThrottle(() => settings, () => clock.now), clock, settings };
}

test('budget first, then FIFO waits that all start within the bound; successes give their check back', async () => {
  const { t, clock } = throttle();
  const tickets: CheckTicket[] = [];
  for (let i = 0; i < 4; i++) {
    const r = t.request('10.0.0.1', i, true, () => assert.fail('not queued'));
    assert.ok(typeof r === 'object' && r.token);
    tickets.push(r);
  }
  // a success gives its token back; a failure does not
  assert.equal(t.checked(tickets[0]!, true), 0);
  assert.equal(t.checked(tickets[1]!, false), 0);
  const again = t.request('10.0.0.1', 10, true, () => assert.fail('not queued'));
  assert.ok(typeof again === 'object' && again.token, 'the returned token is used');
  // now empty: attempts wait, in order, and none longer than the bound
  const started: { id: number; ticket: CheckTicket; at: number }[] = [];
  const t0 = performance.now();
  for (let id = 20; id < 25; id++) {
    assert.equal(
      t.request('10.0.0.1', id, true, (ticket) => started.push({ id, ticket, at: performance.now() - t0 })),
      'wait',
    );
  }
  assert.equal(t.request('10.0.0.1', 30, false, () => assert.fail('cannot wait')), 'busy');
  assert.equal(t.waiting, 5);
  // one token comes back (60 s / 4 = 15 s of the manual clock): the oldest waiter gets it,
  // the others are checked at the bound
  clock.now += 15_000;
  t.tick(); // the server cron hands refilled budget out
  assert.deepEqual(
    started.map((s) => s.id),
    [20],
  );
  // the others start when their 80 ms bound passes (the manual clock never refills again,
  // so without the bound they would never start); waited for, not slept on: a busy
  // machine fires timers late
  const end = Date.now() + 10_000;
  while (started.length < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(
    started.map((s) => s.id),
    [20, 21, 22, 23, 24],
  );
  assert.equal(started.filter((s) => s.ticket.token).length, 1);
  assert.equal(started[0]!.ticket.token, true);
  // the bound is 80 ms; the margin is for timers fired late on a loaded machine
  for (const s of started) assert.ok(s.ticket.waitedMs <= 80 + 1500, `waited ${s.ticket.waitedMs} ms`);
  assert.equal(t.checkedAtBound, 4);
  assert.equal(t.waitedAttempts, 5);
  assert.equal(t.waiting, 0);
  t.stop();
});

test('failure delays grow with the source\'s failures, capped; other sources are untouched', () => {
  const { t } = throttle({ checksPerMinute: 100, maxDelayMs: 1000 });
  const delays: number[] = [];
  for (let i = 0; i < 9; i++) {
    const ticket = t.request('10.0.0.2', i, true, () => {});
    assert.ok(typeof ticket === 'object');
    delays.push(t.checked(ticket, false));
  }
  assert.deepEqual(delays, [0, 0, 0, 100, 200, 400, 800, 1000, 1000]);
  const other = t.request('10.0.0.3', 99, true, () => {});
  assert.ok(typeof other === 'object');
  assert.equal(t.checked(other, false), 0);
  assert.deepEqual(
    t.list().map((s) => [s.source, s.state, s.failures, s.nextDelayMs, s.budget]),
    [
      ['10.0.0.2', 'delaying', 9, 1000, 91],
      ['10.0.0.3', 'watching', 1, 0, 99],
    ],
  );
  assert.equal(t.clear('10.0.0.2'), 1);
  assert.deepEqual(
    t.list().map((s) => s.source),
    ['10.0.0.3'],
  );
  t.stop();
});

test('the cap counts open unauthenticated connections; a login or a close frees a place', () => {
  const { t, settings } = throttle();
  const engaged: string[] = [];
  t.onEngage = (source, stage) => engaged.push(`${source} ${stage}`);
  for (let id = 1; id <= 3; id++) assert.equal(t.admit('10.0.0.4', id), true);
  assert.equal(t.admit('10.0.0.4', 4), false);
  assert.equal(t.admit('10.0.0.4', 5), false);
  assert.equal(t.admit('10.0.0.5', 6), true, 'per source');
  t.released(1);
  assert.equal(t.admit('10.0.0.4', 7), true);
  t.forget(2);
  t.forget(2);
  assert.equal(t.admit('10.0.0.4', 8), true);
  assert.equal(t.admit('10.0.0.4', 9), false);
  assert.equal(t.refusedConnections, 3);
  assert.deepEqual(engaged, ['10.0.0.4 connections']);
  settings.maxUnauthenticated = 0;
  assert.equal(t.admit('10.0.0.4', 10), true, '0: no cap');
  t.stop();
});

test('turning throttling off releases the waiting attempts at the next cron; idle sources are forgotten', async () => {
  const { t, clock, settings } = throttle({ checksPerMinute: 1, maxWaitMs: 5000 });
  const first = t.request('10.0.0.6', 1, true, () => {});
  assert.ok(typeof first === 'object');
  let started: CheckTicket | null = null;
  assert.equal(
    t.request('10.0.0.6', 2, true, (ticket) => (started = ticket)),
    'wait',
  );
  settings.enabled = false;
  t.tick();
  assert.ok(started !== null);
  assert.equal(t.waiting, 0);
  settings.enabled = true;
  clock.now += 10 * 60_000;
  t.tick();
  assert.equal(t.list().length, 0);
  assert.equal(t.engagedCount(), 0);
  t.stop();
});
