/**
 * LOLWUT [VERSION v]: Redis 7.2 answers its own version line for every version without an
 * art generator of its own ("Redis ver. 7.2.4"); Redoubt answers that line for every
 * version (the generative art of versions 5 and 6 is not reproduced). VERSION must be an
 * integer, as Redis checks it; arguments after it are ignored as Redis's plain line does.
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { reply } from '../protocol/reply.js';
import { readLongLong } from '../command-model/argument-reader.js';
import { REDIS_COMPAT_VERSION } from '../version.js';

export const lolwut = defineCommand({
  name: 'lolwut',
  arity: -1,
  flags: ['readonly', 'fast'],
  docs: {
    summary: 'Shows the server version (and, in Redis, computer art).',
    since: '5.0.0',
    group: 'server',
    arguments: [{ name: 'version', type: 'integer', token: 'VERSION', optional: true }],
  },
  run(_ctx, argv) {
    if (argv.length >= 3 && argv[1]!.toLowerCase() === 'version') readLongLong(argv[2]!);
    return reply.verbatim(`Redis ver. ${REDIS_COMPAT_VERSION}\n`);
  },
});

export const lolwutCommands: CommandDefinition[] = [lolwut];
