/**
 * INFO [section ...]: the report itself is the server's (server/info-report.ts, asked
 * through the monitor service); the reply is a bulk string (verbatim "txt" in RESP3).
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { reply } from '../protocol/reply.js';

export const info = defineCommand({
  name: 'info',
  arity: -1,
  flags: ['loading', 'stale'],
  categories: ['dangerous'],
  tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
  docs: {
    summary: 'Reports information and statistics about the server.',
    since: '1.0.0',
    group: 'server',
    complexity: 'O(1)',
    arguments: [{ name: 'section', type: 'string', optional: true, multiple: true }],
  },
  run(ctx, argv) {
    return reply.verbatim(ctx.services.monitor.info(argv.slice(1)));
  },
});

export const infoCommands: CommandDefinition[] = [info];
