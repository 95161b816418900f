/**
 * Pure pieces of issue 13's introspection: MONITOR's argument quoting (Redis's sdscatrepr)
 * and LATENCY GRAPH's sparkline. Expected texts were produced by redis-server 7.2.4 for the
 * same inputs (DEBUG SLEEPs of 200 and 150 ms, one and zero seconds before the graph).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quoteRepr } from '../../src/server/monitor-feed.js';
import { latencyDoctor, latencyGraph } from '../../src/server/latency-report.js';

test('quoteRepr escapes as sdscatrepr: quote, backslash, named controls, \\xhh for the rest', () => {
  assert.equal(quoteRepr('plain text'), '"plain text"');
  assert.equal(quoteRepr('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(quoteRepr('\n\r\t\x07\x08'), '"\\n\\r\\t\\a\\b"');
  assert.equal(quoteRepr('\x00\x01\x7f\x80\xff~ '), '"\\x00\\x01\\x7f\\x80\\xff~ "');
  assert.equal(quoteRepr(''), '""');
});

test("LATENCY GRAPH renders Redis's sparkline", () => {
  const now = 1_700_000_000;
  const graph = latencyGraph('command', { samples: [{ time: now - 1, latency: 200 }, { time: now, latency: 150 }], max: 200 }, now);
  assert.equal(graph, `command - high 200 ms, low 150 ms (all time high 200 ms)\n${'-'.repeat(80)}\n# \n| \n| \n|_\n  \n10\nss\n`);
  // ages in minutes / hours / days, and one sample per column
  const g2 = latencyGraph('x', { samples: [{ time: now - 120, latency: 5 }, { time: now - 7200, latency: 5 }, { time: now - 200000, latency: 9 }], max: 9 }, now);
  const rows = g2.split('\n');
  assert.equal(rows[0], 'x - high 9 ms, low 5 ms (all time high 9 ms)');
  assert.equal(rows[2], '  #');
  assert.equal(rows[5], '__|', 'the lowest row: the floor mark, or the bar of a taller sample');
  assert.equal(rows[7], '222');
  assert.equal(rows[8], 'mhd');
});

test('LATENCY DOCTOR: off and never used, nothing recorded, and per-event figures', () => {
  const base = { threshold: 0, slowlogSlowerThan: 10000, appendfsync: 'everysec', nowSec: 1000 };
  assert.match(latencyDoctor({ ...base, events: new Map() }), /latency-monitor-threshold/);
  assert.match(latencyDoctor({ ...base, threshold: 100, events: new Map() }), /No latency spike/);
  const report = latencyDoctor({
    ...base,
    threshold: 100,
    events: new Map([['command', { samples: [{ time: 990, latency: 300 }, { time: 995, latency: 500 }], max: 500 }]]),
  });
  assert.match(report, /1\. command: 2 latency spikes \(average 400ms, mean deviation 100ms, period 5\.00 sec\)\. Worst all time event 500ms\./);
  assert.match(report, /SLOWLOG GET/);
});
