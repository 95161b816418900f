/**
 * MODULE, as Redis answers it with no module loaded: LIST is an empty list and HELP its
 * help. Redoubt loads no modules, so LOAD and LOADEX fail as a failed load fails in Redis
 * (and UNLOAD finds no module) — once enable-module-command lets them through at all: the
 * dispatcher refuses these protected subcommands before, with Redis's text, otherwise.
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { helpReply } from './command-introspection.js';

const HELP_LINES = [
  'LIST',
  '    The loaded modules (always none: Redoubt loads no modules).',
  'LOAD <path> [<arg> ...]',
  'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
  '    Refused: Redoubt loads no modules.',
  'UNLOAD <name>',
  '    Refused: there is no module to unload.',
];

const list = defineCommand({
  name: 'list',
  arity: 2,
  flags: ['admin', 'noscript'],
  tips: ['nondeterministic_output_order'],
  docs: { summary: 'Lists the loaded modules.', since: '4.0.0', group: 'server', complexity: 'O(N) where N is the number of loaded modules.' },
  run: () => reply.emptyArray,
});

function refusedLoad(what: string) {
  return defineCommand({
    name: what,
    arity: what === 'unload' ? 3 : -3,
    flags: ['no_async_loading', 'admin', 'noscript', 'protected'],
    docs: {
      summary: what === 'unload' ? 'Unloads a module.' : 'Loads a module.',
      since: what === 'loadex' ? '7.0.0' : '4.0.0',
      group: 'server',
      complexity: 'O(1)',
      arguments: [{ name: what === 'unload' ? 'name' : 'path', type: 'string' }],
    },
    run(ctx, argv) {
      if (what === 'unload') return reply.error(errors.moduleUnloadNoSuch);
      ctx.services.monitor.logger.warning(`Module ${JSON.stringify(argv[2]!).slice(1, -1)} failed to load: Redoubt loads no modules`);
      return reply.error(errors.moduleLoadFailed);
    },
  });
}

const help = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  docs: { summary: 'Shows the MODULE subcommands.', since: '5.0.0', group: 'server', complexity: 'O(1)' },
  run: () => helpReply('MODULE', HELP_LINES),
});

export const moduleCommand = defineCommand({
  name: 'module',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for module commands.', since: '4.0.0', group: 'server', complexity: 'Depends on subcommand.' },
  subcommands: [help, list, refusedLoad('load'), refusedLoad('loadex'), refusedLoad('unload')],
});

export const moduleCommands: CommandDefinition[] = [moduleCommand];
