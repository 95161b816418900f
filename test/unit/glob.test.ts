import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileGlob, globMatch } from '../../src/keyspace/glob.js';
import { classEnd, compileClass, walkClass } from '../../src/keyspace/glob-class.js';

/**
 * Reference model: Redis's recursive matcher, re-expressed over indices. It reads index n
 * as the sds terminator (0), compares range bounds as signed chars, folds with glibc's
 * tolower, honours the 1000-star nesting limit and the skip-longer-matches shortcut.
 * Exponential in theory, fine for the small inputs the property tests use.
 */
function redisModel(pattern: string, subject: string, nocase: boolean): boolean {
  const pn = pattern.length;
  const P = (i: number): number => (i < pn ? pattern.charCodeAt(i) : 0);
  const S = (i: number): number => (i < subject.length ? subject.charCodeAt(i) : 0);
  const signed = (b: number): number => (b >= 128 ? b - 256 : b);
  const lower = (c: number): number => (c < 0 ? c + 256 : c >= 65 && c <= 90 ? c + 32 : c);
  const state = { skip: false };

  function m(p: number, s: number, nesting: number): boolean {
    if (nesting > 1000) return false;
    while (pn - p > 0 && subject.length - s > 0) {
      const c = P(p);
      if (c === 42) {
        while (pn - p > 0 && P(p + 1) === 42) p++;
        if (pn - p === 1) return true;
        while (subject.length - s > 0) {
          if (m(p + 1, s, nesting + 1)) return true;
          if (state.skip) return false;
          s++;
        }
        state.skip = true;
        return false;
      } else if (c === 63) {
        s++;
      } else if (c === 91) {
        p++;
        const not = P(p) === 94;
        if (not) p++;
        let match = false;
        for (;;) {
          if (P(p) === 92 && pn - p >= 2) {
            p++;
            if (P(p) === S(s)) match = true;
          } else if (P(p) === 93) {
            break;
          } else if (pn - p === 0) {
            p--;
            break;
          } else if (pn - p >= 3 && P(p + 1) === 45) {
            let a = signed(P(p));
            let b = signed(P(p + 2));
            let x = signed(S(s));
            if (a > b) [a, b] = [b, a];
            if (nocase) {
              a = lower(a);
              b = lower(b);
              x = lower(x);
            }
            p += 2;
            if (x >= a && x <= b) match = true;
          } else if (nocase ? lower(signed(P(p))) === lower(signed(S(s))) : P(p) === S(s)) {
            match = true;
          }
          p++;
        }
        if (not) match = !match;
        if (!match) return false;
        s++;
      } else {
        if (c === 92 && pn - p >= 2) p++;
        const pc = P(p);
        const sc = S(s);
        if (nocase ? lower(signed(pc)) !== lower(signed(sc)) : pc !== sc) return false;
        s++;
      }
      p++;
      if (subject.length - s === 0) {
        while (P(p) === 42) p++;
        break;
      }
    }
    return pn - p === 0 && subject.length - s === 0;
  }
  return m(0, 0, 0);
}

const patternChars = fc.constantFrom('a', 'b', 'A', '*', '*', '?', '[', ']', '^', '-', '\\', '\x80', '\xe9', '\xff', '\0', 'z', '_');
const subjectChars = fc.constantFrom('a', 'b', 'A', 'B', '*', '?', '[', ']', '^', '-', '\\', '\x80', '\xe9', '\xff', '\0', 'z', '_', 'Z', 'm');

test('glob: agrees with a model of Redis\'s recursive matcher on random patterns (case-sensitive and not)', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: patternChars, maxLength: 12 }),
      fc.string({ unit: subjectChars, maxLength: 10 }),
      fc.boolean(),
      (pattern, subject, nocase) => {
        assert.equal(globMatch(pattern, subject, nocase), redisModel(pattern, subject, nocase), JSON.stringify({ pattern, subject, nocase }));
      },
    ),
    { numRuns: 20000, seed: 20240601 },
  );
});

/** Any byte at all, with the metacharacters over-represented so classes and escapes are common. */
const anyByte = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b)) },
  { weight: 4, arbitrary: fc.constantFrom('[', ']', '^', '-', '\\', '*', '?', 'a', 'A') },
);

test('glob: agrees with the model over arbitrary bytes, longer patterns, and through compileGlob', () => {
  fc.assert(
    fc.property(fc.string({ unit: anyByte, maxLength: 24 }), fc.array(fc.string({ unit: anyByte, maxLength: 12 }), { maxLength: 6 }), fc.boolean(), (pattern, subjects, nocase) => {
      const bound = compileGlob(pattern, nocase);
      for (const subject of subjects) {
        const expected = redisModel(pattern, subject, nocase);
        assert.equal(globMatch(pattern, subject, nocase), expected, JSON.stringify({ pattern, subject, nocase }));
        assert.equal(bound(subject), expected, `compiled: ${JSON.stringify({ pattern, subject, nocase })}`);
      }
    }),
    { numRuns: 20000, seed: 20260111 },
  );
});

test('glob: a compiled class set answers as the in-place walk for every byte, and ends where it does', () => {
  const bits = new Uint32Array(8);
  fc.assert(
    fc.property(fc.string({ unit: anyByte, maxLength: 30 }), fc.boolean(), (body, nocase) => {
      const pattern = '[' + body;
      compileClass(pattern, 1, nocase, bits, 0);
      const end = classEnd(pattern, 1);
      for (let c = 0; c < 256; c++) {
        const r = walkClass(pattern, 1, c, nocase);
        assert.equal((r - (r % 2)) / 2, end, JSON.stringify({ pattern }));
        const inSet = ((bits[c >>> 5]! >>> (c & 31)) & 1) === 1;
        assert.equal(inSet, r % 2 === 1, JSON.stringify({ pattern, c, nocase }));
      }
    }),
    { numRuns: 5000, seed: 256 },
  );
});

test('glob: patterns with long classes (compiled to sets) agree with the model and with the in-place walk', () => {
  const item = fc.oneof(fc.constantFrom('a-c', 'z-a', 'A-Z', '\xe0-\xff', '\x80-a', 'Z-a', '\\]', '\\a', '-', '^', '['), fc.string({ unit: anyByte, maxLength: 3 }));
  const longClass = fc
    .tuple(fc.boolean(), fc.array(item, { maxLength: 4 }), fc.integer({ min: 250, max: 300 }), fc.array(item, { maxLength: 4 }), fc.boolean())
    .map(([neg, before, pad, after, closed]) => `[${neg ? '^' : ''}${before.join('')}${'q'.repeat(pad)}${after.join('')}${closed ? ']' : ''}`);
  const part = fc.oneof(longClass, fc.constantFrom('*', '?', 'a', 'Q', '[ab]', '\\*'));
  fc.assert(
    fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), fc.array(fc.string({ unit: anyByte, maxLength: 6 }), { maxLength: 8 }), fc.boolean(), (parts, subjects, nocase) => {
      const pattern = parts.join('');
      const m = compileGlob(pattern, nocase);
      for (const subject of [...subjects, 'q', 'qq', 'Qa', 'aq']) {
        const expected = redisModel(pattern, subject, nocase);
        assert.equal(m(subject), expected, JSON.stringify({ pattern, subject, nocase }));
        assert.equal(globMatch(pattern, subject, nocase), expected);
      }
    }),
    { numRuns: 3000, seed: 31228 },
  );
});

/** Subjects built from the pattern's own literals, so long patterns match as often as not. */
test('glob: agrees with the model when subjects are derived from the pattern (hits, near misses)', () => {
  const tok = fc.oneof(
    fc.constantFrom('a', 'b', 'Z', '\xe9', '\x00'),
    fc.constantFrom('*', '?', '\\*', '\\[', '[ab]', '[^a]', '[a-c]', '[z-a]', '[\\]]', '[A-Z]', '[\xe0-\xff]', '[a-]'),
  );
  fc.assert(
    fc.property(fc.array(tok, { maxLength: 10 }), fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'Z', 'z', ']', '*', '[', '\xe9', '\x00'), maxLength: 14 }), fc.boolean(), (toks, noise, nocase) => {
      const pattern = toks.join('');
      const literalish = toks.map((t) => (t.length === 1 && t !== '*' && t !== '?' ? t : t === '\\*' ? '*' : t === '\\[' ? '[' : 'a')).join('');
      for (const subject of [literalish, noise, literalish + noise, noise.slice(0, 3) + literalish]) {
        assert.equal(globMatch(pattern, subject, nocase), redisModel(pattern, subject, nocase), JSON.stringify({ pattern, subject, nocase }));
      }
    }),
    { numRuns: 10000, seed: 4242 },
  );
});

/** Well-formed globs only, translated to a RegExp: an independent second reference. */
type Tok = { glob: string; re: string };
const lit = fc.constantFrom('a', 'b', 'c', '.', '(', '+').map((c): Tok => ({ glob: c, re: c.replace(/[.(+]/g, '\\$&') }));
const escaped = fc.constantFrom('*', '?', '[', '\\', 'a').map((c): Tok => ({ glob: `\\${c}`, re: c.replace(/[*?[\\]/g, '\\$&') }));
const any = fc.constant<Tok>({ glob: '?', re: '[\\s\\S]' });
const star = fc.constant<Tok>({ glob: '*', re: '[\\s\\S]*' });
const cls = fc
  .tuple(fc.boolean(), fc.array(fc.constantFrom('a', 'b', 'c', 'a-b', 'c-a'), { minLength: 1, maxLength: 3 }))
  .map(([neg, items]): Tok => {
    const re = items.map((i) => (i.length === 3 ? [i[0], i[2]].sort().join('-') : i)).join('');
    return { glob: `[${neg ? '^' : ''}${items.join('')}]`, re: `[${neg ? '^' : ''}${re}]` };
  });
const wellFormed = fc.array(fc.oneof(lit, escaped, any, star, cls), { maxLength: 8 });

test('glob: well-formed patterns agree with their RegExp translation', () => {
  fc.assert(
    fc.property(wellFormed, fc.string({ unit: fc.constantFrom('a', 'b', 'c', '.', '(', '+', '*', '?', '[', '\\'), maxLength: 8 }), (toks, subject) => {
      const pattern = toks.map((t) => t.glob).join('');
      const re = new RegExp(`^${toks.map((t) => t.re).join('')}$`);
      // Redis quirk: an empty subject matches only the empty pattern.
      const expected = subject.length === 0 ? pattern.length === 0 : re.test(subject);
      assert.equal(globMatch(pattern, subject), expected, JSON.stringify({ pattern, subject }));
    }),
    { numRuns: 10000, seed: 7 },
  );
});

test('glob: the basic forms', () => {
  assert.equal(globMatch('h?llo', 'hello'), true);
  assert.equal(globMatch('h?llo', 'hllo'), false);
  assert.equal(globMatch('h*llo', 'hllo'), true);
  assert.equal(globMatch('h*llo', 'heeeello'), true);
  assert.equal(globMatch('h[ae]llo', 'hallo'), true);
  assert.equal(globMatch('h[ae]llo', 'hillo'), false);
  assert.equal(globMatch('h[^e]llo', 'hallo'), true);
  assert.equal(globMatch('h[^e]llo', 'hello'), false);
  assert.equal(globMatch('h[a-b]llo', 'hbllo'), true);
  assert.equal(globMatch('h[a-b]llo', 'hcllo'), false);
  assert.equal(globMatch('user:*:name', 'user:42:name'), true);
  assert.equal(globMatch('user:*:name', 'user:42:names'), false);
});

test('glob: empty subjects and patterns behave as in Redis', () => {
  assert.equal(globMatch('', ''), true);
  assert.equal(globMatch('', 'a'), false);
  assert.equal(globMatch('*', ''), false, 'Redis: even * does not match the empty string');
  assert.equal(globMatch('**', ''), false);
  assert.equal(globMatch('*', 'anything'), true);
  assert.equal(globMatch('a*', 'a'), true);
  assert.equal(globMatch('a**', 'a'), true);
  assert.equal(globMatch('a*?', 'a'), false);
});

test('glob: escapes, inside and outside classes', () => {
  assert.equal(globMatch('\\*', '*'), true);
  assert.equal(globMatch('\\*', 'a'), false);
  assert.equal(globMatch('a\\', 'a\\'), true, 'a trailing backslash is a literal backslash');
  assert.equal(globMatch('[\\]]', ']'), true);
  assert.equal(globMatch('[\\-a]', '-'), true);
  assert.equal(globMatch('[\\-a]', 'b'), false);
  assert.equal(globMatch('[\\', '\\'), true, 'a backslash ending the pattern inside a class is literal');
  assert.equal(globMatch('[\\A]', 'a', true), false, 'escaped class members compare case-sensitively even with nocase');
  assert.equal(globMatch('[A]', 'a', true), true);
});

test('glob: ranges, reversed ranges and unterminated classes', () => {
  assert.equal(globMatch('[z-a]', 'm'), true, 'reversed ranges are swapped');
  assert.equal(globMatch('[a-]', ']'), true, '[a-] is the range ]..a, unterminated');
  assert.equal(globMatch('[a-]', '_'), true);
  assert.equal(globMatch('[a-]', 'b'), false);
  assert.equal(globMatch('[a-]', '-'), false);
  assert.equal(globMatch('[abc', 'b'), true, 'a class without ] runs to the end');
  assert.equal(globMatch('[abc', 'bc'), false);
  assert.equal(globMatch('[', 'x'), false);
  assert.equal(globMatch('[^', 'x'), true);
  assert.equal(globMatch('[]', 'x'), false);
  assert.equal(globMatch('[^]', 'x'), true);
  assert.equal(globMatch('[]a]', 'a'), false, '[] is an empty class, then a literal a and ]');
  assert.equal(globMatch('[]a]', 'xa]'), false);
});

test('glob: binary subjects and signed-char ranges', () => {
  assert.equal(globMatch('k\x00*', 'k\x00\xff'), true);
  assert.equal(globMatch('?', '\xe9'), true);
  // Bounds are signed chars: 0xff is -1, so [a-\xff] is -1..97 and holds neither b nor 0xe9.
  assert.equal(globMatch('[a-\xff]', 'b'), false);
  assert.equal(globMatch('[a-\xff]', '\xe9'), false);
  assert.equal(globMatch('[a-\xff]', 'A'), true);
  assert.equal(globMatch('[a-\xff]', '\xff'), true);
  assert.equal(globMatch('[\x80-a]', '\xe9'), true);
  assert.equal(globMatch('[\xff-\x80]', '\xe9'), true);
  // Case-insensitive: bounds are swapped as signed, then folded to unsigned bytes.
  assert.equal(globMatch('[\x80-a]', '\xe9', true), false);
  assert.equal(globMatch('[Z-a]', 'z', true), false, 'nocase folds after swapping: z..a is empty');
  assert.equal(globMatch('[Z-a]', '_', false), true);
  assert.equal(globMatch('HeLLo*', 'hello world', true), true);
  assert.equal(globMatch('\xc9', '\xe9', true), false, 'only ASCII letters fold');
});

test('glob: the nesting limit (CVE-2024-31228) answers as Redis does', () => {
  const subject = 'a'.repeat(1001) + 'b';
  assert.equal(globMatch('*a'.repeat(999) + '*b', subject), true, '1000 star groups still match');
  assert.equal(globMatch('*a'.repeat(1000) + '*b', subject), false, 'the 1001st group followed by more: no match');
  assert.equal(globMatch('*a'.repeat(1000) + '*', subject), true, 'a final 1001st group still matches');
  assert.equal(globMatch('*a'.repeat(1000) + '***', subject), true);
  assert.equal(globMatch('*a'.repeat(1000) + '*?', subject), false);
  assert.equal(globMatch('*a'.repeat(1000) + '*', ''), false);
});

test('glob: around the nesting limit, star groups made of runs, classes and escapes agree with the model', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 997, max: 1003 }),
      fc.constantFrom('*', '**', '*[a]', '*\\a', '*?', '[*]*', '\\**'),
      fc.constantFrom('', '*', 'b', '[b]', '*b', '?', '\\'),
      fc.integer({ min: 990, max: 1010 }),
      fc.constantFrom('', 'b', 'ab', '*', '\\'),
      (groups, unit, tail, as, end) => {
        const pattern = unit.repeat(groups) + tail;
        const subject = 'a'.repeat(as) + end;
        assert.equal(globMatch(pattern, subject), redisModel(pattern, subject, false), JSON.stringify({ unit, groups, tail, as, end }));
      },
    ),
    { numRuns: 400, seed: 1001 },
  );
});

test('glob: pathological patterns finish quickly with the right answer', () => {
  const started = Date.now();
  const subject = 'a'.repeat(20000);
  assert.equal(globMatch('*a'.repeat(40) + '*b', subject), false);
  assert.equal(globMatch('*a'.repeat(40) + '*', subject), true);
  assert.equal(globMatch('*?'.repeat(500) + '*b', 'a'.repeat(5000)), false);
  assert.equal(globMatch('a*'.repeat(990) + 'b', 'a'.repeat(3000)), false);
  assert.equal(globMatch('[a-z]*'.repeat(300) + '[0-9]', 'x'.repeat(10000) + '7'), true);
  const big = compileGlob('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b');
  for (let i = 0; i < 50; i++) assert.equal(big('a'.repeat(2000)), false);
  // a backtracking matcher takes astronomically long on these (2^40 paths and more); the
  // bound only has to tell that apart from a busy machine's slowness
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});

test('glob: a compiled matcher is reusable and equals the one-shot form', () => {
  const m = compileGlob('k[0-9]?');
  assert.equal(m('k1x'), true);
  assert.equal(m('kxx'), false);
  assert.equal(m('k12'), globMatch('k[0-9]?', 'k12'));
});
