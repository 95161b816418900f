/**
 * Fuzz target: every registered command with random arguments, run by a low-privilege
 * user (`~app:* &app:* +@all -@dangerous`) against an in-process server over TCP.
 *
 * Arguments come from the command's documented argument tree (tokens, types, optional and
 * repeated parts) or from plain random picks, then are mutated with edge values: 0, -1,
 * 32/64-bit limits and one past them, nan, inf, floats, empty and binary strings, option
 * keywords, keys inside and outside the user's pattern, and existing keys of every type.
 *
 * Oracle: no `internal error` reply and none logged; the server answers PING afterwards;
 * each command answers within a generous bound (or is blocked, which is not a failure:
 * the connection is killed and replaced); the process stays under a memory ceiling.
 */
import type { ArgumentDoc, Command } from '../../../src/command-context/command-spec.js';
import type { RunningServer } from '../../../src/server/server.js';
import { startTestServer } from '../../helpers/server.js';
import { jsLiteral, type FuzzTarget, type Rng } from '../harness/fuzz-harness.js';
import { RespConn } from '../harness/resp-conn.js';

export const FUZZ_USER_RULES = ['on', '>fuzzpw', '~app:*', '&app:*', '+@all', '-@dangerous'];

/** Keys of every type the user may touch, created before the run and after each write. */
export const FIXTURES: readonly (readonly string[])[] = [
  ['SET', 'app:str', 'hello world'],
  ['SET', 'app:num', '42'],
  ['SET', 'app:float', '3.5'],
  ['RPUSH', 'app:list', 'a', 'b', 'c', '1', '2', 'a'],
  ['SADD', 'app:set', 'a', 'b', 'c'],
  ['SADD', 'app:iset', '1', '2', '3', '-7'],
  ['ZADD', 'app:zset', '1', 'a', '2', 'b', '3.5', 'c', '-inf', 'd'],
  ['HSET', 'app:hash', 'f', 'v', 'n', '5', 'x', '1.5'],
  ['XADD', 'app:stream', '1-1', 'f', 'v'],
  ['XADD', 'app:stream', '2-1', 'f', 'w'],
  ['XGROUP', 'CREATE', 'app:stream', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 'app:stream', '>'],
  ['PFADD', 'app:hll', 'a', 'b'],
  ['SETBIT', 'app:bits', '7', '1'],
  ['SET', 'other:str', 'not yours'],
];

export const KEYS = ['app:str', 'app:num', 'app:float', 'app:list', 'app:set', 'app:iset', 'app:zset', 'app:hash', 'app:stream', 'app:hll', 'app:bits', 'app:new', 'app:new2', 'other:str', 'app:*', ''];

const NUMBERS = [
  '0', '1', '-1', '2', '3', '10', '-10', '100', '2147483647', '2147483648', '-2147483648', '-2147483649', '4294967295', '4294967296',
  '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '18446744073709551615',
  '18446744073709551616', '99999999999999999999999', '0x10', '010', '+1', ' 1', '1 ', '1.', '.5', '1e3',
];
const FLOATS = ['0', '1.5', '-0.0', '1e308', '1e309', '-1e309', '4.9e-324', 'nan', 'NaN', '-nan', 'inf', '-inf', '+inf', 'infinity', '1e', '(1', '(1.5', '[a', '(a', '-', '+', '$', '>', '*', '~', '='];
const STRINGS = ['', ' ', 'a', 'abc', '\x00', '\xff\xfe\x80', 'x'.repeat(300), '*', '?', '[', '\\', 'app:*', '0-0', '1-1', '1-0', '18446744073709551615-18446744073709551615', '0-1', '$', '>', 'g', 'c'];
const KEYWORDS = [
  'NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'WITHSCORES', 'WITHSCORE', 'LIMIT', 'COUNT', 'MATCH', 'TYPE', 'BYSCORE', 'BYLEX', 'REV', 'KEEPTTL',
  'EX', 'PX', 'EXAT', 'PXAT', 'PERSIST', 'GET', 'IDLE', 'TIME', 'RETRYCOUNT', 'FORCE', 'JUSTID', 'MAXLEN', 'MINID', 'NOMKSTREAM', 'BLOCK',
  'STREAMS', 'GROUP', 'STORE', 'ASC', 'DESC', 'ALPHA', 'LEFT', 'RIGHT', 'BEFORE', 'AFTER', 'WEIGHTS', 'AGGREGATE', 'SUM', 'MIN', 'MAX',
  'ID', 'RANK', 'MAXLEN', 'LEN', 'IDX', 'MINMATCHLEN', 'WITHMATCHLEN', 'OVERFLOW', 'WRAP', 'SAT', 'FAIL', 'INCRBY', 'SET', 'u8', 'i64',
  'u63', 'i65', '#1', 'BIT', 'BYTE', 'ENTRIESREAD', 'MKSTREAM', 'FULL', 'CONSUMERS', 'GROUPS', 'STREAM', 'HELP', 'NOVALUES',
];

function edgeValue(rng: Rng): string {
  switch (rng.int(6)) {
    case 0:
      return rng.pick(NUMBERS);
    case 1:
      return rng.pick(FLOATS);
    case 2:
      return rng.pick(STRINGS);
    case 3:
      return rng.pick(KEYWORDS);
    case 4:
      return rng.pick(KEYS);
    default:
      return rng.bytes(rng.range(0, 6));
  }
}

function valueFor(rng: Rng, a: ArgumentDoc): string {
  if (rng.chance(0.15)) return edgeValue(rng);
  switch (a.type) {
    case 'key':
      // mostly keys the user may touch, so commands get past the ACL check
      return rng.chance(0.85) ? rng.pick(KEYS.slice(0, 13)) : rng.pick(KEYS);
    case 'integer':
    case 'unix-time':
      return rng.chance(0.5) ? rng.pick(['0', '1', '2', '5', '-1', '10']) : rng.pick(NUMBERS);
    case 'double':
      return rng.chance(0.5) ? rng.pick(['0', '1', '1.5', '-2']) : rng.pick(FLOATS);
    case 'pattern':
      return rng.pick(['*', 'app:*', '?', '[a-z]*', '\\', 'a[', '']);
    default:
      return rng.chance(0.5) ? rng.pick(['a', 'b', 'c', 'f', 'v', '1', 'g', 'c', '1-1', '$']) : rng.pick(STRINGS);
  }
}

/** Arguments following a documented argument tree. */
function fromDocs(rng: Rng, args: readonly ArgumentDoc[], out: string[]): void {
  for (const a of args) {
    if (a.optional === true && rng.chance(0.5)) continue;
    const reps = a.multiple === true ? rng.range(1, 3) : 1;
    for (let i = 0; i < reps; i++) {
      if (a.token !== undefined) out.push(rng.chance(0.2) ? a.token.toLowerCase() : a.token);
      if (a.type === 'pure-token') {
        if (a.token === undefined) out.push(a.name.toUpperCase());
      } else if (a.type === 'oneof') {
        if (a.arguments !== undefined && a.arguments.length > 0) fromDocs(rng, [{ ...rng.pick(a.arguments), optional: false }], out);
      } else if (a.type === 'block') {
        if (a.arguments !== undefined) fromDocs(rng, a.arguments, out);
      } else {
        out.push(valueFor(rng, a));
      }
    }
  }
}

function mutate(rng: Rng, argv: string[], fixed: number): void {
  const n = rng.range(0, 3);
  for (let i = 0; i < n; i++) {
    const len = argv.length;
    const at = fixed + rng.int(Math.max(1, len - fixed + 1));
    switch (rng.int(4)) {
      case 0:
        if (at < len) argv[at] = edgeValue(rng);
        break;
      case 1:
        argv.splice(at, 0, edgeValue(rng));
        break;
      case 2:
        if (at < len) argv.splice(at, 1);
        break;
      default:
        if (at < len) argv.splice(at, 0, argv[at]!);
    }
  }
}

/** The commands a generator draws from: `allowed` (the user's) most of the time, any of `commands` otherwise. */
export interface CommandPool {
  commands: readonly Command[];
  allowed: readonly Command[];
}

/**
 * One command line: a command from `pool`, arguments from its documented argument tree
 * (or counted from its arity), then possibly mutated with edge values. Shared by the
 * `commands` and `commands-class` targets; it draws from `rng` in a fixed order, so an
 * input seed always regenerates the same command.
 */
export function generateCommand(rng: Rng, pool: CommandPool): string[] {
  const cmd = rng.chance(0.9) ? rng.pick(pool.allowed) : rng.pick(pool.commands);
  const argv = cmd.parent !== null ? [cmd.parent.name, cmd.name] : [cmd.name];
  if (rng.chance(0.2)) argv[0] = argv[0]!.toUpperCase();
  const fixed = argv.length;
  if (rng.chance(0.7) && cmd.docs.arguments !== undefined) fromDocs(rng, cmd.docs.arguments, argv);
  else {
    // mostly the argument count the arity asks for, so the handler itself is reached
    const want = cmd.arity > 0 ? cmd.arity - fixed : -cmd.arity - fixed + rng.range(0, 3);
    for (let i = rng.chance(0.8) ? Math.max(0, want) : rng.range(0, 6); i > 0; i--) {
      // a command with keys mostly gets one the user may touch first
      const keyFirst = argv.length === fixed && (cmd.keySpecs?.length ?? 0) > 0 && rng.chance(0.8);
      argv.push(keyFirst ? rng.pick(KEYS.slice(0, 13)) : edgeValue(rng));
    }
  }
  if (rng.chance(0.5)) mutate(rng, argv, fixed);
  return argv;
}

/** Connection-state commands: the connection is replaced after them. */
const STATEFUL = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'multi', 'exec', 'discard', 'watch', 'unwatch', 'client', 'hello', 'reset', 'auth', 'quit', 'select', 'monitor', 'readonly', 'readwrite', 'asking']);

const REPLY_MS = 300;
const SLOW_MS = 5000;
const RSS_CEILING = 3 * 1024 * 1024 * 1024;

export interface CommandFuzzOptions {
  /** restrict to these command names (full names, e.g. "zadd", "object|encoding") */
  only?: readonly string[];
}

export function commandTarget(opts: CommandFuzzOptions = {}): FuzzTarget<string[], string> {
  let running: RunningServer | null = null;
  let admin: RespConn | null = null;
  let conn: RespConn | null = null;
  const logged: string[] = [];
  let commands: Command[] = [];
  let allowed: Command[] = [];

  const connectFuzz = async (): Promise<RespConn> => {
    const c = await RespConn.connect(running!.port);
    const r = await c.call(['AUTH', 'fuzz', 'fuzzpw'], SLOW_MS);
    if (r !== '+OK\r\n') throw new Error(`AUTH as the fuzz user: ${JSON.stringify(r)}`);
    return c;
  };
  const resetKeys = async (): Promise<void> => {
    await admin!.call(['FLUSHALL'], SLOW_MS);
    for (const c of FIXTURES) await admin!.call(c, SLOW_MS);
  };

  const target: FuzzTarget<string[], string> = {
    name: 'commands',
    async setup() {
      running = await startTestServer({
        config: [
          ['proto-max-bulk-len', '4mb'],
          ['save', ''],
        ],
        logSink: {
          write: (line: string) => {
            if (/internal error/i.test(line)) logged.push(line);
          },
        },
      });
      admin = await RespConn.connect(running.port);
      const r = await admin.call(['ACL', 'SETUSER', 'fuzz', ...FUZZ_USER_RULES], SLOW_MS);
      if (r !== '+OK\r\n') throw new Error(`ACL SETUSER: ${JSON.stringify(r)}`);
      await resetKeys();
      const all = running.server.commands.all.filter((c) => c.subcommandMap === null && c.run !== undefined);
      commands = opts.only === undefined ? all : all.filter((c) => opts.only!.includes(c.fullName));
      allowed = commands.filter((c) => !c.aclCategories.includes('dangerous'));
      if (allowed.length === 0) allowed = commands;
      conn = await connectFuzz();
    },
    async teardown() {
      conn?.close();
      admin?.close();
      await running?.close();
      running = null;
    },
    generate: (rng) => generateCommand(rng, { commands, allowed }),
    async check(argv) {
      const t0 = performance.now();
      const reply = await conn!.call(argv, REPLY_MS);
      let ms = performance.now() - t0;
      const name = argv[0]!.toLowerCase();
      if (reply === null) {
        // blocked, no reply by design, or closed: kill it (unblocks it) and wait for the server
        await admin!.call(['CLIENT', 'KILL', 'USER', 'fuzz'], SLOW_MS);
        conn!.close();
        conn = await connectFuzz();
      } else if (STATEFUL.has(name)) {
        conn!.close();
        conn = await connectFuzz();
      }
      const p0 = performance.now();
      const pong = await admin!.call(['PING'], SLOW_MS);
      ms = Math.max(ms, performance.now() - p0);
      const found: string[] = [];
      if (reply !== null && /internal error/i.test(reply)) found.push(`reply ${JSON.stringify(reply.slice(0, 300))}`);
      if (logged.length > 0) found.push(`logged ${logged.splice(0).join(' | ').slice(0, 1000)}`);
      if (pong !== '+PONG\r\n') found.push(`server no longer answers PING (${JSON.stringify(pong)})`);
      if (ms > SLOW_MS) found.push(`took ${ms.toFixed(0)} ms`);
      const rss = process.memoryUsage().rss;
      if (rss > RSS_CEILING) found.push(`process RSS ${(rss / 1048576).toFixed(0)} MB`);
      // writes may have changed the fixtures: put them back (not part of the oracle)
      const cmd = running!.server.commands.lookup(argv[0]!);
      if (cmd === undefined || cmd.isWrite || cmd.subcommandMap !== null || reply === null) await resetKeys();
      if (found.length > 0) throw new Error(found.join('; '));
    },
    split: (argv) => argv.slice(1),
    join: (rest, original) => [original[0]!, ...rest],
    show: (argv) => `[${argv.map(jsLiteral).join(', ')}]`,
  };
  return target;
}
