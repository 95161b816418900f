/** OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT / HELP: introspection of a key's value. */
import { defineCommand, keys, type CommandDefinition, type KeySpec } from '../command-context/command-spec.js';
import { reply, type Reply } from '../protocol/reply.js';
import { objectEncoding, objectRefcount } from '../keyspace/object-encoding.js';
import type { Entry } from '../keyspace/value-types.js';
import type { CommandContext } from '../command-context/context.js';
import { errors } from '../errors.js';

/** The key of OBJECT <sub> <key>, looked up without touching it (as Redis's LOOKUP_NOTOUCH). */
function lookup(ctx: CommandContext, argv: string[]): Entry | undefined {
  return ctx.db.lookupRead(argv[2]!, true);
}

const objectKey: KeySpec[] = [keys.one(2, 'RO')];
const tips = ['nondeterministic_output'];

const encoding = defineCommand({
  name: 'encoding',
  arity: 3,
  flags: ['readonly'],
  categories: ['keyspace'],
  keySpecs: objectKey,
  tips,
  docs: { summary: 'Returns the internal representation of a key\'s value.', since: '2.2.3', group: 'generic', complexity: 'O(1)' },
  run(ctx, argv) {
    const e = lookup(ctx, argv);
    return e === undefined ? reply.nil : reply.bulk(objectEncoding(e.v));
  },
});

const refcount = defineCommand({
  name: 'refcount',
  arity: 3,
  flags: ['readonly'],
  categories: ['keyspace'],
  keySpecs: objectKey,
  tips,
  docs: { summary: 'Returns how many references the value of a key has.', since: '2.2.3', group: 'generic', complexity: 'O(1)' },
  run(ctx, argv) {
    const e = lookup(ctx, argv);
    if (e === undefined) return reply.nil;
    return reply.int(objectRefcount(e.v, sharedIntegersAllowed(ctx)));
  },
});

/** Redis stops sharing integer objects when maxmemory evicts by LRU/LFU (each key needs its own clock). */
function sharedIntegersAllowed(ctx: CommandContext): boolean {
  const config = ctx.config;
  const policy = config.get('maxmemory-policy');
  const maxmemory = config.get('maxmemory');
  return maxmemory === '0' || !(policy.includes('lru') || policy.includes('lfu'));
}

const idletime = defineCommand({
  name: 'idletime',
  arity: 3,
  flags: ['readonly'],
  categories: ['keyspace'],
  keySpecs: objectKey,
  tips,
  docs: { summary: 'Returns the seconds since a key was last accessed.', since: '2.2.3', group: 'generic', complexity: 'O(1)' },
  run(ctx, argv) {
    const e = lookup(ctx, argv);
    if (e === undefined) return reply.nil;
    if (ctx.services.keyspace.lfuEnabled()) {
      return reply.error(errors.objectIdleTimeLfu);
    }
    // Redis's LRU clock ticks in whole seconds.
    const idle = Math.floor(ctx.now / 1000) - Math.floor(e.lru / 1000);
    return reply.int(idle < 0 ? 0 : idle);
  },
});

const freq = defineCommand({
  name: 'freq',
  arity: 3,
  flags: ['readonly'],
  categories: ['keyspace'],
  keySpecs: objectKey,
  tips,
  docs: { summary: 'Returns the logarithmic access frequency counter of a key.', since: '4.0.0', group: 'generic', complexity: 'O(1)' },
  run(ctx, argv) {
    const e = lookup(ctx, argv);
    if (e === undefined) return reply.nil;
    if (!ctx.services.keyspace.lfuEnabled()) {
      return reply.error(errors.objectFreqNotLfu);
    }
    return reply.int(ctx.db.lfuCounter(e));
  },
});

/** The help lines, protocol output that clients and tests compare with Redis's. */
const HELP_LINES = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

/** Redis's addReplyHelp(): a header naming the command as typed (upper-cased), the lines, HELP. */
export function helpReply(commandAsTyped: string, lines: readonly string[]): Reply {
  const out: Reply[] = [reply.simple(`${asciiUpper(commandAsTyped)} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`)];
  for (const l of lines) out.push(reply.simple(l));
  out.push(reply.simple('HELP'), reply.simple('    Prints this help.'));
  return reply.array(out);
}

/** toupper() in the C locale: ASCII letters only, other bytes unchanged. */
function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

const help = defineCommand({
  name: 'help',
  arity: 2,
  flags: ['loading', 'stale'],
  categories: ['keyspace'],
  docs: { summary: 'Lists the OBJECT subcommands.', since: '6.2.0', group: 'generic', complexity: 'O(1)' },
  run: (_ctx, argv) => helpReply(argv[0]!, HELP_LINES),
});

export const object = defineCommand({
  name: 'object',
  arity: -2,
  flags: [],
  docs: { summary: 'Introspection of the values stored at keys.', since: '2.2.3', group: 'generic', complexity: 'Depends on subcommand.' },
  subcommands: [encoding, freq, idletime, help, refcount],
});

export const objectCommands: CommandDefinition[] = [object];
