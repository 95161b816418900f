/**
 * The Lua debugger's session (SCRIPT DEBUG SYNC), as Redis 7.2's LDB (eval.c) speaks
 * to redis-cli --ldb: the script stops at its first line; every answer is an array of
 * status lines (the log); the debugger commands are help, step/next, continue, list,
 * whole, print, break, trace, eval, redis, maxlen, abort; the session ends with a
 * "<endsession>" line, then the EVAL reply, then the connection is closed.
 *
 * Split of the work: this file holds the source, the breakpoints, the log, the
 * command parsing and every text; the engine (native/redoubt-ldb.inc.c, through
 * LuaVm.debug*) holds the line hook and what needs the Lua state (print, eval,
 * trace, redis.debug, redis.breakpoint). The runner (script-runner.ts) turns a stop
 * into a `debug` step and the busy gate (server/script-busy.ts) routes the
 * debugging client's commands here while the script is stopped.
 *
 * Differences from Redis, on purpose: Redoubt cannot fork, so SCRIPT DEBUG YES (a
 * forked session whose changes are rolled back) is accepted but its EVAL is refused
 * as Redis refuses it when fork() fails (commands/scripting.ts); while a SYNC session
 * is stopped, other clients get -BUSY (Redis's blocked server does not answer them).
 * A stop happens only where the script may yield: inside a C call (a sort
 * comparator, a gsub callback) it waits for the next line that can.
 */
import { encodeReply } from '../protocol/reply-writer.js';
import { reply, type Reply } from '../protocol/reply.js';
import type { LuaVm } from './lua-vm.js';

const BREAKPOINTS_MAX = 64;
const MAXLEN_DEFAULT = 256;
/** When busy-reply-threshold is 0, a script running this long without a stop stops (Redis's 5000). */
const TIMEOUT_DEFAULT_MS = 5000;

const HELP = [
  'Redis Lua debugger help:',
  '[h]elp               Show this help.',
  '[s]tep               Run current line and stop again.',
  '[n]ext               Alias for step.',
  '[c]ontinue           Run till next breakpoint.',
  '[l]ist               List source code around current line.',
  '[l]ist [line]        List source code around [line].',
  '                     line = 0 means: current position.',
  '[l]ist [line] [ctx]  In this form [ctx] specifies how many lines',
  '                     to show before/after [line].',
  "[w]hole              List all source code. Alias for 'list 1 1000000'.",
  '[p]rint              Show all the local variables.',
  '[p]rint <var>        Show the value of the specified variable.',
  '                     Can also show global vars KEYS and ARGV.',
  '[b]reak              Show all breakpoints.',
  '[b]reak <line>       Add a breakpoint to the specified line.',
  '[b]reak -<line>      Remove breakpoint from the specified line.',
  '[b]reak 0            Remove all breakpoints.',
  '[t]race              Show a backtrace.',
  '[e]val <code>        Execute some Lua code (in a different callframe).',
  '[r]edis <cmd>        Execute a Redis command.',
  '[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.',
  '                     Specifying zero as <len> means unlimited.',
  '[a]bort              Stop the execution of the script. In sync',
  '                     mode dataset changes will be retained.',
  '',
  'Debugger functions you can call from Lua scripts:',
  'redis.debug()        Produce logs in the debugger console.',
  'redis.breakpoint()   Stop execution like if there was a breakpoint in the',
  '                     next line of code.',
];

/** What a debugger command asks of the script: stay stopped (the log answers), go on, or stop it. */
export type DebugVerdict = 'stay' | 'resume' | 'abort';

/** C's atoi: leading blanks, a sign, digits; anything else ends it (0 when none). */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Math.trunc(Number(m[1]) % 2 ** 32) | 0;
}

/** Redis's string2l: no blanks, no leading zeros, no "+" or "-0". */
function string2l(s: string): number | null {
  if (!/^(0|-?[1-9]\d*)$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** sdscatrepr: quoted, escapes for \\ " \n \r \t \a \b, \xHH for other non-printables. */
export function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x22) out += '\\"';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c >= 32 && c < 127) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return out + '"';
}

/**
 * ldbRedisProtocolToHuman: a reply as the debugger shows it, read from its RESP bytes
 * (what the script's client received, RESP2 or RESP3). Returns the text and where the
 * next reply starts.
 */
function human(p: string, at: number): [string, number] {
  const eol = p.indexOf('\r', at);
  if (eol < 0) return ['', p.length];
  const head = p.slice(at + 1, eol);
  const next = eol + 2;
  const many = (n: number, open: string, close: string, sep: string, pairs: boolean): [string, number] => {
    let out = open;
    let pos = next;
    for (let j = 0; j < n; j++) {
      let t: string;
      [t, pos] = human(p, pos);
      out += t;
      if (pairs) {
        [t, pos] = human(p, pos);
        out += ' => ' + t;
      }
      if (j !== n - 1) out += sep;
    }
    return [out + close, pos];
  };
  switch (p[at]) {
    case ':':
      return [head, next];
    case '$': {
      const len = Number(head);
      if (len === -1) return ['NULL', next];
      return [repr(p.slice(next, next + len)), next + len + 2];
    }
    case '+':
    case '-':
      return [repr(p.slice(at, eol)), next];
    case '*': {
      const n = Number(head);
      if (n === -1) return ['NULL', next];
      return many(n, '[', ']', ',', false);
    }
    case '~':
      return many(Number(head), '~(', ')', ',', false);
    case '%':
      return many(Number(head), '{', '}', ',', true);
    case '_':
      return ['(null)', next];
    case '#':
      return [head === 't' ? '#true' : '#false', next];
    case ',':
      return ['(double) ' + head, next];
    default:
      // RESP3 types Redis's debugger does not render (verbatim, big number): nothing
      return ['', at];
  }
}

export class LuaDebugSession {
  /** the script's source split in lines (trailing newlines dropped), as the debugger lists it */
  readonly lines: string[];
  private breakpoints: number[] = [];
  private maxlen = MAXLEN_DEFAULT;
  private hintSent = false;
  private log: string[] = [];
  /** the line the script stopped at */
  line = 0;
  /** stop at the next line (Redis's ldb.step): while set, redis.call logs its commands and replies */
  stepping = true;
  /** the debugging client went away: the script goes on without stops */
  detached = false;
  /** start of the run or the last stop (performance.now()), for the timeout */
  private since = performance.now();
  /** the engine, while a script of this session runs */
  vm: LuaVm | null = null;

  constructor(
    source: string,
    /** busy-reply-threshold, ms */
    private readonly threshold: () => number,
  ) {
    const trimmed = source.replace(/[\r\n]+$/, '');
    this.lines = trimmed.length === 0 ? [] : trimmed.split('\n');
  }

  // ---- the log ----------------------------------------------------------------

  add(text: string): void {
    this.log.push(text);
  }

  /** ldbLogWithMaxLen: cut at maxlen, with a hint the first time. */
  addTrimmed(text: string): void {
    let t = text;
    const trimmed = this.maxlen > 0 && t.length > this.maxlen;
    if (trimmed) t = t.slice(0, this.maxlen) + ' ...';
    this.log.push(t);
    if (trimmed && !this.hintSent) {
      this.hintSent = true;
      this.log.push("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
    }
  }

  /** The log so far as the client gets it (status lines, CR/LF as spaces), emptied. */
  take(): Reply {
    const items = this.log.map((l) => reply.simple(l.replace(/[\r\n]/g, ' ')));
    this.log = [];
    return reply.array(items);
  }

  /** The last log of the session, ending with "<endsession>". */
  end(): Reply {
    this.add('<endsession>');
    return this.take();
  }

  // ---- engine events ----------------------------------------------------------

  /** The engine stopped at `line`. */
  stopped(line: number, reason: string): void {
    this.line = line;
    this.stepping = false;
    this.since = performance.now();
    this.add(`* Stopped at ${line}, stop reason = ${reason}`);
    this.sourceLine(line);
  }

  /** The engine asks (count hook, no stop pending) whether the script ran too long without a stop. */
  timedOut(): boolean {
    const limit = this.threshold() > 0 ? this.threshold() : TIMEOUT_DEFAULT_MS;
    return performance.now() - this.since >= limit;
  }

  /** The debugging client is gone: no stop any more (a timeout then ends the script). */
  detach(): void {
    this.detached = true;
    this.stepping = false;
    this.breakpoints = [];
  }

  /** Before the script goes on: the engine learns step and breakpoints. */
  sync(): void {
    this.vm?.debugSet(this.stepping, this.breakpoints);
  }

  /** A command the script runs: `<redis> argv` (the first 10 arguments). */
  logCommand(argv: readonly string[]): void {
    let t = '<redis>';
    for (let j = 0; j < argv.length; j++) {
      if (j === 10) {
        t += ` ... (${argv.length - j - 1} more)`;
        break;
      }
      t += ' ' + argv[j]!;
    }
    this.add(t);
  }

  /** Its reply as the script's client got it (resp 2 or 3). */
  logReply(r: Reply, resp: 2 | 3): void {
    this.addTrimmed('<reply> ' + human(encodeReply(r, resp).toString('latin1'), 0)[0]);
  }

  /** A command refused before it ran (luaPushErrorBuff's log). */
  logRefusal(text: string): void {
    // the text as scriptCall made it: without the generic ERR code the reply adds
    this.add(`<error> ${text.replace(/^ERR /, '')}`);
  }

  // ---- debugger commands --------------------------------------------------------

  /**
   * A command from the debugging client while the script is stopped. `redis` runs a
   * command as the script would (the runner logs it).
   */
  command(argv: readonly string[], redis: (argv: string[]) => void): DebugVerdict {
    const name = (argv[0] ?? '').toLowerCase();
    const argc = argv.length;
    switch (name) {
      case 'h':
      case 'help':
        for (const l of HELP) this.add(l);
        return 'stay';
      case 's':
      case 'step':
      case 'n':
      case 'next':
        this.stepping = true;
        return 'resume';
      case 'c':
      case 'continue':
        return 'resume';
      case 't':
      case 'trace':
        this.trace();
        return 'stay';
      case 'm':
      case 'maxlen':
        this.setMaxlen(argv);
        return 'stay';
      case 'b':
      case 'break':
        this.breakCommand(argv);
        return 'stay';
      case 'e':
      case 'eval':
        this.vm?.debugEval(argv.slice(1).join(' '));
        return 'stay';
      case 'a':
      case 'abort':
        return 'abort';
      case 'p':
      case 'print':
        this.vm?.debugPrint(argc === 2 ? argv[1]! : null);
        return 'stay';
      case 'l':
      case 'list': {
        let around = this.line;
        let context = 5;
        if (argc > 1) {
          const num = atoi(argv[1]!);
          if (num > 0) around = num;
        }
        if (argc > 2) context = atoi(argv[2]!);
        this.list(around, context);
        return 'stay';
      }
      case 'w':
      case 'whole':
        this.list(1, 1000000);
        return 'stay';
      default:
        if (argc > 1 && (name === 'r' || name === 'redis')) {
          redis(argv.slice(1));
          return 'stay';
        }
        this.add('<error> Unknown Redis Lua debugger command or wrong number of arguments.');
        return 'stay';
    }
  }

  private sourceLine(n: number): void {
    const text = n >= 1 && n <= this.lines.length ? this.lines[n - 1]! : '<out of range source code line>';
    const bp = this.breakpoints.includes(n);
    const current = this.line === n;
    const prefix = current && bp ? '->#' : current ? '-> ' : bp ? '  #' : '   ';
    this.add(`${prefix}${String(n).padEnd(3)} ${text}`);
  }

  private list(around: number, context: number): void {
    for (let j = 1; j <= this.lines.length; j++) {
      if (around !== 0 && Math.abs(around - j) > context) continue;
      this.sourceLine(j);
    }
  }

  private trace(): void {
    const frames = this.vm?.debugTrace() ?? [];
    for (const f of frames) {
      this.add(`${f.level === 0 ? 'In' : 'From'} ${f.name ?? 'top level'}:`);
      this.sourceLine(f.line);
    }
  }

  private setMaxlen(argv: readonly string[]): void {
    if (argv.length === 2) {
      let v = atoi(argv[1]!);
      this.hintSent = true;
      if (v !== 0 && v <= 60) v = 60;
      this.maxlen = v;
    }
    this.add(this.maxlen ? `<value> replies are truncated at ${this.maxlen} bytes.` : '<value> replies are unlimited.');
  }

  private breakCommand(argv: readonly string[]): void {
    if (argv.length === 1) {
      if (this.breakpoints.length === 0) {
        this.add("No breakpoints set. Use 'b <line>' to add one.");
        return;
      }
      this.add(`${this.breakpoints.length} breakpoints set:`);
      for (const b of this.breakpoints) this.sourceLine(b);
      return;
    }
    for (const arg of argv.slice(1)) {
      const line = string2l(arg);
      if (line === null) {
        this.add(`Invalid argument:'${arg}'`);
      } else if (line === 0) {
        this.breakpoints = [];
        this.add('All breakpoints removed.');
      } else if (line > 0) {
        if (this.breakpoints.length === BREAKPOINTS_MAX) this.add('Too many breakpoints set.');
        else if (line <= this.lines.length && !this.breakpoints.includes(line)) {
          this.breakpoints.push(line);
          this.list(line, 1);
        } else this.add('Wrong line number.');
      } else {
        const i = this.breakpoints.indexOf(-line);
        if (i >= 0) {
          this.breakpoints.splice(i, 1);
          this.add('Breakpoint removed.');
        } else this.add('No breakpoint in the specified line.');
      }
    }
  }
}
