/**
 * Key extraction from a command's key specs, as Redis 7 does it
 * (getKeysFromCommandWithSpecs): the ACL layer, COMMAND GETKEYS[ANDFLAGS] and COMMAND INFO
 * all read keys through here, so "which arguments are keys, and how is each accessed" has
 * exactly one answer.
 *
 * Order of preference, as Redis:
 *  1. the key specs, when at least one names real keys (not NOT_KEY) and none has
 *     VARIABLE_FLAGS (whose flags depend on the other arguments);
 *  2. if the specs cannot answer (an unknown/incomplete spec, a bad numkeys), a native
 *     extractor: the commands Redis has a getkeys proc for are built in here with their
 *     exact flags (SET, BITFIELD, SORT, SORT_RO, MIGRATE, XREAD/XREADGROUP and the numkeys
 *     commands: SINTERCARD, ZUNION…, LMPOP…); any other command may declare
 *     `getKeys` in its definition (positions only; flags are then taken from the specs);
 *  3. otherwise no keys.
 * Everything here is pure: no server, no I/O.
 */
import type { CommandDeclaration, KeySpec, KeySpecFlag } from './command-data.js';

export interface KeyRef {
  /** position in argv (argv[0] is the command name) */
  index: number;
  flags: readonly KeySpecFlag[];
}

export interface SpecSearchOptions {
  /** also return NOT_KEY "keys" (Redis GET_KEYSPEC_INCLUDE_NOT_KEYS) */
  includeNotKeys?: boolean;
  /** skip invalid/incomplete specs but keep the keys of the valid ones (GET_KEYSPEC_RETURN_PARTIAL) */
  partial?: boolean;
}

/** What extraction needs to know about a command (a registered Command satisfies it). */
export type KeyedCommand = Pick<CommandDeclaration, 'name' | 'arity' | 'flags' | 'keySpecs' | 'getKeys'> & {
  /** "object|encoding" for subcommands; defaults to `name` */
  fullName?: string;
};

/**
 * Keys found by walking the key specs, or null when a spec could not be applied
 * (unknown begin/find, incomplete spec, keyword missing is NOT an error, numkeys
 * unparsable, range out of bounds) and `partial` was not asked for.
 */
export function keysFromSpecs(specs: readonly KeySpec[], argv: readonly string[], opts: SpecSearchOptions = {}): KeyRef[] | null {
  const argc = argv.length;
  const out: KeyRef[] = [];
  for (const spec of specs) {
    if (spec.flags.includes('NOT_KEY') && opts.includeNotKeys !== true) continue;

    let first = 0;
    const begin = spec.begin;
    let invalid = false;
    if ('index' in begin) {
      first = begin.index;
    } else if ('keyword' in begin) {
      const kw = begin.keyword.toLowerCase();
      const from = begin.startFrom;
      // Forward searches stop before the last argument and backward ones before argv[1]:
      // a keyword there could not be followed by a key anyway.
      if (from > 0) {
        for (let i = from; i < argc - 1; i++) {
          if (argv[i]!.toLowerCase() === kw) {
            first = i + 1;
            break;
          }
        }
      } else {
        for (let i = argc + from; i > 1; i--) {
          if (i >= argc) continue;
          if (argv[i]!.toLowerCase() === kw) {
            first = i + 1;
            break;
          }
        }
      }
      if (first === 0) continue; // keyword absent: this spec simply has no keys here
    } else {
      invalid = true;
    }

    let last = 0;
    let step = 1;
    if (!invalid) {
      const find = spec.find;
      if ('lastKey' in find) {
        step = find.step;
        if (find.lastKey >= 0) last = first + find.lastKey;
        else if (find.limit === 0) last = argc + find.lastKey;
        else last = first + (Math.trunc((argc - first) / find.limit) + find.lastKey);
      } else if ('keynumIdx' in find) {
        step = find.step;
        const at = first + find.keynumIdx;
        const numkeys = at < argc ? parseStrictInt(argv[at]!) : null;
        if (numkeys === null || numkeys < 0n) invalid = true;
        else {
          first += find.firstKey;
          // Redis adds `(int)numkeys`: a count beyond 32 bits wraps (4294967297 is 1 key)
          last = first + Number(BigInt.asIntN(32, numkeys)) - 1;
        }
      } else {
        invalid = true;
      }
    }

    if (!invalid && (last >= argc || last < first || first >= argc)) invalid = true;

    if (!invalid) {
      for (let i = first; i <= last; i += step) out.push({ index: i, flags: spec.flags });
      // An incomplete spec contributes what it found, but cannot be trusted to be all.
      if (spec.flags.includes('INCOMPLETE')) invalid = true;
    }

    if (invalid) {
      if (opts.partial === true) continue;
      return null;
    }
  }
  return out;
}

/** Redis's string2ll: optional '-', no '+', no leading zeros, 64-bit range. Returns null if invalid. */
function parseStrictInt(s: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return null;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : null;
}

const LONG_MAX = 2n ** 63n - 1n;
const LONG_MIN = -(2n ** 63n);

/**
 * C's atoi as glibc implements it, `(int) strtol(s, NULL, 10)`: leading white space, an
 * optional sign, then digits up to the first non-digit ("1-1" is 1, "1.5" is 1, "x" is 0);
 * saturated at the 64-bit limits, then truncated to 32 bits (so LONG_MAX becomes -1).
 * Redis's numkeys getkeys procs read the count this way.
 */
export function cAtoi(s: string): number {
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i]!)) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  let v = 0n;
  for (; i < s.length && s[i]! >= '0' && s[i]! <= '9'; i++) {
    // once past the limits the value stays saturated: the rest of the digits are only skipped
    if (v <= LONG_MAX) v = v * 10n + BigInt(s.charCodeAt(i) - 48);
  }
  const signed = negative ? (-v < LONG_MIN ? LONG_MIN : -v) : v > LONG_MAX ? LONG_MAX : v;
  return Number(BigInt.asIntN(32, signed));
}

/** strcasecmp's view of an argument: compared up to its first NUL, ASCII case-folded. */
function cWord(a: string): string {
  const z = a.indexOf('\0');
  return (z === -1 ? a : a.slice(0, z)).toLowerCase();
}

/**
 * Redis's genericGetKeys, the getkeys proc behind SINTERCARD, ZUNION/ZINTER/ZDIFF(STORE),
 * ZINTERCARD, LMPOP/BLMPOP, ZMPOP/BZMPOP, EVAL & co. and FCALL(_RO): used only when the key specs cannot answer (a
 * numkeys that string2ll refuses). The count is read with atoi, so "1-1" or " 1" still names
 * one key; a count below 1 or beyond the arguments gives no keys. Flags are empty, as Redis
 * returns them (an empty flag set needs no particular read/write key permission).
 */
function numkeysExtractor(storeOfs: number, countOfs: number, firstOfs: number): NativeExtractor {
  return (argv) => {
    if (countOfs >= argv.length) return [];
    const num = cAtoi(argv[countOfs]!);
    if (num < 1 || num > argv.length - firstOfs) return [];
    const out: KeyRef[] = [];
    for (let i = 0; i < num; i++) out.push({ index: firstOfs + i, flags: NO_FLAGS });
    if (storeOfs !== 0) out.push({ index: storeOfs, flags: NO_FLAGS });
    return out;
  };
}

/**
 * Redis's xreadGetKeys (XREAD, XREADGROUP), used when the STREAMS key spec cannot answer:
 * options are skipped with their arguments up to the first STREAMS; the rest must split
 * evenly into keys and IDs, else there are no keys.
 */
function xreadKeys(argv: readonly string[]): KeyRef[] {
  let streamsPos = -1;
  for (let i = 1; i < argv.length; i++) {
    const a = cWord(argv[i]!);
    if (a === 'block' || a === 'count') i += 1;
    else if (a === 'group') i += 2;
    else if (a === 'noack') continue;
    else {
      if (a === 'streams') streamsPos = i;
      break;
    }
  }
  const rest = streamsPos === -1 ? 0 : argv.length - streamsPos - 1;
  if (rest === 0 || rest % 2 !== 0) return [];
  const out: KeyRef[] = [];
  for (let i = 0; i < rest / 2; i++) out.push({ index: streamsPos + 1 + i, flags: NO_FLAGS });
  return out;
}

// ---- native extractors: Redis's getkeys procs for the commands whose specs cannot say it all ----

const RO_ACCESS: readonly KeySpecFlag[] = ['RO', 'ACCESS'];
const OW_UPDATE: readonly KeySpecFlag[] = ['OW', 'UPDATE'];
const RW_ACCESS_UPDATE: readonly KeySpecFlag[] = ['RW', 'ACCESS', 'UPDATE'];
const RW_ACCESS_DELETE: readonly KeySpecFlag[] = ['RW', 'ACCESS', 'DELETE'];
const NO_FLAGS: readonly KeySpecFlag[] = [];

type NativeExtractor = (argv: readonly string[]) => KeyRef[];

const native: Record<string, NativeExtractor> = {
  /** SET key value [... GET ...]: with GET the old value is read */
  set(argv) {
    for (let i = 3; i < argv.length; i++) {
      if (argv[i]!.toLowerCase() === 'get') return [{ index: 1, flags: RW_ACCESS_UPDATE }];
    }
    return [{ index: 1, flags: OW_UPDATE }];
  },
  /** BITFIELD: read-only when every operation is a GET (OVERFLOW allowed); unparsable = not read-only */
  bitfield(argv) {
    let readonly = true;
    for (let i = 2; i < argv.length; i++) {
      const rest = argv.length - i - 1;
      const op = argv[i]!.toLowerCase();
      if (op === 'get' && rest >= 2) i += 2;
      else if (op === 'overflow' && rest >= 1) i += 1;
      else {
        readonly = false;
        break;
      }
    }
    return [{ index: 1, flags: readonly ? RO_ACCESS : RW_ACCESS_UPDATE }];
  },
  /**
   * SORT key [BY p] [LIMIT o c] [GET p ...] [ASC|DESC] [ALPHA] [STORE dst]: the last STORE
   * wins. STORE's argument is skipped like BY's and GET's: Redis 7.2's sortGetKeys did not
   * skip it, so in `STORE by STORE secret` it took "by" for the destination while SORT
   * wrote "secret", and the ACL checked the wrong key (fixed upstream later, redis#15538).
   * Words are read exactly as SORT reads them, so the key checked is the key written.
   */
  sort(argv) {
    const keys: KeyRef[] = [{ index: 1, flags: RO_ACCESS }];
    let store = -1;
    for (let i = 2; i < argv.length; i++) {
      // strcasecmp, as SORT's own parser: the word ends at a NUL ("STORE\0x" is STORE)
      const z = argv[i]!.indexOf('\0');
      const a = (z === -1 ? argv[i]! : argv[i]!.slice(0, z)).toLowerCase();
      if (a === 'limit') i += 2;
      else if (a === 'store' && i + 1 < argv.length) store = ++i;
      else if (a === 'get' || a === 'by') i += 1;
    }
    if (store !== -1) keys.push({ index: store, flags: OW_UPDATE });
    return keys;
  },
  sort_ro() {
    return [{ index: 1, flags: RO_ACCESS }];
  },
  /** MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 u pw] [KEYS k ...] */
  migrate(argv) {
    let first = 3;
    let num = 1;
    for (let i = 6; i < argv.length; i++) {
      const a = argv[i]!.toLowerCase();
      if (a === 'keys') {
        // KEYS needs the single-key argument to be empty; otherwise Redis finds no keys
        if (argv[3]!.length > 0) return [];
        first = i + 1;
        num = argv.length - first;
        break;
      }
      if (a === 'auth') i += 1;
      else if (a === 'auth2') i += 2;
    }
    const out: KeyRef[] = [];
    for (let k = 0; k < num; k++) out.push({ index: first + k, flags: RW_ACCESS_DELETE });
    return out;
  },
  sintercard: numkeysExtractor(0, 1, 2),
  zunion: numkeysExtractor(0, 1, 2),
  zinter: numkeysExtractor(0, 1, 2),
  zdiff: numkeysExtractor(0, 1, 2),
  zintercard: numkeysExtractor(0, 1, 2),
  zunionstore: numkeysExtractor(1, 2, 3),
  zinterstore: numkeysExtractor(1, 2, 3),
  zdiffstore: numkeysExtractor(1, 2, 3),
  lmpop: numkeysExtractor(0, 1, 2),
  zmpop: numkeysExtractor(0, 1, 2),
  blmpop: numkeysExtractor(0, 2, 3),
  bzmpop: numkeysExtractor(0, 2, 3),
  // evalGetKeys / functionGetKeys: numkeys read with atoi when string2ll refuses it
  eval: numkeysExtractor(0, 2, 3),
  evalsha: numkeysExtractor(0, 2, 3),
  eval_ro: numkeysExtractor(0, 2, 3),
  evalsha_ro: numkeysExtractor(0, 2, 3),
  fcall: numkeysExtractor(0, 2, 3),
  fcall_ro: numkeysExtractor(0, 2, 3),
  xread: xreadKeys,
  xreadgroup: xreadKeys,
};

function nativeFor(cmd: KeyedCommand): NativeExtractor | undefined {
  const name = cmd.fullName ?? cmd.name;
  return Object.prototype.hasOwnProperty.call(native, name) ? native[name] : undefined;
}

/** True if the command may have keys at all (Redis doesCommandHaveKeys). */
export function commandHasKeys(cmd: KeyedCommand): boolean {
  if (cmd.getKeys !== undefined || nativeFor(cmd) !== undefined) return true;
  return (cmd.keySpecs ?? []).some((s) => !s.flags.includes('NOT_KEY'));
}

/**
 * The keys of one call, with how each is accessed. `argv` is the whole request
 * (argv[0] = command name; for a subcommand argv[1] is its name). Returns [] when the
 * command has no keys or its arguments are invalid (the command itself will report the
 * error).
 */
export function extractKeys(cmd: KeyedCommand, argv: readonly string[]): KeyRef[] {
  const specs = cmd.keySpecs ?? [];
  let hasRealKeys = false;
  let hasVariableFlags = false;
  for (const s of specs) {
    if (!s.flags.includes('NOT_KEY')) hasRealKeys = true;
    if (s.flags.includes('VARIABLE_FLAGS')) hasVariableFlags = true;
  }
  if (hasRealKeys && !hasVariableFlags) {
    const found = keysFromSpecs(specs, argv);
    if (found !== null) return found;
  }
  const nat = nativeFor(cmd);
  if (nat !== undefined) return nat(argv);
  if (cmd.getKeys !== undefined) {
    const positions = cmd.getKeys([...argv]);
    if (positions.length === 0) return [];
    // Positions only: borrow the flags of the spec that covers each position, if any.
    const byIndex = new Map<number, readonly KeySpecFlag[]>();
    for (const k of keysFromSpecs(specs, argv, { partial: true }) ?? []) byIndex.set(k.index, k.flags);
    const fallback = specs.find((s) => !s.flags.includes('NOT_KEY'))?.flags ?? [];
    return positions.filter((p) => p > 0 && p < argv.length).map((p) => ({ index: p, flags: byIndex.get(p) ?? fallback }));
  }
  return [];
}

/** Key names of a call (convenience for callers that only need the names). */
export function extractKeyNames(cmd: KeyedCommand, argv: readonly string[]): string[] {
  return extractKeys(cmd, argv).map((k) => argv[k.index]!);
}

export interface LegacyKeyRange {
  first: number;
  /** absolute index of the last key, or negative (counted from the end) */
  last: number;
  step: number;
  /** the keys cannot be found from (first, last, step) alone: COMMAND INFO shows `movablekeys` */
  movable: boolean;
}

/**
 * The (first, last, step) triple COMMAND INFO shows, derived from the key specs as Redis
 * does (populateCommandLegacyRangeSpec): one plain index+range spec is used as is; with
 * several, the consecutive step-1 index+range specs are merged and anything else makes
 * the command's keys "movable".
 */
export function legacyKeyRange(specs: readonly KeySpec[] | undefined): LegacyKeyRange {
  if (specs === undefined || specs.length === 0) return { first: 0, last: 0, step: 0, movable: false };
  const isPlain = (s: KeySpec) => 'index' in s.begin && 'lastKey' in s.find;
  if (specs.length === 1 && isPlain(specs[0]!)) {
    const s = specs[0]!;
    const first = (s.begin as { index: number }).index;
    const f = s.find as { lastKey: number; step: number };
    return {
      first,
      last: f.lastKey >= 0 ? f.lastKey + first : f.lastKey,
      step: f.step,
      movable: s.flags.includes('INCOMPLETE'),
    };
  }
  let movable = false;
  let first = Number.MAX_SAFE_INTEGER;
  let last = 0;
  let prevLast = 0;
  for (const s of specs) {
    if (!isPlain(s)) {
      movable = true;
      continue;
    }
    const index = (s.begin as { index: number }).index;
    const f = s.find as { lastKey: number; step: number };
    if (f.step !== 1 || (prevLast !== 0 && prevLast !== index - 1)) {
      movable = true;
      continue;
    }
    if (s.flags.includes('INCOMPLETE')) movable = true;
    first = Math.min(first, index);
    const abs = f.lastKey >= 0 ? f.lastKey + index : f.lastKey;
    last = maxAsUnsigned(last, abs);
    prevLast = last;
  }
  if (first === Number.MAX_SAFE_INTEGER) return { first: 0, last: 0, step: 0, movable: true };
  return { first, last, step: 1, movable };
}

/** Redis compares "last key" values as unsigned, so "to the end" (negative) beats any index. */
function maxAsUnsigned(a: number, b: number): number {
  if (a < 0 !== b < 0) return a < 0 ? a : b;
  return Math.max(a, b);
}
