/**
 * Fuzz target: the request parser (src/protocol/request-parser.ts). Each input is a byte
 * stream built from protocol fragments (valid and broken multibulk and inline requests,
 * counts at and past the limits, random bytes), a set of cut points, and whether the
 * client is authenticated. Oracle:
 *  - feeding the stream whole, cut at the chosen points, and (one input in four) byte by
 *    byte gives the same
 *    commands and the same protocol error (the split of TCP reads never matters, except
 *    for the "too big" limits, which Redis too decides on what has arrived so far);
 *  - the parser never throws; an error is always a `Protocol error: ...` text;
 *  - state stays bounded: the bytes it holds never exceed what was fed, no argument is
 *    longer than the bulk limit, no command has more arguments than the count limit
 *    (10 / 16 KiB before authentication).
 */
import { RequestParser, UNAUTH_MAX_BULK, UNAUTH_MAX_MULTIBULK, type ParserLimits } from '../../../src/protocol/request-parser.js';
import { jsLiteral, type FuzzTarget, type Rng } from '../harness/fuzz-harness.js';

export interface ParserInput {
  bytes: string;
  /** sorted cut points in (0, bytes.length) */
  cuts: number[];
  unauth: boolean;
  /** true: small limits (inline 64 bytes, bulk 32 bytes, 8 arguments) so they are reached */
  small: boolean;
  /** also feed it one byte at a time (the costliest way: one input in four) */
  bytewise: boolean;
}

const LARGE: ParserLimits = { maxBulkLen: 512 * 1024 * 1024, maxMultibulkLen: 1024 * 1024, maxInlineLen: 64 * 1024 };
const SMALL: ParserLimits = { maxBulkLen: 32, maxMultibulkLen: 8, maxInlineLen: 64 };

interface Outcome {
  cmds: string[][];
  error: string | null;
}

const COUNTS = ['0', '1', '2', '3', '9', '10', '11', '-1', '-2', '-0', '+1', '01', ' 1', '1 ', '', 'x', '4294967296', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '16385', '65', '33', '1048577'];
const WORDS = ['PING', 'ECHO', 'GET', 'SET', 'AUTH', 'a', '', 'x y', '"q"', "'s'", '"\\x41"', '"\\', '\\', '"', "'", '\x00', '\xff', 'é'];

function multibulk(rng: Rng): string {
  const n = rng.range(0, 4);
  let s = `*${n}\r\n`;
  for (let i = 0; i < n; i++) {
    const a = rng.chance(0.8) ? rng.pick(WORDS) : rng.bytes(rng.range(0, 6));
    s += `$${a.length}\r\n${a}\r\n`;
  }
  return s;
}

function fragment(rng: Rng): string {
  switch (rng.int(10)) {
    case 0:
    case 1:
      return multibulk(rng);
    case 2:
      return `*${rng.pick(COUNTS)}\r\n`;
    case 3:
      return `$${rng.pick(COUNTS)}\r\n`;
    case 4:
      return rng.pick(['*', '$', '\r', '\n', '\r\n', ' ', '\t', '"', "'", '\\', '\x00', '\xff', '+', '-', ':']);
    case 5: {
      // an inline request: words with quotes and escapes
      const n = rng.range(0, 4);
      const words: string[] = [];
      for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
      return words.join(rng.pick([' ', '  ', '\t'])) + rng.pick(['\r\n', '\n', '\r', '']);
    }
    case 6:
      return rng.bytes(rng.range(1, 8));
    case 7:
      // a long run: inline and bulk lengths near the small limits
      return rng.pick(['a', ' ', '"', '*', '$1\r\n']).repeat(rng.range(20, 80));
    case 8: {
      // a bulk whose announced length does not match its body
      const body = rng.bytes(rng.range(0, 5));
      return `*1\r\n$${body.length + rng.range(-1, 1)}\r\n${body}\r\n`;
    }
    default:
      return multibulk(rng).slice(0, -rng.range(1, 4));
  }
}

function run(p: RequestParser, input: Buffer, cuts: readonly number[], limits: ParserLimits, unauth: boolean): Outcome {
  const cmds: string[][] = [];
  let prev = 0;
  const maxArgs = unauth ? Math.min(limits.maxMultibulkLen, UNAUTH_MAX_MULTIBULK) : limits.maxMultibulkLen;
  const maxBulk = unauth ? Math.min(limits.maxBulkLen, UNAUTH_MAX_BULK) : limits.maxBulkLen;
  const step = (end: number) => {
    p.feed(input.subarray(prev, end));
    for (let cmd = p.next(); cmd !== null; cmd = p.next()) {
      if (cmd.length === 0) throw new Error('empty command');
      for (const a of cmd) for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) > 255) throw new Error('argument is not a binary string');
      // an inline request arriving in one read may exceed the inline limit (as in Redis);
      // multibulk counts and lengths are checked before anything is buffered
      if (!p.lastWasInline) {
        if (cmd.length > maxArgs) throw new Error(`command with ${cmd.length} arguments`);
        for (const a of cmd) if (a.length > maxBulk) throw new Error(`argument of ${a.length} bytes`);
      }
      cmds.push(cmd);
    }
    if (p.pendingBytes > end) throw new Error(`parser holds ${p.pendingBytes} bytes after ${end} fed`);
    prev = end;
  };
  for (const c of cuts) if (c > prev && c < input.length) step(c);
  if (input.length > prev) step(input.length);
  if (p.error !== null && !p.error.startsWith('Protocol error: ')) throw new Error(`unexpected error text ${JSON.stringify(p.error)}`);
  return { cmds, error: p.error };
}

/**
 * `split` (fed in pieces) agrees with `whole`. One difference is by design, as in Redis:
 * "too big ... request / count string" is decided on the bytes buffered so far without a
 * terminator, so a line over the limit that arrives in pieces is refused while the same
 * line in one read is not. Then the pieces' commands must be a prefix of the whole's.
 */
function agrees(whole: Outcome, split: Outcome): boolean {
  if (split.error !== null && split.error.startsWith('Protocol error: too big')) {
    return split.cmds.length <= whole.cmds.length && sameCmds(split.cmds, whole.cmds.slice(0, split.cmds.length));
  }
  return split.error === whole.error && sameCmds(split.cmds, whole.cmds);
}

function sameCmds(a: string[][], b: string[][]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}

function fresh(limits: ParserLimits, unauth: boolean): RequestParser {
  return new RequestParser(limits, { unauthenticated: unauth });
}

export const parserTarget: FuzzTarget<ParserInput, string> = {
  name: 'parser',
  generate(rng) {
    let bytes = '';
    const n = rng.range(1, 8);
    for (let i = 0; i < n; i++) bytes += fragment(rng);
    const cuts = new Set<number>();
    const k = rng.range(1, 6);
    for (let i = 0; i < k && bytes.length > 1; i++) cuts.add(rng.range(1, bytes.length - 1));
    return { bytes, cuts: [...cuts].sort((a, b) => a - b), unauth: rng.chance(0.3), small: rng.chance(0.3), bytewise: rng.chance(0.25) };
  },
  check(input) {
    const buf = Buffer.from(input.bytes, 'latin1');
    const limits = input.small ? SMALL : LARGE;
    const whole = run(fresh(limits, input.unauth), buf, [], limits, input.unauth);
    const cut = run(fresh(limits, input.unauth), buf, input.cuts, limits, input.unauth);
    if (!agrees(whole, cut)) throw new Error(`cut at ${JSON.stringify(input.cuts)}: ${JSON.stringify(cut)} but whole: ${JSON.stringify(whole)}`);
    if (!input.bytewise) return;
    const every: number[] = [];
    for (let i = 1; i < buf.length; i++) every.push(i);
    const bytewise = run(fresh(limits, input.unauth), buf, every, limits, input.unauth);
    if (!agrees(whole, bytewise)) throw new Error(`byte by byte: ${JSON.stringify(bytewise)} but whole: ${JSON.stringify(whole)}`);
  },
  split: (input) => [...input.bytes],
  join: (parts, original) => {
    const bytes = parts.join('');
    return { ...original, bytes, cuts: original.cuts.filter((c) => c < bytes.length) };
  },
  show: (input) => `{ bytes: ${jsLiteral(input.bytes)}, cuts: ${JSON.stringify(input.cuts)}, unauth: ${input.unauth}, small: ${input.small}, bytewise: ${input.bytewise} }`,
};
