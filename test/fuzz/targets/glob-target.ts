/**
 * Fuzz target: glob matching (src/keyspace/glob.ts, through its exported API only:
 * compileGlob / globMatch) against an independent model of Redis 7.2's stringmatchlen.
 *
 * The model is a memoised recursion over (pattern position, subject position): Redis's
 * matcher is a function of those two positions alone (its skip-longer-matches shortcut
 * changes the work, not the answer), so memoising keeps the model polynomial. Patterns
 * have fewer than 1000 stars, so the CVE-2022-36021 nesting cut-off never applies here.
 * Oracle: same answer as the model, case-sensitive and not; the one-shot form equals the
 * compiled one; a compiled matcher gives the same answer twice (no state leaks).
 */
import { compileGlob, globMatch } from '../../../src/keyspace/glob.js';
import { jsLiteral, type FuzzTarget } from '../harness/fuzz-harness.js';

export interface GlobInput {
  pattern: string;
  subjects: string[];
  nocase: boolean;
}

const signed = (b: number): number => (b >= 128 ? b - 256 : b);
/** glibc tolower() on a C char: A-Z folded, negative chars come back as unsigned bytes. */
const lower = (c: number): number => (c < 0 ? c + 256 : c >= 65 && c <= 90 ? c + 32 : c);

/** Redis's answer for (pattern, subject), computed independently of src/. */
export function modelMatch(pattern: string, subject: string, nocase: boolean): boolean {
  const pn = pattern.length;
  const sn = subject.length;
  // bytes past the end read as the sds terminator, as Redis's pointer walk does
  const P = (i: number): number => (i < pn ? pattern.charCodeAt(i) : 0);
  const memo = new Map<number, boolean>();
  const eq = (a: number, b: number): boolean => (nocase ? lower(signed(a)) === lower(signed(b)) : a === b);

  /** does pattern[p..] match subject[s..]? (both non-empty on entry to the loop) */
  const m = (p0: number, s0: number): boolean => {
    const key = p0 * (sn + 1) + s0;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let p = p0;
    let s = s0;
    let result: boolean | null = null;
    while (result === null && p < pn && s < sn) {
      const c = P(p);
      if (c === 42 /* * */) {
        while (p + 1 < pn && P(p + 1) === 42) p++;
        if (p === pn - 1) {
          result = true;
          break;
        }
        result = false;
        for (let k = s; k < sn; k++) {
          if (m(p + 1, k)) {
            result = true;
            break;
          }
        }
        break;
      }
      if (c === 63 /* ? */) {
        s++;
      } else if (c === 91 /* [ */) {
        p++;
        const not = P(p) === 94;
        if (not) p++;
        let hit = false;
        const x = subject.charCodeAt(s);
        for (;;) {
          if (P(p) === 92 && pn - p >= 2) {
            p++;
            if (P(p) === x) hit = true;
          } else if (P(p) === 93) {
            break;
          } else if (p >= pn) {
            p--;
            break;
          } else if (pn - p >= 3 && P(p + 1) === 45) {
            let lo = signed(P(p));
            let hi = signed(P(p + 2));
            let v = signed(x);
            if (lo > hi) [lo, hi] = [hi, lo];
            if (nocase) {
              lo = lower(lo);
              hi = lower(hi);
              v = lower(v);
            }
            p += 2;
            if (v >= lo && v <= hi) hit = true;
          } else if (eq(P(p), x)) {
            hit = true;
          }
          p++;
        }
        if (not) hit = !hit;
        if (!hit) {
          result = false;
          break;
        }
        s++;
      } else {
        if (c === 92 /* \ */ && pn - p >= 2) p++;
        if (!eq(P(p), subject.charCodeAt(s))) {
          result = false;
          break;
        }
        s++;
      }
      p++;
      if (s === sn) {
        while (p < pn && P(p) === 42) p++;
        break;
      }
    }
    if (result === null) result = p >= pn && s === sn;
    memo.set(key, result);
    return result;
  };
  if (pn === 0 || sn === 0) return pn === 0 && sn === 0;
  return m(0, 0);
}

const PATTERN_CHARS = ['a', 'b', 'A', 'z', '*', '*', '?', '[', ']', '^', '-', '\\', '\x80', '\xe9', '\xff', '\x00', '_', ':'];
const SUBJECT_CHARS = ['a', 'b', 'A', 'B', 'z', 'Z', '*', '?', '[', ']', '^', '-', '\\', '\x80', '\xe9', '\xff', '\x00', '_', ':', 'm'];

export const globTarget: FuzzTarget<GlobInput, string> = {
  name: 'glob',
  generate(rng) {
    let pattern = '';
    const n = rng.range(0, 12);
    for (let i = 0; i < n; i++) pattern += rng.chance(0.9) ? rng.pick(PATTERN_CHARS) : rng.bytes(1);
    const subjects: string[] = [];
    for (let k = 0; k < 6; k++) {
      let s = '';
      // half the subjects are the pattern with its metacharacters replaced: likely matches
      if (rng.chance(0.5)) for (const ch of pattern) s += '*?[]\\^-'.includes(ch) ? (rng.chance(0.5) ? '' : rng.pick(SUBJECT_CHARS)) : ch;
      else for (let i = rng.range(0, 10); i > 0; i--) s += rng.pick(SUBJECT_CHARS);
      subjects.push(s);
    }
    return { pattern, subjects, nocase: rng.chance(0.5) };
  },
  check(input) {
    const compiled = compileGlob(input.pattern, input.nocase);
    for (const s of input.subjects) {
      const want = modelMatch(input.pattern, s, input.nocase);
      const got = compiled(s);
      if (got !== want) throw new Error(`pattern ${jsLiteral(input.pattern)} subject ${jsLiteral(s)} nocase=${input.nocase}: got ${got}, model ${want}`);
      if (globMatch(input.pattern, s, input.nocase) !== got) throw new Error(`one-shot and compiled differ on ${jsLiteral(s)}`);
      if (compiled(s) !== got) throw new Error(`a compiled matcher answered ${jsLiteral(s)} differently the second time`);
    }
  },
  // the minimiser removes pattern bytes (subjects kept): a short pattern explains a failure
  split: (input) => [...input.pattern],
  join: (parts, original) => ({ ...original, pattern: parts.join('') }),
  show: (input) => `{ pattern: ${jsLiteral(input.pattern)}, subjects: [${input.subjects.map(jsLiteral).join(', ')}], nocase: ${input.nocase} }`,
};
