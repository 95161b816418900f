/** XSETID: a stream's last ID, entries-added counter and max deleted ID. */
import { defineCommand } from '../../command-context/command-spec.js';
import { reply } from '../../protocol/reply.js';
import { errors } from '../../errors.js';
import { exactLongLong } from '../../command-model/argument-reader.js';
import { NotifyKind } from '../../keyspace/keyspace-events.js';
import { optionWord } from '../keyspace-args.js';
import { compareIds, isZeroId, MIN_ID } from '../../types/stream-id.js';
import type { Counter } from '../../types/stream.js';
import { dirty, idArg, keyArg, oneKey } from './common.js';

export const xsetid = defineCommand({
  name: 'xsetid',
  arity: -3,
  flags: ['write', 'denyoom', 'fast'],
  categories: ['stream'],
  keySpecs: oneKey('RW', 'UPDATE'),
  docs: {
    summary: "Sets a stream's last generated ID, and optionally its entries-added counter and max deleted ID.",
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1)',
    arguments: [
      keyArg,
      { name: 'last-id', type: 'string' },
      { name: 'entries-added', type: 'integer', token: 'ENTRIESADDED', optional: true },
      { name: 'max-deleted-id', type: 'string', token: 'MAXDELETEDID', optional: true },
    ],
  },
  run(ctx, argv) {
    const id = idArg(argv[2]!, 0, true);
    let entriesAdded: Counter = -1;
    let maxDeleted = MIN_ID;
    for (let i = 3; i < argv.length; i += 2) {
      const more = argv.length - 1 - i;
      const o = optionWord(argv[i]!);
      if (o === 'entriesadded' && more > 0) {
        entriesAdded = exactLongLong(argv[i + 1]!);
        if (entriesAdded < 0) return reply.error(errors.xsetidEntriesAdded);
      } else if (o === 'maxdeletedid' && more > 0) {
        maxDeleted = idArg(argv[i + 1]!, 0, true);
        if (compareIds(id, maxDeleted) < 0) return reply.error(errors.xsetidBelowGivenDeleted);
      } else {
        return reply.error(errors.syntax);
      }
    }
    const e = ctx.db.lookupWrite(argv[1]!);
    if (e === undefined) return reply.error(errors.noSuchKey);
    if (e.v.type !== 'stream') return reply.error(errors.wrongType);
    const s = e.v.value;
    if (compareIds(id, s.maxDeletedId) < 0) return reply.error(errors.xsetidBelowDeleted);
    if (s.length > 0) {
      const maxId = s.edgeId(false)!;
      if (compareIds(id, maxId) < 0) return reply.error(errors.xsetidBelowTop);
      if (entriesAdded !== -1 && s.length > entriesAdded) {
        return reply.error(errors.xsetidEntriesAddedSmall);
      }
    }
    s.lastId = id;
    if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
    if (!isZeroId(maxDeleted)) s.maxDeletedId = maxDeleted;
    dirty(ctx);
    ctx.notify(NotifyKind.stream, 'xsetid', argv[1]!);
    return reply.ok;
  },
});
