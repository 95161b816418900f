/**
 * SLOWLOG GET [count] | LEN | RESET | HELP. Entries are
 * [id, unix time, duration µs, [arguments...], client address, client name], newest first.
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { errors } from '../errors.js';
import { readRangeLong } from '../command-model/argument-reader.js';
import { reply } from '../protocol/reply.js';
import { LLONG_MAX } from '../protocol/number-format.js';
import { helpReply } from './command-introspection.js';

const get = defineCommand({
  name: 'get',
  arity: -2,
  flags: ['admin', 'loading', 'stale'],
  tips: ['request_policy:all_nodes', 'nondeterministic_output'],
  docs: {
    summary: 'Returns the slow log entries, newest first.',
    since: '2.2.12',
    group: 'server',
    complexity: 'O(N) where N is the number of entries returned',
    arguments: [{ name: 'count', type: 'integer', optional: true }],
  },
  run(ctx, argv) {
    if (argv.length > 3) {
      return reply.error(errors.subcommandSyntax(argv));
    }
    let count = 10;
    if (argv.length === 3) {
      const n = readRangeLong(argv[2]!, -1n, LLONG_MAX, errors.slowlogCount);
      count = n === -1 ? Number.MAX_SAFE_INTEGER : n;
    }
    const entries = ctx.services.monitor.slowlog.entries.slice(0, count);
    return reply.array(
      entries.map((e) =>
        reply.array([reply.int(e.id), reply.int(e.time), reply.int(e.usec), reply.bulks(e.argv), reply.bulk(e.peer), reply.bulk(e.clientName)]),
      ),
    );
  },
});

const len = defineCommand({
  name: 'len',
  arity: 2,
  flags: ['admin', 'loading', 'stale'],
  tips: ['request_policy:all_nodes', 'response_policy:agg_sum', 'nondeterministic_output'],
  docs: { summary: 'Returns the number of entries in the slow log.', since: '2.2.12', group: 'server', complexity: 'O(1)' },
  run: (ctx) => reply.int(ctx.services.monitor.slowlog.entries.length),
});

const reset = defineCommand({
  name: 'reset',
  arity: 2,
  flags: ['admin', 'loading', 'stale'],
  tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
  docs: { summary: 'Empties the slow log.', since: '2.2.12', group: 'server', complexity: 'O(N) where N is the number of entries in the slowlog' },
  run(ctx) {
    ctx.services.monitor.slowlog.reset();
    return reply.ok;
  },
});

const HELP_LINES = [
  'GET [<count>]',
  '    The newest <count> entries (default 10; -1 for all). Each entry is:',
  '    id, unix time, duration in microseconds, arguments, client address,',
  '    client name',
  'LEN',
  '    Number of entries.',
  'RESET',
  '    Remove every entry.',
];

const help = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  docs: { summary: 'Shows the SLOWLOG subcommands.', since: '6.2.0', group: 'server', complexity: 'O(1)' },
  run: () => helpReply('SLOWLOG', HELP_LINES),
});

export const slowlog = defineCommand({
  name: 'slowlog',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for slow log commands.', since: '2.2.12', group: 'server', complexity: 'Depends on subcommand.' },
  subcommands: [get, help, len, reset],
});

export const slowlogCommands: CommandDefinition[] = [slowlog];
