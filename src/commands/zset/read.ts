/** Reads that are not ranges: ZCARD ZSCORE ZMSCORE ZCOUNT ZLEXCOUNT ZRANK ZREVRANK, ZRANDMEMBER and ZSCAN. */
import { defineCommand } from '../../command-context/command-spec.js';
import { reply, type Reply } from '../../protocol/reply.js';
import { errors } from '../../errors.js';
import { formatDouble, LLONG_MAX } from '../../protocol/number-format.js';
import { readZset } from './common.js';
import { optionWord, parseScanCursor } from '../keyspace-args.js';
import { EMPTY_SCAN, parseScanOptions, scanDocArguments } from '../scan-args.js';
import { parseLexRange, parseScoreRange } from './args.js';
import { exactLongLong } from '../../command-model/argument-reader.js';
import { format17g } from './format.js';
import type { CommandContext } from '../../command-context/context.js';
import { MIN_ITEM_BYTES, repeatedPicks } from '../random-picks.js';
import { oneKey, keyArg, memberArg, group } from './spec-args.js';
import { ClientSink } from './range.js';
import { BigSet } from '../../types/big-map.js';

// ---- simple reads ----

export const zcard = defineCommand({
  name: 'zcard',
  arity: 2,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO'),
  docs: { summary: 'Returns how many members a sorted set has.', since: '1.2.0', group, complexity: 'O(1)', arguments: [keyArg] },
  run: (ctx, argv) => reply.int(readZset(ctx, argv[1]!)?.size ?? 0),
});

export const zscore = defineCommand({
  name: 'zscore',
  arity: 3,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: { summary: 'Returns the score of a member of a sorted set.', since: '1.2.0', group, complexity: 'O(1)', arguments: [keyArg, memberArg] },
  run(ctx, argv) {
    const s = readZset(ctx, argv[1]!)?.score(argv[2]!);
    return s === undefined ? reply.nil : reply.double(s);
  },
});

export const zmscore = defineCommand({
  name: 'zmscore',
  arity: -3,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Returns the scores of several members of a sorted set.',
    since: '6.2.0',
    group,
    complexity: 'O(N) where N is the number of members being requested.',
    arguments: [keyArg, { name: 'member', type: 'string', multiple: true }],
  },
  run(ctx, argv) {
    const z = readZset(ctx, argv[1]!);
    const out: Reply[] = new Array(argv.length - 2);
    for (let j = 2; j < argv.length; j++) {
      const s = z?.score(argv[j]!);
      out[j - 2] = s === undefined ? reply.nil : reply.double(s);
    }
    return reply.array(out);
  },
});

export const zcount = defineCommand({
  name: 'zcount',
  arity: 4,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Counts the members whose score lies in an interval.',
    since: '2.0.0',
    group,
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    arguments: [keyArg, { name: 'min', type: 'double' }, { name: 'max', type: 'double' }],
  },
  run(ctx, argv) {
    const r = parseScoreRange(argv[2]!, argv[3]!);
    if (r === null) return reply.error(errors.minMaxNotFloat);
    const z = readZset(ctx, argv[1]!);
    return reply.int(z === undefined ? 0 : z.countInScore(r));
  },
});

export const zlexcount = defineCommand({
  name: 'zlexcount',
  arity: 4,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: {
    summary: 'Counts the members between two lexicographic bounds.',
    since: '2.8.9',
    group,
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    arguments: [keyArg, { name: 'min', type: 'string' }, { name: 'max', type: 'string' }],
  },
  run(ctx, argv) {
    const r = parseLexRange(argv[2]!, argv[3]!);
    if (r === null) return reply.error(errors.minMaxNotLex);
    const z = readZset(ctx, argv[1]!);
    return reply.int(z === undefined ? 0 : z.countInLex(r));
  },
});

function rankCommand(reverse: boolean) {
  return (ctx: CommandContext, argv: string[]): Reply => {
    if (argv.length > 4) return reply.error(errors.wrongArgs(ctx.command.fullName));
    let withScore = false;
    if (argv.length === 4) {
      if (optionWord(argv[3]!) !== 'withscore') return reply.error(errors.syntax);
      withScore = true;
    }
    const z = readZset(ctx, argv[1]!);
    const rank = z === undefined ? -1 : z.rank(argv[2]!, reverse);
    if (rank < 0) return withScore ? reply.nilArray : reply.nil;
    if (!withScore) return reply.int(rank);
    return reply.array([reply.int(rank), reply.double(z!.score(argv[2]!)!)]);
  };
}

const rankArgs = [keyArg, memberArg, { name: 'withscore', type: 'pure-token', token: 'WITHSCORE', optional: true }] as const;

export const zrank = defineCommand({
  name: 'zrank',
  arity: -3,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: { summary: 'Returns the position of a member in a sorted set, lowest score first, optionally with its score.', since: '2.0.0', group, complexity: 'O(log(N))', arguments: rankArgs },
  run: rankCommand(false),
});

export const zrevrank = defineCommand({
  name: 'zrevrank',
  arity: -3,
  flags: ['readonly', 'fast'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  docs: { summary: 'Returns the position of a member in a sorted set, highest score first, optionally with its score.', since: '2.0.0', group, complexity: 'O(log(N))', arguments: rankArgs },
  run: rankCommand(true),
});

// ---- ZRANDMEMBER ----

function randomMembers(ctx: CommandContext, key: string, l: number | bigint, withScores: boolean): Reply {
  const z = readZset(ctx, key);
  if (z === undefined) return reply.emptyArray;
  const unique = l >= 0;
  const count = unique ? l : -l;
  if (count === 0 || count === 0n) return reply.emptyArray;
  const resp3 = ctx.client.resp === 3;
  if (!unique || count === 1 || count === 1n) {
    // Repetition allowed: bounded whatever the count (random-picks.ts). A score is at least
    // 4 bytes (RESP3 `,0\r\n`).
    const resp = resp3 ? 3 : 2;
    if (!withScores) return repeatedPicks(count, (n) => n, MIN_ITEM_BYTES, (w) => w.write(reply.bulk(z.memberAt(z.randomRank())), resp));
    return repeatedPicks(count, (n) => (resp3 ? n : 2 * n), MIN_ITEM_BYTES + 4, (w) => {
      const r = z.randomRank();
      const pair = [reply.bulk(z.memberAt(r)), reply.double(z.scoreAt(r))];
      if (resp3) w.write(reply.array(pair), 3);
      else for (const item of pair) w.write(item, 2);
    });
  }
  const sink = new ClientSink(withScores, resp3);
  const size = z.size;
  if (count >= size) {
    // the whole set, from the highest score down (Redis's iterator order)
    z.forEachReverse((m, s) => sink.emit(m, s));
    return sink.finish();
  }
  const n = Number(count);
  // distinct ranks; a listpack answers them in its own (ascending) order, a skiplist in pick order
  // BigSet: a count may pass 2^24 on a big sorted set (issue 17)
  const picked = new BigSet<number>();
  if (n * 3 > size) {
    // a typed array: no 112.8M-element ceiling (issue 17); a rank is below 2^32
    const all = new Uint32Array(size);
    for (let i = 0; i < size; i++) all[i] = i;
    for (let i = size - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const t = all[j]!;
      all[j] = all[i]!;
      all[i] = t;
    }
    for (let i = 0; i < n; i++) picked.add(all[i]!);
  } else {
    while (picked.size < n) picked.add(Math.floor(Math.random() * size));
  }
  // a listpack (at most zset-max-listpack-entries members) answers in rank order
  const ranks: Iterable<number> = z.listpack ? [...picked].sort((a, b) => a - b) : picked;
  for (const r of ranks) sink.emit(z.memberAt(r), z.scoreAt(r));
  return sink.finish();
}

export const zrandmember = defineCommand({
  name: 'zrandmember',
  arity: -2,
  flags: ['readonly'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Returns one or more random members of a sorted set, optionally with their scores.',
    since: '6.2.0',
    group,
    complexity: 'O(N) where N is the number of elements returned',
    arguments: [
      keyArg,
      { name: 'options', type: 'block', optional: true, arguments: [{ name: 'count', type: 'integer' }, { name: 'withscores', type: 'pure-token', token: 'WITHSCORES', optional: true }] },
    ],
  },
  run(ctx, argv) {
    if (argv.length >= 3) {
      const l = exactLongLong(argv[2]!);
      if (typeof l === 'bigint' && l < -LLONG_MAX) {
        return reply.error(errors.randomCountRange);
      }
      if (argv.length > 4 || (argv.length === 4 && optionWord(argv[3]!) !== 'withscores')) return reply.error(errors.syntax);
      const withScores = argv.length === 4;
      if (withScores && (l < -(LLONG_MAX / 2n) || l > LLONG_MAX / 2n)) return reply.error(errors.valueOutOfRange);
      return randomMembers(ctx, argv[1]!, l, withScores);
    }
    const z = readZset(ctx, argv[1]!);
    return z === undefined ? reply.nil : reply.bulk(z.memberAt(z.randomRank()));
  },
});

// ---- ZSCAN ----


export const zscan = defineCommand({
  name: 'zscan',
  arity: -3,
  flags: ['readonly'],
  categories: ['sortedset'],
  keySpecs: oneKey('RO', 'ACCESS'),
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Iterates over the members and scores of a sorted set, a few at a time.',
    since: '2.8.0',
    group,
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
    arguments: [keyArg, ...scanDocArguments],
  },
  run(ctx, argv) {
    const cursor = parseScanCursor(argv[2]!);
    if (cursor === null) return reply.error(errors.invalidCursor);
    const z = readZset(ctx, argv[1]!);
    if (z === undefined) return EMPTY_SCAN;
    const { count, match } = parseScanOptions(argv, 3);
    const found: Reply[] = [];
    let next = 0;
    if (z.listpack) {
      // One reply for a listpack, scores as the listpack stores them (d2string's text).
      for (const [m, s] of z.entries()) if (match === null || match(m)) found.push(reply.bulk(m), reply.bulk(formatDouble(s)));
    } else {
      // Cursors are insertion sequence numbers; scores are printed with "%.17Lg" there.
      const start = cursor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cursor);
      const members: string[] = [];
      next = z.scan(start, count, members);
      for (const m of members) if (match === null || match(m)) found.push(reply.bulk(m), reply.bulk(format17g(z.score(m)!)));
    }
    return reply.array([reply.bulk(String(next)), reply.array(found)]);
  },
});
