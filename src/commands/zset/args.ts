/**
 * Argument parsing for the sorted-set commands, with Redis's exact acceptance rules:
 * score ranges go through strtod on a C string (leading spaces, hex floats, overflow to
 * ±inf and a NUL-cut tail are accepted; NaN is not), lex ranges need "(", "[", "-" or "+".
 */
import { parseFloatStrict } from '../../protocol/number-format.js';
import type { LexBound, LexRange, ScoreRange } from '../../types/sorted-set.js';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INF = /^[+-]?(inf|infinity)$/i;

/**
 * strtod over the whole C string `s` (stopping at a NUL byte), as zslParseRange uses it:
 * null when something is left over or the value is NaN. An empty text converts nothing
 * and leaves nothing over, so it reads as 0.
 */
export function parseStrtodWhole(arg: string): number | null {
  const nul = arg.indexOf('\0');
  const s = nul === -1 ? arg : arg.slice(0, nul);
  if (s.length === 0) return 0;
  const body = s.replace(/^[ \t\n\v\f\r]+/, '');
  if (DECIMAL.test(body)) return Number(body);
  if (INF.test(body)) return body.charCodeAt(0) === 45 ? -Infinity : Infinity;
  if (/^[+-]?0[xX]/.test(body)) {
    // hex floats: the strict parser's long double mode has the same syntax and no ERANGE
    const v = body.length < 5 * 1024 ? parseFloatStrict(body, true) : null;
    return v === null || Number.isNaN(v) ? null : v;
  }
  return null;
}

/** Parses a ZRANGEBYSCORE-style interval ("(" prefix = exclusive); null when invalid. */
export function parseScoreRange(minArg: string, maxArg: string): ScoreRange | null {
  const r: ScoreRange = { min: 0, max: 0, minex: false, maxex: false };
  if (minArg.charCodeAt(0) === 40) {
    r.minex = true;
    minArg = minArg.slice(1);
  }
  if (maxArg.charCodeAt(0) === 40) {
    r.maxex = true;
    maxArg = maxArg.slice(1);
  }
  const min = parseStrtodWhole(minArg);
  const max = parseStrtodWhole(maxArg);
  if (min === null || max === null) return null;
  r.min = min;
  r.max = max;
  return r;
}

function lexBound(arg: string): LexBound | null {
  const c = arg.charCodeAt(0);
  // "+" and "-" must stand alone in the C string (a NUL right after them also ends it)
  if (c === 43 || c === 45) {
    if (arg.length > 1 && arg.charCodeAt(1) !== 0) return null;
    return c === 43 ? { kind: 'max' } : { kind: 'min' };
  }
  if (c === 40) return { kind: 'value', value: arg.slice(1), ex: true };
  if (c === 91) return { kind: 'value', value: arg.slice(1), ex: false };
  return null;
}

/** Parses a ZRANGEBYLEX-style interval; null when either bound is not a valid item. */
export function parseLexRange(minArg: string, maxArg: string): LexRange | null {
  const min = lexBound(minArg);
  const max = lexBound(maxArg);
  return min === null || max === null ? null : { min, max };
}
