/**
 * SAVE, BGSAVE, LASTSAVE (persistence/persistence.ts) and BGREWRITEAOF
 * (persistence/aof-manager.ts). Replies and errors are Redis 7.2's.
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import { reply } from '../protocol/reply.js';
import { errors } from '../errors.js';

export const save = defineCommand({
  name: 'save',
  arity: 1,
  flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
  docs: { summary: 'Writes the whole dataset to the RDB file now, blocking the server meanwhile.', since: '1.0.0', group: 'server', complexity: 'O(N) where N is the total number of keys in all databases' },
  run(ctx) {
    const rdb = ctx.services.persistence.rdb;
    if (rdb.inProgress) return reply.error(errors.bgsaveInProgress);
    return rdb.saveNow() === null ? reply.ok : reply.error('ERR');
  },
});

export const bgsave = defineCommand({
  name: 'bgsave',
  arity: -1,
  flags: ['admin', 'noscript', 'no_async_loading'],
  docs: {
    summary: 'Writes the dataset to the RDB file in the background while the server keeps serving.',
    since: '1.0.0',
    group: 'server',
    complexity: 'O(1)',
    arguments: [{ name: 'schedule', type: 'pure-token', token: 'SCHEDULE', optional: true }],
  },
  run(ctx, argv) {
    let schedule = false;
    if (argv.length > 1) {
      if (argv.length === 2 && argv[1]!.toLowerCase() === 'schedule') schedule = true;
      else return reply.error(errors.syntax);
    }
    const r = ctx.services.persistence.rdb.bgsave(schedule);
    if (r === 'started') return reply.simple('Background saving started');
    if (r === 'scheduled') return reply.simple('Background saving scheduled');
    if (r === 'in-progress') return reply.error(errors.bgsaveInProgress);
    if (r === 'aof-rewrite') {
      return reply.error(errors.bgsaveChildActive);
    }
    return reply.error('ERR');
  },
});

export const lastsave = defineCommand({
  name: 'lastsave',
  arity: 1,
  flags: ['loading', 'stale', 'fast'],
  categories: ['admin', 'dangerous'],
  tips: ['nondeterministic_output'],
  docs: { summary: 'Returns the Unix time of the last successful save to disk.', since: '1.0.0', group: 'server', complexity: 'O(1)' },
  run(ctx) {
    return reply.int(ctx.services.persistence.rdb.lastSave);
  },
});

export const bgrewriteaof = defineCommand({
  name: 'bgrewriteaof',
  arity: 1,
  flags: ['admin', 'noscript', 'no_async_loading'],
  docs: { summary: 'Rewrites the append-only file in the background to the smallest set of commands for the dataset.', since: '1.0.0', group: 'server', complexity: 'O(1)' },
  run(ctx) {
    const r = ctx.services.persistence.aof.rewrite(ctx.client.inExec);
    if (r === 'started') return reply.simple('Background append only file rewriting started');
    if (r === 'scheduled') return reply.simple('Background append only file rewriting scheduled');
    if (r === 'in-progress') return reply.error(errors.bgrewriteaofInProgress);
    return reply.error(r.error);
  },
});

export const persistenceCommands: CommandDefinition[] = [save, bgsave, bgrewriteaof, lastsave];
