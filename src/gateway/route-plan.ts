/**
 * Where the gateway sends one command (issue 18): decided from the command's own key
 * specs (command-model/key-extraction.ts — the same answer ACL and COMMAND GETKEYS use)
 * and Redis Cluster's slot rule, before anything is sent. Pure: no sockets, no topology
 * (a plan names slots; the router maps slots to nodes at send time, so a MOVED between
 * planning and sending changes nothing here).
 *
 * Plans:
 *  - `local`: the gateway answers itself (its own connection, login, ACL, config, INFO —
 *    to which gateway.ts adds the nodes' keyspace and upstream sections);
 *  - `slot`: every key hashes to one slot; the command goes to that slot's primary as is;
 *  - `any`: keyless and answered the same by every primary (PUBLISH — a cluster
 *    broadcasts it —, EVAL/FCALL with no keys, TIME…): the router picks one;
 *  - `split`: MGET, MSET, DEL, UNLINK, EXISTS, TOUCH over several slots, cut into one
 *    command per slot, replies merged in the client's order (`merge`);
 *  - `all`: sent to every primary and merged (KEYS, DBSIZE, FLUSHALL, SCRIPT LOAD, SCRIPT KILL, …);
 *  - `crossslot`: keys in several slots and no way to split: Redis Cluster's -CROSSSLOT.
 * Shard channels (SSUBSCRIBE, SPUBLISH, SUNSUBSCRIBE) are routed by the channel's slot,
 * as Redis Cluster does, though their specs mark them NOT_KEY.
 */
import { extractKeys, keysFromSpecs, type KeyedCommand } from '../command-model/key-extraction.js';
import { keySlot } from './key-slot.js';

export type SplitMerge =
  /** MGET: an array, each part's elements put back at their keys' positions */
  | 'array'
  /** DEL, UNLINK, EXISTS, TOUCH: integer replies added */
  | 'sum'
  /** MSET: +OK when every part said +OK, else the first error */
  | 'ok';

export interface SplitPart {
  slot: number;
  argv: string[];
  /** for `array`: where each element of this part's reply goes in the merged reply */
  positions: number[];
}

export type FanoutMerge =
  /** DBSIZE: integers added */
  | 'sum'
  /** KEYS: arrays concatenated */
  | 'concat'
  /** FLUSHALL, FLUSHDB, SCRIPT FLUSH, FUNCTION FLUSH/DELETE/RESTORE: +OK when all did */
  | 'ok'
  /** SCRIPT LOAD, FUNCTION LOAD: the same value from all, else the first error */
  | 'same'
  /** SCRIPT EXISTS: element-wise AND of integer arrays */
  | 'and'
  /** RANDOMKEY: the first non-null reply */
  | 'first-non-null'
  /**
   * SCRIPT KILL, FUNCTION KILL: the busy script runs on one node; +OK if one killed it,
   * else that node's refusal (UNKILLABLE), else NOTBUSY. Sent on the client's own
   * connections: the shared one to the busy node is stuck behind the script's EVAL.
   */
  | 'any-ok';

export type RoutePlan =
  | { kind: 'local' }
  | { kind: 'slot'; slot: number }
  | { kind: 'any' }
  | { kind: 'split'; merge: SplitMerge; parts: SplitPart[]; total: number }
  | { kind: 'all'; merge: FanoutMerge }
  | { kind: 'crossslot' };

/** Commands the gateway answers itself: its connection, login, users, settings, introspection. */
const LOCAL = new Set([
  'auth', 'hello', 'ping', 'echo', 'quit', 'reset', 'select', 'client', 'acl', 'command', 'config', 'info',
  'slowlog', 'latency', 'debug', 'shutdown', 'monitor', 'lolwut', 'multi', 'exec', 'discard', 'unwatch',
  'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'readonly', 'readwrite', 'asking', 'role', 'cluster',
  // the gateway's own AUTH throttle (the upstream, a Redis, does not have the command)
  'auththrottle',
]);

/** Keyless commands sent to every primary, and how their replies combine. */
const FANOUT: ReadonlyMap<string, FanoutMerge> = new Map<string, FanoutMerge>([
  ['keys', 'concat'],
  ['dbsize', 'sum'],
  ['flushall', 'ok'],
  ['flushdb', 'ok'],
  ['randomkey', 'first-non-null'],
  ['script|load', 'same'],
  ['script|flush', 'ok'],
  ['script|exists', 'and'],
  ['function|load', 'same'],
  ['function|delete', 'ok'],
  ['function|flush', 'ok'],
  ['function|restore', 'ok'],
  ['script|kill', 'any-ok'],
  ['function|kill', 'any-ok'],
]);

/** Commands split by slot, the arguments each key owns, and how replies merge. */
const SPLIT: ReadonlyMap<string, { merge: SplitMerge; stride: number }> = new Map([
  ['mget', { merge: 'array', stride: 1 }],
  ['mset', { merge: 'ok', stride: 2 }],
  ['del', { merge: 'sum', stride: 1 }],
  ['unlink', { merge: 'sum', stride: 1 }],
  ['exists', { merge: 'sum', stride: 1 }],
  ['touch', { merge: 'sum', stride: 1 }],
] as const);

const SHARD_CHANNEL_COMMANDS = new Set(['ssubscribe', 'sunsubscribe', 'spublish']);

/** The full name used for the tables: "script|load" for a subcommand, "get" otherwise. */
function fullName(cmd: KeyedCommand): string {
  return (cmd.fullName ?? cmd.name).toLowerCase();
}

/**
 * The plan for `argv` (argv[0] the command name, argv[1] a subcommand's name) run as `cmd`
 * — the resolved command or subcommand. Arity has been checked by the dispatcher.
 */
export function planRoute(cmd: KeyedCommand, argv: readonly string[]): RoutePlan {
  const name = fullName(cmd);
  const top = name.split('|', 1)[0]!;
  if (LOCAL.has(top)) return { kind: 'local' };
  const fan = FANOUT.get(name);
  if (fan !== undefined) return { kind: 'all', merge: fan };

  const keyIndexes = SHARD_CHANNEL_COMMANDS.has(top)
    ? (keysFromSpecs(cmd.keySpecs ?? [], argv, { includeNotKeys: true }) ?? []).map((k) => k.index)
    : extractKeys(cmd, argv).map((k) => k.index);
  if (keyIndexes.length === 0) return { kind: 'any' };

  const first = keySlot(argv[keyIndexes[0]!]!);
  let single = true;
  for (let i = 1; i < keyIndexes.length && single; i++) single = keySlot(argv[keyIndexes[i]!]!) === first;
  if (single) return { kind: 'slot', slot: first };

  const split = SPLIT.get(name);
  if (split === undefined) return { kind: 'crossslot' };
  const bySlot = new Map<number, SplitPart>();
  let position = 0;
  for (let i = 1; i + split.stride <= argv.length; i += split.stride) {
    const slot = keySlot(argv[i]!);
    let part = bySlot.get(slot);
    if (part === undefined) {
      part = { slot, argv: [argv[0]!], positions: [] };
      bySlot.set(slot, part);
    }
    for (let j = 0; j < split.stride; j++) part.argv.push(argv[i + j]!);
    part.positions.push(position++);
  }
  return { kind: 'split', merge: split.merge, parts: [...bySlot.values()], total: position };
}
