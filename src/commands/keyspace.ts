/**
 * Generic keyspace commands: DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN, RANDOMKEY, RENAME,
 * RENAMENX, COPY, MOVE, SWAPDB, TOUCH, DBSIZE, FLUSHDB, FLUSHALL. The expiry family and
 * OBJECT live in their own files and are exported from here as one list.
 */
import { defineCommand, keys, type CommandDefinition } from '../command-context/command-spec.js';
import { Kind, ReplyList, reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { compileGlob } from '../keyspace/glob.js';
import { cloneValue } from '../keyspace/clone-value.js';
import type { Database } from '../keyspace/database.js';
import type { Entry } from '../keyspace/value-types.js';
import type { CommandContext } from '../command-context/context.js';
import { optionWord, parseScanCursor } from './keyspace-args.js';
import { readCInt, readLongLong } from '../command-model/argument-reader.js';
import { expireCommands } from './expire.js';
import { objectCommands } from './object.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';

const multiShard = ['request_policy:multi_shard', 'response_policy:agg_sum'];

function deleteKeys(ctx: CommandContext, argv: string[]): Reply {
  const db = ctx.db;
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    if (db.delete(argv[i]!)) {
      n++;
      ctx.notify(NotifyKind.generic, 'del', argv[i]!);
    }
  }
  return reply.int(n);
}

export const del = defineCommand({
  name: 'del',
  arity: -2,
  flags: ['write'],
  categories: ['keyspace'],
  keySpecs: [keys.rest(1, 1, 'RM', 'DELETE')],
  tips: multiShard,
  docs: { summary: 'Deletes one or more keys.', since: '1.0.0', group: 'generic', complexity: 'O(N) where N is the number of keys removed' },
  run: deleteKeys,
});

/** Redis frees big values in the background; here freeing is the GC's job, so UNLINK is DEL. */
export const unlink = defineCommand({
  name: 'unlink',
  arity: -2,
  flags: ['write', 'fast'],
  categories: ['keyspace'],
  keySpecs: [keys.rest(1, 1, 'RM', 'DELETE')],
  tips: multiShard,
  docs: { summary: 'Deletes one or more keys, reclaiming memory later.', since: '4.0.0', group: 'generic', complexity: 'O(1) per key' },
  run: deleteKeys,
});

export const exists = defineCommand({
  name: 'exists',
  arity: -2,
  flags: ['readonly', 'fast'],
  categories: ['keyspace'],
  keySpecs: [keys.rest(1, 1, 'RO')],
  tips: multiShard,
  docs: { summary: 'Counts how many of the given keys exist (a key named twice counts twice).', since: '1.0.0', group: 'generic', complexity: 'O(N) where N is the number of keys' },
  run(ctx, argv) {
    const db = ctx.db;
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (db.lookupRead(argv[i]!, true) !== undefined) n++;
    return reply.int(n);
  },
});

const noneReply = reply.simple('none');
const typeReplies: Record<string, Reply> = {};

export const type = defineCommand({
  name: 'type',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['keyspace'],
  keySpecs: [keys.one(1, 'RO')],
  docs: { summary: 'Returns the type of the value stored at a key.', since: '1.0.0', group: 'generic', complexity: 'O(1)' },
  run(ctx, argv) {
    const e = ctx.db.lookupRead(argv[1]!, true);
    if (e === undefined) return noneReply;
    const t = e.v.type;
    return (typeReplies[t] ??= reply.simple(t));
  },
});

export const keysCommand = defineCommand({
  name: 'keys',
  arity: 2,
  flags: ['readonly'],
  categories: ['keyspace', 'dangerous'],
  tips: ['request_policy:all_shards', 'nondeterministic_output_order'],
  docs: { summary: 'Returns every key name matching a glob pattern.', since: '1.0.0', group: 'generic', complexity: 'O(N) with N the number of keys in the database' },
  run(ctx, argv) {
    const pattern = argv[1]!;
    // a ReplyList: a database of any size can be listed (issue 17)
    const out = new ReplyList();
    // "*" alone takes Redis's all-keys shortcut, which (unlike the matcher) includes "".
    const match = pattern === '*' ? null : compileGlob(pattern);
    for (const k of ctx.db.liveKeys()) if (match === null || match(k)) out.push(reply.bulk(k));
    return out.finish(Kind.Array);
  },
});

export const scan = defineCommand({
  name: 'scan',
  arity: -2,
  flags: ['readonly'],
  categories: ['keyspace'],
  tips: ['nondeterministic_output', 'request_policy:special'],
  docs: {
    summary: 'Iterates over the key names in the database, a few at a time.',
    since: '2.8.0',
    group: 'generic',
    complexity: 'O(1) per call, O(N) for a whole iteration',
  },
  run(ctx, argv) {
    const cursor = parseScanCursor(argv[1]!);
    if (cursor === null) return reply.error(errors.invalidCursor);
    let count = 10;
    let pattern: string | null = null;
    let typeName: string | null = null;
    for (let i = 2; i < argv.length; i += 2) {
      const opt = optionWord(argv[i]!);
      const hasValue = i + 1 < argv.length;
      if (opt === 'count' && hasValue) {
        const v = readLongLong(argv[i + 1]!);
        if (v < 1) return reply.error(errors.syntax);
        count = v;
      } else if (opt === 'match' && hasValue) {
        pattern = argv[i + 1]!;
      } else if (opt === 'type' && hasValue) {
        typeName = optionWord(argv[i + 1]!);
      } else {
        return reply.error(errors.syntax);
      }
    }
    const match = pattern === null || pattern === '*' ? null : compileGlob(pattern);
    const wanted = typeName;
    const accept = match === null ? undefined : (k: string) => match(k);
    const keep = wanted === null ? undefined : (e: Entry) => e.v.type === wanted;
    const found: string[] = [];
    // Cursors are insertion sequence numbers; one beyond every sequence simply ends the scan.
    const start = cursor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cursor);
    const next = ctx.db.scan(start, Math.min(count, 0x7fffffff), (k) => found.push(k), accept, keep);
    return reply.array([reply.bulk(String(next)), reply.bulks(found)]);
  },
});

export const randomkey = defineCommand({
  name: 'randomkey',
  arity: 1,
  flags: ['readonly'],
  categories: ['keyspace'],
  tips: ['request_policy:all_shards', 'nondeterministic_output'],
  docs: { summary: 'Returns a key name picked at random.', since: '1.0.0', group: 'generic', complexity: 'O(1)' },
  run(ctx) {
    return reply.bulkOrNil(ctx.db.randomKey());
  },
});

function renameGeneric(ctx: CommandContext, argv: string[], nx: boolean): Reply {
  const db = ctx.db;
  const from = argv[1]!;
  const to = argv[2]!;
  if (db.lookupWrite(from) === undefined) return reply.error(errors.noSuchKey);
  if (from === to) return nx ? reply.zero : reply.ok;
  if (db.lookupWrite(to) !== undefined && nx) return reply.zero;
  db.rename(from, to);
  ctx.notify(NotifyKind.generic, 'rename_from', from);
  ctx.notify(NotifyKind.generic, 'rename_to', to);
  return nx ? reply.one : reply.ok;
}

export const rename = defineCommand({
  name: 'rename',
  arity: 3,
  flags: ['write'],
  categories: ['keyspace'],
  keySpecs: [keys.one(1, 'RW', 'ACCESS', 'DELETE'), keys.one(2, 'OW', 'UPDATE')],
  docs: { summary: 'Gives a key a new name, replacing any key already under that name.', since: '1.0.0', group: 'generic', complexity: 'O(1)' },
  run: (ctx, argv) => renameGeneric(ctx, argv, false),
});

export const renamenx = defineCommand({
  name: 'renamenx',
  arity: 3,
  flags: ['write', 'fast'],
  categories: ['keyspace'],
  keySpecs: [keys.one(1, 'RW', 'ACCESS', 'DELETE'), keys.one(2, 'OW', 'INSERT')],
  docs: { summary: 'Gives a key a new name only when that name is free.', since: '1.0.0', group: 'generic', complexity: 'O(1)' },
  run: (ctx, argv) => renameGeneric(ctx, argv, true),
});

/** selectDb()'s check: the index must name a configured database. */
function databaseAt(ctx: CommandContext, id: number): Database | undefined {
  return id >= 0 && id < ctx.services.keyspace.dbs.length ? ctx.services.keyspace.dbs[id] : undefined;
}

export const copy = defineCommand({
  name: 'copy',
  arity: -3,
  flags: ['write', 'denyoom'],
  categories: ['keyspace'],
  keySpecs: [keys.one(1, 'RO', 'ACCESS'), keys.one(2, 'OW', 'UPDATE')],
  docs: { summary: 'Copies the value of a key to a new key, optionally in another database.', since: '6.2.0', group: 'generic', complexity: 'O(N) for collections of N items, O(1) for strings' },
  run(ctx, argv) {
    const src = ctx.db;
    let dst = src;
    let replace = false;
    for (let j = 3; j < argv.length; j++) {
      const opt = optionWord(argv[j]!);
      if (opt === 'replace') {
        replace = true;
      } else if (opt === 'db' && j + 1 < argv.length) {
        const target = databaseAt(ctx, readCInt(argv[++j]!));
        if (target === undefined) return reply.error(errors.dbIndexOutOfRange);
        dst = target;
      } else {
        return reply.error(errors.syntax);
      }
    }
    const key = argv[1]!;
    const newKey = argv[2]!;
    if (src === dst && key === newKey) return reply.error(errors.sameObject);
    const e = src.lookupRead(key);
    if (e === undefined) return reply.zero;
    const expire = src.getExpireExact(key);
    if (dst.lookupWrite(newKey) !== undefined) {
      if (!replace) return reply.zero;
      dst.delete(newKey);
    }
    dst.add(newKey, cloneValue(e.v), expire);
    ctx.notify(NotifyKind.generic, 'copy_to', newKey, dst.index);
    return reply.one;
  },
});

export const move = defineCommand({
  name: 'move',
  arity: 3,
  flags: ['write', 'fast'],
  categories: ['keyspace'],
  keySpecs: [keys.one(1, 'RW', 'ACCESS', 'UPDATE')],
  docs: { summary: 'Moves a key to another database.', since: '1.0.0', group: 'generic', complexity: 'O(1)' },
  run(ctx, argv) {
    const src = ctx.db;
    const dst = databaseAt(ctx, readCInt(argv[2]!));
    if (dst === undefined) return reply.error(errors.dbIndexOutOfRange);
    if (dst === src) return reply.error(errors.sameObject);
    const key = argv[1]!;
    const e = src.lookupWrite(key);
    if (e === undefined) return reply.zero;
    const expire = src.getExpireExact(key);
    if (dst.lookupWrite(key) !== undefined) return reply.zero;
    dst.add(key, e.v, expire);
    src.delete(key);
    ctx.notify(NotifyKind.generic, 'move_from', key, src.index);
    ctx.notify(NotifyKind.generic, 'move_to', key, dst.index);
    return reply.one;
  },
});

export const swapdb = defineCommand({
  name: 'swapdb',
  arity: 3,
  flags: ['write', 'fast'],
  categories: ['keyspace', 'dangerous'],
  docs: { summary: 'Exchanges the contents of two databases.', since: '4.0.0', group: 'server', complexity: 'O(N) where N is the number of clients watching or blocked on keys of either database' },
  run(ctx, argv) {
    const id1 = readCInt(argv[1]!, errors.swapdbFirst);
    const id2 = readCInt(argv[2]!, errors.swapdbSecond);
    const a = databaseAt(ctx, id1);
    const b = databaseAt(ctx, id2);
    if (a === undefined || b === undefined) return reply.error(errors.dbIndexOutOfRange);
    if (a !== b) {
      // watches stay with the database index: invalidated where the visible key changes
      ctx.services.keyspace.watches.touchAllInDb(a, b, (db, k) => db.stores(k), (db, k) => ctx.services.keyspace.keyIsExpired(db.index, k));
      ctx.services.keyspace.watches.touchAllInDb(b, a, (db, k) => db.stores(k), (db, k) => ctx.services.keyspace.keyIsExpired(db.index, k));
      a.swapContents(b);
      // clients blocked on keys of either database may find their data there now
      ctx.services.keyspace.blocking.signalDatabase(a.index);
      ctx.services.keyspace.blocking.signalDatabase(b.index);
    }
    // a change of the dataset as Redis counts it (rdb_changes_since_last_save, the AOF feed)
    ctx.services.keyspace.addDirty(1);
    return reply.ok;
  },
});

export const touch = defineCommand({
  name: 'touch',
  arity: -2,
  flags: ['readonly', 'fast'],
  categories: ['keyspace'],
  keySpecs: [keys.rest(1, 1, 'RO')],
  tips: multiShard,
  docs: { summary: 'Updates the last access time of keys and counts the ones that exist.', since: '3.2.1', group: 'generic', complexity: 'O(N) where N is the number of keys' },
  run(ctx, argv) {
    const db = ctx.db;
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (db.touch(argv[i]!)) n++;
    return reply.int(n);
  },
});

export const dbsize = defineCommand({
  name: 'dbsize',
  arity: 1,
  flags: ['readonly', 'fast'],
  categories: ['keyspace'],
  tips: ['request_policy:all_shards', 'response_policy:agg_sum'],
  docs: { summary: 'Returns the number of keys in the selected database.', since: '1.0.0', group: 'server', complexity: 'O(1)' },
  run: (ctx) => reply.int(ctx.db.size),
});

/** FLUSHDB/FLUSHALL take an optional ASYNC or SYNC; freeing is the GC's either way. */
function checkFlushArgs(argv: string[]): Reply | null {
  if (argv.length === 1) return null;
  if (argv.length === 2) {
    const opt = optionWord(argv[1]!);
    if (opt === 'sync' || opt === 'async') return null;
  }
  return reply.error(errors.syntax);
}

const flushTips = ['request_policy:all_shards', 'response_policy:all_succeeded'];

export const flushdb = defineCommand({
  name: 'flushdb',
  arity: -1,
  flags: ['write'],
  categories: ['keyspace', 'dangerous'],
  tips: flushTips,
  docs: { summary: 'Removes every key from the selected database.', since: '1.0.0', group: 'server', complexity: 'O(N) where N is the number of keys in the database' },
  run(ctx, argv) {
    const bad = checkFlushArgs(argv);
    if (bad !== null) return bad;
    // tracking clients get one "all keys" invalidation, not one per key (even when empty)
    ctx.services.tracking.flush(() => ctx.db.flush());
    // as Redis 7: propagated even when the database was already empty
    if (ctx.propagation.active) ctx.propagation.force();
    return reply.ok;
  },
});

export const flushall = defineCommand({
  name: 'flushall',
  arity: -1,
  flags: ['write'],
  categories: ['keyspace', 'dangerous'],
  tips: flushTips,
  docs: { summary: 'Removes every key from every database.', since: '1.0.0', group: 'server', complexity: 'O(N) where N is the number of keys in all databases' },
  run(ctx, argv) {
    const bad = checkFlushArgs(argv);
    if (bad !== null) return bad;
    // as Redis: a running BGSAVE's image is obsolete (its child is killed), and with save
    // points the now empty dataset is saved at once
    const rdb = ctx.services.persistence.rdb;
    rdb.cancel();
    ctx.services.tracking.flush(() => {
      for (const db of ctx.services.keyspace.dbs) db.flush();
    });
    // the flushed keys counted as changes (keyModified); a save just made leaves none
    if (rdb.hasSavePoints()) rdb.saveNow();
    if (ctx.propagation.active) ctx.propagation.force();
    return reply.ok;
  },
});

export const keyspaceCommands: CommandDefinition[] = [
  del,
  unlink,
  exists,
  type,
  keysCommand,
  scan,
  randomkey,
  rename,
  renamenx,
  copy,
  move,
  swapdb,
  touch,
  dbsize,
  flushdb,
  flushall,
  ...expireCommands,
  ...objectCommands,
];
