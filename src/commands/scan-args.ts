/**
 * The options of HSCAN / SSCAN / ZSCAN after the cursor, as Redis's scanGenericCommand
 * reads them: `COUNT n` (n ≥ 1, else a syntax error) and `MATCH pattern`, in any order,
 * later ones winning; anything else is a syntax error. (SCAN itself also takes TYPE.)
 */
import { CommandError, errors } from '../errors.js';
import { compileGlob, type GlobMatcher } from '../keyspace/glob.js';
import { optionWord } from './keyspace-args.js';
import { exactLongLong } from '../command-model/argument-reader.js';
import { reply } from '../protocol/reply.js';

/** COMMAND DOCS arguments of HSCAN / SSCAN / ZSCAN after the key. */
export const scanDocArguments = [
  { name: 'cursor', type: 'integer' },
  { name: 'pattern', type: 'pattern', token: 'MATCH', optional: true },
  { name: 'count', type: 'integer', token: 'COUNT', optional: true },
] as const;

/** The reply for a missing key: cursor 0, nothing found. */
export const EMPTY_SCAN = reply.array([reply.bulk('0'), reply.emptyArray]);

export interface ScanOptions {
  count: number;
  /** null for no pattern or "*" (everything matches) */
  match: GlobMatcher | null;
}

export function parseScanOptions(argv: readonly string[], from: number): ScanOptions {
  let count = 10;
  let pattern: string | null = null;
  for (let i = from; i < argv.length; i += 2) {
    const opt = optionWord(argv[i]!);
    const hasValue = i + 1 < argv.length;
    if (opt === 'count' && hasValue) {
      const v = exactLongLong(argv[i + 1]!);
      if (v < 1) throw new CommandError(errors.syntax);
      count = typeof v === 'bigint' ? Number.MAX_SAFE_INTEGER : v;
    } else if (opt === 'match' && hasValue) {
      pattern = argv[i + 1]!;
    } else {
      throw new CommandError(errors.syntax);
    }
  }
  return { count, match: pattern === null || pattern === '*' ? null : compileGlob(pattern) };
}
