/**
 * Sorted set commands (t_zset.c), one file per concern. Argument checks run in Redis's
 * order (option parsing, then ranges, then the key lookup), error texts are Redis 7.2's,
 * emptied sets are deleted and keyspace events carry Redis's names. Encodings follow
 * Redis 7.2: a new set starts as listpack unless the command's size hint (ZADD's pair
 * count, ZRANGESTORE's rank range) or its first member already exceeds
 * zset-max-listpack-*; a listpack turns into a skiplist when a member or the length
 * outgrows the limits, never back; computed destinations (ZUNIONSTORE & co.) are built as
 * skiplists and converted to listpack when small enough.
 *
 * Shared pieces: common.ts (lookups, zsetAdd, the ZUNION-family input reader), pop.ts
 * (the ZPOP building blocks the blocking variants in blocking.ts reuse), args.ts (score
 * and lex ranges), format.ts (%.17g), spec-args.ts (argument docs).
 */
import type { CommandDefinition } from '../../command-context/command-spec.js';
import { zadd, zincrby } from './add.js';
import { zcard, zscore, zmscore, zcount, zlexcount, zrank, zrevrank, zrandmember, zscan } from './read.js';
import { zrange, zrangestore, zrevrange, zrangebyscore, zrevrangebyscore, zrangebylex, zrevrangebylex } from './range.js';
import { zrem, zremrangebyrank, zremrangebyscore, zremrangebylex } from './remove.js';
import { zpopmin, zpopmax, zmpop } from './zpop.js';
import { zunion, zinter, zdiff, zintercard, zunionstore, zinterstore, zdiffstore } from './set-operations.js';

export const sortedSetCommands: CommandDefinition[] = [
  zadd,
  zincrby,
  zcard,
  zscore,
  zmscore,
  zcount,
  zlexcount,
  zrank,
  zrevrank,
  zrange,
  zrangestore,
  zrevrange,
  zrangebyscore,
  zrevrangebyscore,
  zrangebylex,
  zrevrangebylex,
  zrem,
  zremrangebyrank,
  zremrangebyscore,
  zremrangebylex,
  zpopmin,
  zpopmax,
  zmpop,
  zunion,
  zinter,
  zdiff,
  zintercard,
  zunionstore,
  zinterstore,
  zdiffstore,
  zrandmember,
  zscan,
];
