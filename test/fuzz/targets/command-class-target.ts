/**
 * Fuzz target `commands-class`: the same seeded command sequences go to Redoubt and to
 * Debian's redis-server (the 7.0.15 oracle), each run by the same low-privilege user
 * (`~app:* &app:* +@all -@dangerous`) over the same fixture keys, and every answer's CLASS
 * must agree: no reply, a non-error reply, or an error with the same first word (ERR,
 * WRONGTYPE, NOPERM, EXECABORT…). Commands come from the `commands` target's generator
 * (test/fuzz/targets/command-target.ts), restricted to a deterministic subset of Redoubt's
 * command table (CLASS_EXCLUSIONS says what is left out and why).
 *
 * State invariant: both servers start every input from FLUSHALL plus the same fixtures,
 * and every command is run on both, so as long as the classes agree the keyspaces agree
 * (up to values whose class cannot differ: random IDs, idle times, encodings). Two things
 * would break that and are neutralised identically on both sides:
 * - a key given a TTL shorter than TTL_RESYNC_MS may expire on one server and not yet on
 *   the other; after any command that can set a TTL, such keys are deleted on both;
 * - an accepted known difference (test/compat/known-differences.ts, 7.0 vs 7.2) may leave
 *   the states different, so the comparison of that input stops there.
 *
 * After each input the two keyspaces must also agree in keys, types and sizes (a command
 * that did different things on each side while answering in the same class shows up here).
 * Also an oracle here: no `internal error` reply from Redoubt, and it answers PING after
 * every input. A failure is minimised to the fewest commands and arguments that still fail.
 */
import type { Command } from '../../../src/command-context/command-spec.js';
import type { RunningServer } from '../../../src/server/server.js';
import { knownClassDifference } from '../../compat/known-differences.js';
import { startRedisOracle, type RedisOracle } from '../../helpers/redis-oracle.js';
import { startTestServer } from '../../helpers/server.js';
import { jsLiteral, type FuzzTarget, type Rng } from '../harness/fuzz-harness.js';
import { RespConn } from '../harness/resp-conn.js';
import { FIXTURES, FUZZ_USER_RULES, generateCommand, type CommandPool } from './command-target.js';

/**
 * Commands left out of the comparison, by full name ("memory|stats") or by container
 * ("client" = every CLIENT subcommand), each with the reason. Everything else in Redoubt's
 * command table (leaf commands with a handler) is compared, dangerous ones included: this
 * user must get the same NOPERM (or arity error, which Redis checks first) from both.
 */
export const CLASS_EXCLUSIONS: Readonly<Record<string, string>> = {
  // answers depend on time, randomness or the server's own state
  randomkey: 'a random key',
  spop: 'removes a random member: the two keyspaces would differ afterwards',
  time: 'the clock',
  lastsave: 'the time of the last save',
  info: 'server state (and a 7.2 field list)',
  client: 'connection registry, names, ids, CLIENT REPLY OFF (no reply), CLIENT PAUSE, kills; 7.2 added SETINFO/NO-TOUCH',
  config: 'server configuration; CONFIG SET could diverge the servers (and the lists differ between 7.0 and 7.2)',
  slowlog: 'server history',
  latency: 'server history',
  'memory|stats': 'allocator state',
  'memory|malloc-stats': 'allocator state',
  'memory|purge': 'allocator state',
  // persistence and process control: never to be run against the oracle's working directory
  save: 'writes dump.rdb',
  bgsave: 'writes dump.rdb',
  bgrewriteaof: 'writes an AOF',
  shutdown: 'stops the server',
  'acl|save': 'writes the ACL file',
  'acl|load': 'reloads users',
  'acl|log': 'server history (denied commands of earlier inputs)',
  // connection state: a login switches to another user, the rest change what later replies mean
  auth: 'switches user (the default user has every permission)',
  hello: 'switches protocol and may switch user',
  reset: 'switches back to the default user',
  quit: 'closes the connection (no comparable reply)',
  select: 'another database: the TTL resync (see the header) works on database 0',
  subscribe: 'subscriber mode: several replies per command, pushes',
  psubscribe: 'subscriber mode',
  ssubscribe: 'subscriber mode',
  unsubscribe: 'subscriber mode',
  punsubscribe: 'subscriber mode',
  sunsubscribe: 'subscriber mode',
  // testing and introspection (issue 13)
  debug: 'testing subcommands (SLEEP stops the server, RELOAD/LOADAOF rewrite the dataset); refused unless enable-debug-command',
  monitor: 'switches the connection to a stream of other clients\' commands',
  module: 'no modules on either side; LOAD is refused by enable-module-command',
  pfselftest: 'a self-test taking seconds on Redis (10^7 elements)',
  'memory|doctor': 'allocator state',
  // Redoubt's own commands
  auththrottle: 'Redoubt only (the AUTH throttle introspection)',
  // not flagged `blocking`, but they wait for replicas that neither server has
  wait: 'blocks until its timeout (0 = forever) when it asks for replicas',
  waitaof: 'blocks until its timeout when it asks for replicas or an fsync; 7.2 only',
  'cluster|myshardid': '7.2 only: the 7.0 oracle answers unknown subcommand where 7.2 (without cluster mode) answers cluster support disabled',
  // Blocking commands (flag `blocking`) are excluded by their flag, except XREAD and
  // XREADGROUP without BLOCK (see excludedInput).
};

/** Blocking commands kept when their arguments cannot block (no BLOCK option). */
const BLOCKING_KEPT = new Set(['xread', 'xreadgroup']);

/** Whether `cmd` is excluded from the comparison as a whole. */
export function excludedCommand(cmd: Command): boolean {
  if (CLASS_EXCLUSIONS[cmd.fullName] !== undefined) return true;
  if (cmd.parent !== null && CLASS_EXCLUSIONS[cmd.parent.name] !== undefined) return true;
  return cmd.flags.includes('blocking') && !BLOCKING_KEPT.has(cmd.fullName);
}

/**
 * Inputs of compared commands that are still left out: the random-reply commands with a
 * count (an answer of random members, and huge counts are the subject of their own CVE
 * tests), and XREAD/XREADGROUP with BLOCK. Applied at generation, so an input never
 * contains them.
 */
export function excludedInput(argv: readonly string[]): boolean {
  const name = argv[0]!.toLowerCase();
  if ((name === 'srandmember' || name === 'hrandfield' || name === 'zrandmember') && argv.length > 2) return true;
  return BLOCKING_KEPT.has(name) && argv.some((a) => a.toLowerCase() === 'block');
}

/** Commands after which a key may carry a short TTL (EXEC: any queued one may have set it). */
const TTL_SETTERS = new Set(['set', 'setex', 'psetex', 'getex', 'expire', 'pexpire', 'expireat', 'pexpireat', 'restore', 'exec']);
/** A TTL this short could run out between the two servers' replies or during the input. */
const TTL_RESYNC_MS = 600_000;

/** The size of a value of each TYPE, for the keyspace summary. */
const SIZE_COMMAND: Readonly<Record<string, string>> = { string: 'STRLEN', list: 'LLEN', set: 'SCARD', zset: 'ZCARD', hash: 'HLEN', stream: 'XLEN' };

const REPLY_MS = 3000;
const SLOW_MS = 5000;
const MAX_COMMANDS = 10;

/**
 * The class of a reply: "(no reply)", "(reply)", or an error's first word. EXEC's array
 * holds the queued commands' replies, errors included: its class lists theirs.
 */
export function replyClass(argv: readonly string[], reply: string | null): string {
  if (reply === null) return '(no reply)';
  if (reply[0] === '-') return errorWord(reply, 0);
  if (argv[0]!.toLowerCase() === 'exec' && reply[0] === '*' && reply !== '*-1\r\n') return `exec[${execItemClasses(reply).join(', ')}]`;
  return '(reply)';
}

/** Classes of the top-level items of an array reply (each item's own class, errors by first word). */
function execItemClasses(reply: string): string[] {
  const out: string[] = [];
  const eol = reply.indexOf('\r\n');
  const n = Number(reply.slice(1, eol));
  let pos = eol + 2;
  for (let i = 0; i < n; i++) {
    const end = itemEnd(reply, pos);
    out.push(reply[pos] === '-' ? errorWord(reply, pos) : '(reply)');
    pos = end;
  }
  return out;
}

/** The first word of the error reply starting at `pos` ("-ERR syntax error" → "ERR"). */
function errorWord(s: string, pos: number): string {
  let end = pos + 1;
  while (end < s.length && s[end] !== ' ' && s[end] !== '\r') end++;
  return s.slice(pos + 1, end);
}

/** End offset of the RESP2 item starting at `pos` (EXEC items: lines, bulks, nested arrays). */
function itemEnd(s: string, pos: number): number {
  const eol = s.indexOf('\r\n', pos);
  const t = s[pos]!;
  const n = Number(s.slice(pos + 1, eol));
  let end = eol + 2;
  if (t === '$') return n < 0 ? end : end + n + 2;
  if (t === '*') for (let i = 0; i < Math.max(0, n); i++) end = itemEnd(s, end);
  return end;
}

/** A part of an input for the minimiser: argument `arg` of command `cmd`. Removing a name (arg 0) removes its command. */
export interface ArgPart {
  cmd: number;
  arg: number;
  value: string;
}

interface Side {
  admin: RespConn;
  conn: RespConn;
  port: number;
}

export interface CommandClassTarget extends FuzzTarget<string[][], ArgPart> {
  /** commands compared (over all inputs so far) */
  compared(): number;
  /** inputs whose comparison stopped at an accepted known difference */
  knownStops(): number;
  /** how often each class was seen (agreeing answers), e.g. { "(reply)": 900, ERR: 400 } */
  classCounts(): Record<string, number>;
  /** the names of the compared command subset (after setup) */
  subset(): string[];
  /** runs `seq` from the fixtures on both servers and returns every step, judging nothing */
  classesOf(seq: readonly (readonly string[])[]): Promise<StepResult[]>;
}

/** One command run on both servers: the oracle's reply and class, then Redoubt's. */
export interface StepResult {
  argv: readonly string[];
  want: string | null;
  got: string | null;
  wantClass: string;
  gotClass: string;
}

export function commandClassTarget(): CommandClassTarget {
  let redoubt: RunningServer | null = null;
  let oracle: RedisOracle | null = null;
  let sides: Side[] = [];
  let pool: CommandPool = { commands: [], allowed: [] };
  let compared = 0;
  let knownStops = 0;
  const classCounts: Record<string, number> = {};
  const logged: string[] = [];

  const connectFuzz = async (port: number): Promise<RespConn> => {
    const c = await RespConn.connect(port);
    const r = await c.call(['AUTH', 'fuzz', 'fuzzpw'], SLOW_MS);
    if (r !== '+OK\r\n') throw new Error(`AUTH as the fuzz user on port ${port}: ${JSON.stringify(r)}`);
    return c;
  };
  const adminCall = async (s: Side, argv: readonly string[]): Promise<string> => {
    const r = await s.admin.call(argv, SLOW_MS);
    if (r === null) throw new Error(`admin ${argv.join(' ')} on port ${s.port}: no reply`);
    return r;
  };
  const both = <T>(f: (s: Side, i: number) => Promise<T>): Promise<T[]> => Promise.all(sides.map(f));

  /** Fresh keyspace and fresh fuzz connections on both servers. */
  const resetSides = async (): Promise<void> => {
    await both(async (s) => {
      s.conn.close();
      const replies = await s.admin.callMany([['FLUSHALL'], ...FIXTURES], SLOW_MS);
      if (replies === null) throw new Error(`fixtures on port ${s.port}: no reply`);
      const bad = replies.findIndex((r) => r[0] === '-');
      if (bad !== -1) throw new Error(`fixture ${[['FLUSHALL'], ...FIXTURES][bad]!.join(' ')} on port ${s.port}: ${replies[bad]!}`);
      s.conn = await connectFuzz(s.port);
    });
  };

  /**
   * Database 0 as "key type size" lines (size: STRLEN, LLEN, SCARD, ZCARD, HLEN or XLEN),
   * sorted. Two servers whose answers agreed in class must agree on this; values themselves
   * may legitimately differ (stream IDs from `*`, 7.0 vs 7.2 number formatting).
   */
  const summary = async (s: Side): Promise<string[]> => {
    const keys = arrayOfBulks(await adminCall(s, ['KEYS', '*'])).sort();
    const types = (await s.admin.callMany(keys.map((k) => ['TYPE', k]), SLOW_MS)) ?? [];
    const names = types.map((t) => t.slice(1, -2));
    const sizes = (await s.admin.callMany(keys.map((k, i) => [SIZE_COMMAND[names[i]!] ?? 'EXISTS', k]), SLOW_MS)) ?? [];
    return keys.map((k, i) => `${jsLiteral(k)} ${names[i] ?? '?'} ${(sizes[i] ?? '?').trim()}`);
  };

  /** Deletes, on both servers, every key with a TTL short enough to race (see the header). */
  const resyncTtls = async (): Promise<void> => {
    const names = new Set<string>();
    for (const s of sides) for (const k of arrayOfBulks(await adminCall(s, ['KEYS', '*']))) names.add(k);
    for (const k of names) {
      const ttls = await both((s) => adminCall(s, ['PTTL', k]));
      const short = ttls.some((r) => {
        const ms = Number(r.slice(1, -2));
        return r[0] === ':' && ms >= 0 && ms <= TTL_RESYNC_MS;
      });
      if (short) await both((s) => adminCall(s, ['DEL', k]));
    }
  };

  /** Runs one command on both servers (oracle first in the result) and keeps them comparable. */
  const step = async (argv: readonly string[]): Promise<StepResult> => {
    const [want, got] = await both((s) => s.conn.call(argv, REPLY_MS));
    // no reply (e.g. a closed connection): carry on with fresh connections on both
    if (want === null || got === null) {
      await both(async (s) => {
        s.conn.close();
        s.conn = await connectFuzz(s.port);
      });
    }
    if (TTL_SETTERS.has(argv[0]!.toLowerCase())) await resyncTtls();
    return { argv, want: want ?? null, got: got ?? null, wantClass: replyClass(argv, want ?? null), gotClass: replyClass(argv, got ?? null) };
  };

  const target: CommandClassTarget = {
    name: 'commands-class',
    compared: () => compared,
    knownStops: () => knownStops,
    classCounts: () => ({ ...classCounts }),
    async classesOf(seq) {
      await resetSides();
      const out: StepResult[] = [];
      for (const argv of seq) out.push(await step(argv));
      return out;
    },
    subset: () => pool.commands.map((c) => c.fullName),
    async setup() {
      // The same limits on both sides: a 4 MB bulk limit keeps SETRANGE/SETBIT/BITFIELD
      // offsets from allocating 512 MB on each server (Redis checks offsets against it).
      oracle = await startRedisOracle(['--proto-max-bulk-len', '4mb']);
      redoubt = await startTestServer({
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
      const ports = [oracle.port, redoubt.port];
      sides = [];
      for (const port of ports) {
        const admin = await RespConn.connect(port);
        const r = await admin.call(['ACL', 'SETUSER', 'fuzz', ...FUZZ_USER_RULES], SLOW_MS);
        if (r !== '+OK\r\n') throw new Error(`ACL SETUSER on port ${port}: ${JSON.stringify(r)}`);
        sides.push({ admin, conn: await connectFuzz(port), port });
      }
      const all = redoubt.server.commands.all.filter((c) => c.subcommandMap === null && c.run !== undefined);
      const commands = all.filter((c) => !excludedCommand(c));
      pool = { commands, allowed: commands.filter((c) => !c.aclCategories.includes('dangerous')) };
    },
    async teardown() {
      for (const s of sides) {
        s.conn.close();
        s.admin.close();
      }
      sides = [];
      await redoubt?.close();
      redoubt = null;
      await oracle?.stop();
      oracle = null;
    },
    generate(rng: Rng) {
      const n = rng.range(1, MAX_COMMANDS);
      const seq: string[][] = [];
      for (let i = 0; i < n; i++) seq.push(generateCommand(rng, pool));
      return seq.filter((argv) => !excludedInput(argv));
    },
    async check(seq) {
      await resetSides();
      const found: string[] = [];
      let stopped = false;
      for (let k = 0; k < seq.length && found.length === 0; k++) {
        const argv = seq[k]!;
        const { want, got, wantClass, gotClass } = await step(argv);
        compared++;
        if (got !== null && /internal error/i.test(got)) found.push(`command #${k} answered ${JSON.stringify(got.slice(0, 300))}`);
        if (wantClass !== gotClass) {
          if (knownClassDifference(argv, wantClass, gotClass) !== undefined) {
            knownStops++;
            stopped = true;
            break;
          }
          found.push(
            `class mismatch at command #${k} ${show(argv)}: redis ${wantClass} ${JSON.stringify(want?.slice(0, 200))}, redoubt ${gotClass} ${JSON.stringify(got?.slice(0, 200))}`,
          );
          break;
        }
        const counted = wantClass.startsWith('exec[') ? 'exec[…]' : wantClass;
        classCounts[counted] = (classCounts[counted] ?? 0) + 1;
      }
      if (found.length === 0 && !stopped) {
        const [a, b] = await both(summary);
        const onlyA = a!.filter((l) => !b!.includes(l));
        const onlyB = b!.filter((l) => !a!.includes(l));
        if (onlyA.length + onlyB.length > 0) {
          found.push(`the keyspaces differ after the input: redis has ${JSON.stringify(onlyA)}, redoubt ${JSON.stringify(onlyB)}`);
        }
      }
      const pong = await sides[1]!.admin.call(['PING'], SLOW_MS);
      if (pong !== '+PONG\r\n') found.push(`Redoubt no longer answers PING (${JSON.stringify(pong)})`);
      if (logged.length > 0) found.push(`logged ${logged.splice(0).join(' | ').slice(0, 1000)}`);
      if (found.length > 0) throw new Error(found.join('; '));
    },
    split: (seq) => seq.flatMap((argv, cmd) => argv.map((value, arg) => ({ cmd, arg, value }))),
    join(parts) {
      const byCmd = new Map<number, ArgPart[]>();
      for (const p of parts) {
        const list = byCmd.get(p.cmd) ?? [];
        list.push(p);
        byCmd.set(p.cmd, list);
      }
      const seq: string[][] = [];
      for (const list of byCmd.values()) if (list[0]!.arg === 0) seq.push(list.map((p) => p.value));
      return seq;
    },
    show: (seq) => `[${seq.map(show).join(', ')}]`,
  };
  return target;
}

function show(argv: readonly string[]): string {
  return `[${argv.map(jsLiteral).join(', ')}]`;
}

/** The bulk strings of a flat array reply (KEYS). */
function arrayOfBulks(reply: string): string[] {
  const out: string[] = [];
  let pos = reply.indexOf('\r\n') + 2;
  while (pos < reply.length && reply[pos] === '$') {
    const eol = reply.indexOf('\r\n', pos);
    const n = Number(reply.slice(pos + 1, eol));
    out.push(reply.slice(eol + 2, eol + 2 + n));
    pos = eol + 2 + n + 2;
  }
  return out;
}
