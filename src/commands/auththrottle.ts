/**
 * AUTHTHROTTLE: Redoubt's admin command for the AUTH throttle (no Redis equivalent).
 *   AUTHTHROTTLE LIST            per source address with recent failures, waiting logins or refused
 *                                connections: its state, failures, next failure delay, budget left,
 *                                waiting logins, unauthenticated connections and counters
 *   AUTHTHROTTLE CLEAR [source]  forget the failures and refill the budget of every source (or one);
 *                                waiting logins are checked at once
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { helpReply } from './command-introspection.js';
import { errors } from '../errors.js';
import { reply } from '../protocol/reply.js';

const FLAGS = ['admin', 'noscript', 'loading', 'stale'] as const;

const list = defineCommand({
  name: 'list',
  arity: 2,
  flags: FLAGS,
  docs: { summary: 'Shows the AUTH throttle state per source address.', since: 'redoubt-0.1.0', group: 'server', complexity: 'O(N) where N is the number of tracked sources' },
  run(ctx) {
    const sources = ctx.services.security.events.throttle.list();
    return reply.array(
      sources.map((s) =>
        reply.map([
          reply.bulk('source'),
          reply.bulk(s.source),
          reply.bulk('state'),
          reply.bulk(s.state),
          reply.bulk('failures'),
          reply.int(s.failures),
          reply.bulk('next-delay-ms'),
          reply.int(s.nextDelayMs),
          reply.bulk('budget'),
          reply.int(s.budget),
          reply.bulk('waiting'),
          reply.int(s.waiting),
          reply.bulk('unauthenticated'),
          reply.int(s.unauthenticated),
          reply.bulk('delayed-replies'),
          reply.int(s.delayedReplies),
          reply.bulk('waited-logins'),
          reply.int(s.waitedAttempts),
          reply.bulk('refused-connections'),
          reply.int(s.refusedConnections),
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
    summary: 'Forgets the failures and refills the password-check budget of every source address, or of one.',
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
      '    Per source address: state (watching, delaying, rationing), failures, next failure delay,',
      '    password checks left this minute, waiting logins, unauthenticated connections.',
      'CLEAR [<source>]',
      '    Forget the failures and refill the budget of every source, or of one address.',
    ]),
});

export const authThrottle = defineCommand({
  name: 'auththrottle',
  arity: -2,
  flags: [],
  docs: { summary: 'Inspects and resets the AUTH brute-force throttle (Redoubt).', since: 'redoubt-0.1.0', group: 'server', complexity: 'Depends on subcommand.' },
  subcommands: [clear, help, list],
});

export const securityCommands: CommandDefinition[] = [authThrottle];
