/**
 * Permission checks, in Redis 7.2's order: per selector, the command bit (or an allowed
 * first argument), then every key the command's key specs find (with %R/%W semantics),
 * then the channels of publish/subscribe-like commands. The root selector is tried first;
 * any selector allowing the call allows it. When none does, the reported denial is the
 * "most specific" one, as Redis picks it: channel over key over command, and among equal
 * kinds the one at the later argument.
 */
import type { CommandEntry } from '../command-model/command-data.js';
import { commandHasKeys, extractKeys, type KeyRef } from '../command-model/key-extraction.js';
import { globMatch } from '../keyspace/glob.js';
import { KEY_READ, KEY_WRITE, type Selector, type User } from './user.js';

/**
 * A channel argument a command publishes or subscribes to. Callers list only what Redis
 * checks (PUBLISH/SPUBLISH channels, [S|P]SUBSCRIBE channels); unsubscribes are never
 * checked. `pattern` marks PSUBSCRIBE patterns, which must equal an ACL pattern literally.
 */
export interface ChannelRef {
  /** position in argv */
  index: number;
  pattern: boolean;
}

export type PermissionResult =
  | { ok: true }
  | { ok: false; reason: 'command' }
  | { ok: false; reason: 'key'; index: number; key: string }
  | { ok: false; reason: 'channel'; index: number; channel: string };

const OK: PermissionResult = { ok: true };

/** Redis's denial ranks (ACL_DENIED_CMD < ACL_DENIED_KEY < ACL_DENIED_CHANNEL). */
const RANK_CMD = 1;
const RANK_KEY = 2;
const RANK_CHANNEL = 4;

/**
 * Per-check scratch: the keys, extracted at most once however many selectors look at
 * them, and the argument index of the last denial. Reused (checks are synchronous) so
 * the common allowed path allocates nothing.
 */
const scratch: { keys: KeyRef[] | null; index: number } = { keys: null, index: 0 };

/** The permission a key access needs, from its key-spec flags (Redis ACLSelectorCheckKey). */
function neededKeyPerm(flags: readonly string[]): number {
  let need = 0;
  for (const f of flags) {
    if (f === 'ACCESS') need |= KEY_READ;
    else if (f === 'INSERT' || f === 'DELETE' || f === 'UPDATE') need |= KEY_WRITE;
  }
  return need;
}

/** True if `sel` lets `key` be accessed with key-spec `flags`. */
export function selectorAllowsKey(sel: Selector, key: string, flags: readonly string[]): boolean {
  if (sel.allKeys) return true;
  const need = neededKeyPerm(flags);
  for (const p of sel.keyPatterns) {
    if ((p.flags & need) !== need) continue;
    if (globMatch(p.pattern, key)) return true; // allocation-free, nothing to cache
  }
  return false;
}

/** True if `sel` lets the client use `channel` (a PSUBSCRIBE pattern must match an ACL pattern literally). */
export function selectorAllowsChannel(sel: Selector, channel: string, isPattern: boolean): boolean {
  if (sel.allChannels) return true;
  for (const p of sel.channels) {
    if (isPattern ? p === channel : globMatch(p, channel)) return true;
  }
  return false;
}

/** True if the selector's command bits (or first-arg allowances) permit `cmd` with these args. */
export function selectorAllowsCommand(sel: Selector, cmd: CommandEntry, argv: readonly string[]): boolean {
  if (sel.allCommands || cmd.noAuth || sel.hasCommandBit(cmd.id)) return true;
  const allowed = sel.firstArgs?.get(cmd.id);
  if (allowed === undefined || argv.length < 2) return false;
  const idx = cmd.parent !== null ? 2 : 1;
  if (idx >= argv.length) return false;
  return allowed.includes(argv[idx]!.toLowerCase());
}

/**
 * Commands whose only key is the argument at a fixed index (GET, SET, INCR, HSET…: one
 * key spec `index N, lastkey 0`, no movable keys): their key is checked without building
 * a key list. Computed once per command.
 */
const singleKeyIndex = new WeakMap<CommandEntry, { index: number; flags: readonly string[] } | null>();

function singleKeyOf(cmd: CommandEntry): { index: number; flags: readonly string[] } | null {
  let v = singleKeyIndex.get(cmd);
  if (v === undefined) {
    v = null;
    const specs = cmd.keySpecs ?? [];
    const s = specs[0];
    if (specs.length === 1 && s !== undefined && cmd.getKeys === undefined && 'index' in s.begin && 'lastKey' in s.find && s.find.lastKey === 0) {
      if (!s.flags.includes('NOT_KEY') && !s.flags.includes('VARIABLE_FLAGS') && commandHasKeys(cmd)) v = { index: s.begin.index, flags: s.flags };
    }
    singleKeyIndex.set(cmd, v);
  }
  return v;
}

/** 0 if `sel` allows the call, else the denial rank (argument index left in scratch.index). */
function checkSelector(sel: Selector, cmd: CommandEntry, argv: readonly string[], channels: readonly ChannelRef[] | undefined): number {
  if (!selectorAllowsCommand(sel, cmd, argv)) {
    scratch.index = 0;
    return RANK_CMD;
  }
  const single = sel.allKeys ? null : singleKeyOf(cmd);
  if (single !== null) {
    if (single.index < argv.length && !selectorAllowsKey(sel, argv[single.index]!, single.flags)) {
      scratch.index = single.index;
      return RANK_KEY;
    }
  } else if (!sel.allKeys && commandHasKeys(cmd)) {
    if (scratch.keys === null) scratch.keys = extractKeys(cmd, argv);
    for (const k of scratch.keys) {
      if (!selectorAllowsKey(sel, argv[k.index]!, k.flags)) {
        scratch.index = k.index;
        return RANK_KEY;
      }
    }
  }
  if (!sel.allChannels && channels !== undefined) {
    for (const ch of channels) {
      if (!selectorAllowsChannel(sel, argv[ch.index]!, ch.pattern)) {
        scratch.index = ch.index;
        return RANK_CHANNEL;
      }
    }
  }
  return 0;
}

/**
 * May `user` run `cmd` (the resolved subcommand for containers) with `argv`?
 * `channels`: the channel arguments to check, for publish/subscribe-like commands.
 */
export function checkPermission(
  user: User,
  cmd: CommandEntry,
  argv: readonly string[],
  channels?: readonly ChannelRef[],
): PermissionResult {
  scratch.keys = null;
  let worst = RANK_CMD;
  let worstIndex = 0;
  const selectors = user.selectors;
  for (let i = 0; i < selectors.length; i++) {
    const rank = checkSelector(selectors[i]!, cmd, argv, channels);
    if (rank === 0) {
      scratch.keys = null;
      return OK;
    }
    if (rank > worst || (rank === worst && scratch.index > worstIndex)) {
      worst = rank;
      worstIndex = scratch.index;
    }
  }
  scratch.keys = null;
  if (worst === RANK_KEY) return { ok: false, reason: 'key', index: worstIndex, key: argv[worstIndex]! };
  if (worst === RANK_CHANNEL) return { ok: false, reason: 'channel', index: worstIndex, channel: argv[worstIndex]! };
  return { ok: false, reason: 'command' };
}
