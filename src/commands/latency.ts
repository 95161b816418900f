/**
 * LATENCY LATEST | HISTORY event | RESET [event ...] | HISTOGRAM [command ...] | DOCTOR |
 * GRAPH event | HELP. DOCTOR and GRAPH are rendered by server/latency-report.ts.
 */
import { errors } from '../errors.js';
import { defineCommand, type CommandEntry, type CommandDefinition } from '../command-context/command-spec.js';
import { reply, type Reply } from '../protocol/reply.js';
import { helpReply, lookupByPublicName } from './command-introspection.js';
import type { MonitorService } from '../command-context/services.js';
import { latencyDoctor, latencyGraph } from '../server/latency-report.js';

const REPORT_TIPS = ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'];

const latest = defineCommand({
  name: 'latest',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  tips: REPORT_TIPS,
  docs: { summary: 'Returns the latest and worst latency sample of every event.', since: '2.8.13', group: 'server', complexity: 'O(1)' },
  run(ctx) {
    const out: Reply[] = [];
    for (const [name, e] of ctx.services.monitor.latency.events) {
      const last = e.samples[e.samples.length - 1];
      if (last === undefined) continue;
      out.push(reply.array([reply.bulk(name), reply.int(last.time), reply.int(last.latency), reply.int(e.max)]));
    }
    return reply.array(out);
  },
});

const history = defineCommand({
  name: 'history',
  arity: 3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  tips: REPORT_TIPS,
  docs: {
    summary: 'Returns the (time, latency) samples of an event.',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(1)',
    arguments: [{ name: 'event', type: 'string' }],
  },
  run(ctx, argv) {
    const e = ctx.services.monitor.latency.events.get(argv[2]!);
    if (e === undefined) return reply.emptyArray;
    return reply.array(e.samples.map((s) => reply.array([reply.int(s.time), reply.int(s.latency)])));
  },
});

const reset = defineCommand({
  name: 'reset',
  arity: -2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  tips: ['request_policy:all_nodes', 'response_policy:agg_sum'],
  docs: {
    summary: 'Forgets the samples of some or all events.',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(1)',
    arguments: [{ name: 'event', type: 'string', optional: true, multiple: true }],
  },
  run: (ctx, argv) => reply.int(ctx.services.monitor.latency.reset(argv.slice(2))),
});

function histogramOf(monitor: MonitorService, c: CommandEntry, out: Reply[]): void {
  const h = monitor.latency.histograms[c.id];
  if (h === undefined || h.total === 0) return;
  const buckets: Reply[] = [];
  for (const [usec, count] of h.cumulative()) buckets.push(reply.int(usec), reply.int(count));
  out.push(reply.bulk(c.fullName), reply.map([reply.bulk('calls'), reply.int(h.total), reply.bulk('histogram_usec'), reply.map(buckets)]));
}

const histogram = defineCommand({
  name: 'histogram',
  arity: -2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  tips: REPORT_TIPS,
  docs: {
    summary: 'Returns the cumulative latency distribution of some or all commands.',
    since: '7.0.0',
    group: 'server',
    complexity: 'O(N) where N is the number of commands with latency information being retrieved.',
    arguments: [{ name: 'command', type: 'string', optional: true, multiple: true }],
  },
  run(ctx, argv) {
    const monitor = ctx.services.monitor;
    const table = ctx.services.commands.table;
    const out: Reply[] = [];
    if (argv.length === 2) {
      for (const c of table.all) histogramOf(monitor, c, out);
    } else {
      for (let i = 2; i < argv.length; i++) {
        const c = lookupByPublicName(table, argv[i]!);
        if (c === undefined) continue;
        histogramOf(monitor, c, out);
        // a container also reports its subcommands
        if (c.subcommandMap !== null) for (const s of c.subcommandMap.values()) histogramOf(monitor, s, out);
      }
    }
    return reply.map(out);
  },
});

const doctor = defineCommand({
  name: 'doctor',
  arity: 2,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  tips: REPORT_TIPS,
  docs: { summary: 'Analyses the recorded latency events in plain words.', since: '2.8.13', group: 'server', complexity: 'O(1)' },
  run(ctx) {
    const monitor = ctx.services.monitor;
    const text = latencyDoctor({
      events: monitor.latency.events,
      threshold: ctx.config.int('latency-monitor-threshold'),
      slowlogSlowerThan: ctx.config.int('slowlog-log-slower-than'),
      appendfsync: ctx.config.get('appendfsync'),
      nowSec: Math.floor(monitor.wallClock() / 1000),
    });
    return reply.verbatim(text);
  },
});

const graph = defineCommand({
  name: 'graph',
  arity: 3,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  tips: REPORT_TIPS,
  docs: {
    summary: 'Draws the samples of an event as an ASCII graph.',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(1)',
    arguments: [{ name: 'event', type: 'string' }],
  },
  run(ctx, argv) {
    const monitor = ctx.services.monitor;
    const e = monitor.latency.events.get(argv[2]!);
    if (e === undefined) return reply.error(errors.latencyNoSamples(argv[2]!));
    return reply.verbatim(latencyGraph(argv[2]!, e, Math.floor(monitor.wallClock() / 1000)));
  },
});

const HELP_LINES = [
  'LATEST',
  '    The latest and the worst sample of every event.',
  'HISTORY <event>',
  '    The (time, latency) samples of <event>.',
  'RESET [<event> ...]',
  '    Forget the samples of the events (of all events when none is named).',
  'DOCTOR',
  '    A plain-words analysis of the recorded events.',
  'GRAPH <event>',
  '    An ASCII graph of the samples of <event>.',
  'HISTOGRAM [<command> ...]',
  '    The cumulative latency distribution of the named commands (of all commands',
  '    when none is named).',
];

const help = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  docs: { summary: 'Shows the LATENCY subcommands.', since: '2.8.13', group: 'server', complexity: 'O(1)' },
  run: () => helpReply('LATENCY', HELP_LINES),
});

export const latency = defineCommand({
  name: 'latency',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for latency diagnostics commands.', since: '2.8.13', group: 'server', complexity: 'Depends on subcommand.' },
  subcommands: [doctor, graph, help, histogram, history, latest, reset],
});

export const latencyCommands: CommandDefinition[] = [latency];
