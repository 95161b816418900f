/**
 * AUTHTHROTTLE: Redoubt's admin command for brute-force blocks (no Redis equivalent).
 *   AUTHTHROTTLE LIST            current blocks: scope, source, user, seconds left, failures, refused attempts
 *   AUTHTHROTTLE CLEAR [source]  lift every block (and forget the counts), or those of one address
 */
import { defineCommand, type CommandDefinition } from '../command-model/command-spec.js';
import { helpReply } from './command-introspection.js';
import { errors } from '../errors.js';
import { reply } from '../protocol/reply.js';

const FLAGS = ['admin', 'noscript', 'loading', 'stale'] as const;

const list = defineCommand({
  name: 'list',
  arity: 2,
  flags: FLAGS,
  docs: { summary: 'Lists the current authentication blocks.', since: 'redoubt-0.1.0', group: 'server', complexity: 'O(N) where N is the number of blocks' },
  run(ctx) {
    const blocks = ctx.services.security.events.throttle.list(ctx.services.monitor.wallClock());
    return reply.array(
      blocks.map((b) =>
        reply.map([
          reply.bulk('scope'),
          reply.bulk(b.scope),
          reply.bulk('source'),
          reply.bulk(b.source),
          reply.bulk('user'),
          b.user === null ? reply.nil : reply.bulk(b.user),
          reply.bulk('seconds-left'),
          reply.int(Math.ceil(b.remainingMs / 1000)),
          reply.bulk('failures'),
          reply.int(b.failures),
          reply.bulk('refused'),
          reply.int(b.refused),
        ]),
      ),
    );
  },
});

const clear = defineCommand({
  name: 'clear',
  arity: -2,
  flags: FLAGS,
  docs: {
    summary: 'Lifts authentication blocks: all of them, or those of one source address.',
    since: 'redoubt-0.1.0',
    group: 'server',
    complexity: 'O(N) where N is the number of tracked sources',
    arguments: [{ name: 'source', type: 'string', optional: true }],
  },
  run(ctx, argv) {
    if (argv.length > 3) return reply.error(errors.subcommandSyntax(argv));
    const n = ctx.services.security.events.throttle.clear(argv[2]);
    ctx.services.security.events.aclChanged(ctx.services.security.actorOf(ctx.client), 'throttle-clear', argv.length === 3 ? [argv[2]!] : []);
    return reply.int(n);
  },
});

const help = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  docs: { summary: 'Shows the AUTHTHROTTLE subcommands.', since: 'redoubt-0.1.0', group: 'server', complexity: 'O(1)' },
  run: () =>
    helpReply('AUTHTHROTTLE', [
      'LIST',
      '    Current blocks after failed authentications: scope (pair or source), source, user, seconds left.',
      'CLEAR [<source>]',
      '    Lift every block, or the blocks of one source address.',
    ]),
});

export const authThrottle = defineCommand({
  name: 'auththrottle',
  arity: -2,
  flags: [],
  docs: { summary: 'Inspects and lifts brute-force authentication blocks (Redoubt).', since: 'redoubt-0.1.0', group: 'server', complexity: 'Depends on subcommand.' },
  subcommands: [clear, help, list],
});

export const securityCommands: CommandDefinition[] = [authThrottle];
