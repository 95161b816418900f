/**
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password |
 * AUTH2 username password] [KEYS key …] (Redis 7.2 cluster.c migrateCommand): option
 * parsing, checks and replies in Redis's order and texts; the keys travel as RESTORE
 * commands carrying DUMP payloads (persistence/rdb/dump-payload.ts), preceded by AUTH /
 * AUTH2 and, when the cached connection has another database selected, SELECT.
 *
 * Redis does the exchange synchronously, the whole server waiting on the socket. Here
 * the calling client is blocked (it reads nothing more, like a blocked BLPOP) while the
 * server goes on serving everyone else, and is answered when the target has replied:
 *
 *  - the values are serialized when MIGRATE runs: the target receives the keys as they
 *    were at that moment (with their remaining TTL), exactly as Redis would send them;
 *  - once the target acknowledged a key, it is deleted here (unless COPY) only if it is
 *    still the value that was sent: a key written, deleted, expired or replaced meanwhile
 *    is left as it is now (the newer local write wins over the move: nothing written
 *    during the transfer is lost). The deletion is signalled, notified (`del`) and goes
 *    to the write feed as DEL, in its own unit, as Redis rewrites MIGRATE to DEL;
 *  - a client that disconnects (or is killed) before the answer leaves its keys in place;
 *  - CLIENT UNBLOCK does not apply (a MIGRATE is not a blocking command in Redis);
 *  - inside MULTI/EXEC (and scripts) the exchange cannot wait: MIGRATE is refused there.
 */
import { defineCommand, type CommandDefinition } from '../command-context/command-spec.js';
import type { CommandContext } from '../command-context/context.js';
import type { BlockRequest, MigrateOutcome, MigratePlan } from '../command-context/services.js';
import { readLongLong } from '../command-model/argument-reader.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { NotifyKind } from '../keyspace/keyspace-events.js';
import type { Entry } from '../keyspace/value-types.js';
import { createDumpPayload } from '../persistence/rdb/dump-payload.js';

interface Moving {
  key: string;
  entry: Entry;
  /** ms to live as RESTORE takes it (0 = no expiry) */
  ttl: number;
  payload: string;
}

interface Options {
  copy: boolean;
  replace: boolean;
  username: string | null;
  password: string | null;
  firstKey: number;
  numKeys: number;
}

/** The options after the five fixed arguments, or the error reply. */
function parseOptions(argv: string[]): Options | Reply {
  const o: Options = { copy: false, replace: false, username: null, password: null, firstKey: 3, numKeys: 1 };
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!.toLowerCase();
    if (opt === 'copy') o.copy = true;
    else if (opt === 'replace') o.replace = true;
    else if (opt === 'auth') {
      if (more < 1) return reply.error(errors.syntax);
      o.password = argv[++j]!;
    } else if (opt === 'auth2') {
      if (more < 2) return reply.error(errors.syntax);
      o.username = argv[++j]!;
      o.password = argv[++j]!;
    } else if (opt === 'keys') {
      if (argv[3]!.length !== 0) return reply.error(errors.migrateKeysNeedEmptyKey);
      o.firstKey = j + 1;
      o.numKeys = argv.length - j - 1;
      break;
    } else return reply.error(errors.syntax);
  }
  return o;
}

/** One RESP request, as a binary string. */
function encode(out: string[], argv: readonly string[]): void {
  out.push(`*${argv.length}\r\n`);
  for (const a of argv) out.push(`$${a.length}\r\n`, a, '\r\n');
}

export const migrate = defineCommand({
  name: 'migrate',
  arity: -6,
  flags: ['write'],
  categories: ['keyspace', 'dangerous'],
  keySpecs: [
    { flags: ['RW', 'ACCESS', 'DELETE'], begin: { index: 3 }, find: { lastKey: 0, step: 1, limit: 0 } },
    { flags: ['RW', 'ACCESS', 'DELETE', 'INCOMPLETE'], begin: { keyword: 'KEYS', startFrom: -2 }, find: { lastKey: -1, step: 1, limit: 0 } },
  ],
  tips: ['nondeterministic_output'],
  docs: {
    summary: 'Atomically transfers a key from one Redis instance to another.',
    since: '2.6.0',
    group: 'generic',
    complexity:
      'This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.',
    arguments: [
      { name: 'host', type: 'string' },
      { name: 'port', type: 'integer' },
      { name: 'key-selector', type: 'oneof', arguments: [{ name: 'key', type: 'key' }, { name: 'empty-string', type: 'pure-token', token: '""' }] },
      { name: 'destination-db', type: 'integer' },
      { name: 'timeout', type: 'integer' },
      { name: 'copy', type: 'pure-token', token: 'COPY', optional: true },
      { name: 'replace', type: 'pure-token', token: 'REPLACE', optional: true },
      {
        name: 'authentication',
        type: 'oneof',
        optional: true,
        arguments: [
          { name: 'auth', type: 'string', token: 'AUTH' },
          { name: 'auth2', type: 'block', token: 'AUTH2', arguments: [{ name: 'username', type: 'string' }, { name: 'password', type: 'string' }] },
        ],
      },
      { name: 'keys', type: 'key', token: 'KEYS', optional: true, multiple: true },
    ],
  },
  run(ctx, argv) {
    const o = parseOptions(argv);
    if ('k' in o) return o;
    let timeoutMs = readLongLong(argv[5]!);
    const dbid = readLongLong(argv[4]!);
    if (timeoutMs <= 0) timeoutMs = 1000;
    // the keys that exist now; none at all is not an error (often one just expired)
    const moving: Moving[] = [];
    const compress = ctx.config.get('rdbcompression') === 'yes';
    for (let j = 0; j < o.numKeys; j++) {
      const key = argv[o.firstKey + j]!;
      const entry = ctx.db.lookupRead(key);
      if (entry === undefined) continue;
      let ttl = 0;
      const at = ctx.db.getExpire(key);
      if (at !== undefined) {
        ttl = at - ctx.now;
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      moving.push({ key, entry, ttl, payload: createDumpPayload(entry.v, compress).toString('latin1') });
    }
    if (moving.length === 0) return reply.simple('NOKEY');
    return startMigration(ctx, argv, o, dbid, timeoutMs, moving);
  },
});

/** Blocks the client and hands the exchange to the connection cache. */
function startMigration(ctx: CommandContext, argv: string[], o: Options, dbid: number, timeoutMs: number, moving: Moving[]): Reply | null {
  const blocking = ctx.services.keyspace.blocking;
  // keys written while the transfer runs are not deleted afterwards
  const changed = new Set<string>();
  const req: BlockRequest = {
    argv,
    keys: moving.map((m) => m.key),
    type: 'string',
    deadline: 0,
    timeoutReply: reply.error(errors.migrateInTransaction),
    deniedReply: reply.error(errors.migrateInTransaction),
    unblockOnNoKey: true,
    unblockable: false,
    serve: (readyKey) => {
      changed.add(readyKey);
      return null;
    },
  };
  const blocked = blocking.block(ctx, req);
  if (blocked !== null) return blocked;
  ctx.services.migrate.send({
    host: argv[1]!,
    port: argv[2]!,
    timeoutMs,
    build: (lastDb) => buildPlan(o, dbid, lastDb, moving),
    done: (outcome) => {
      blocking.resolve(req, () => finish(ctx, o, moving, changed, outcome));
    },
  });
  return null;
}

function buildPlan(o: Options, dbid: number, lastDb: number, moving: readonly Moving[]): MigratePlan {
  const out: string[] = [];
  let headerLines = 0;
  if (o.password !== null) {
    encode(out, o.username !== null ? ['AUTH', o.username, o.password] : ['AUTH', o.password]);
    headerLines++;
  }
  if (lastDb !== dbid) {
    encode(out, ['SELECT', String(dbid)]);
    headerLines++;
  }
  for (const m of moving) {
    const restore = ['RESTORE', m.key, String(m.ttl), m.payload];
    if (o.replace) restore.push('REPLACE');
    encode(out, restore);
  }
  return { bytes: Buffer.from(out.join(''), 'latin1'), headerLines, restoreLines: moving.length, selectedDb: dbid };
}

/** The target's answers: acknowledged keys leave (unless COPY), then MIGRATE's reply. */
function finish(ctx: CommandContext, o: Options, moving: readonly Moving[], changed: ReadonlySet<string>, outcome: MigrateOutcome): Reply {
  if (outcome.ioError === 'connecting') return reply.error(errors.migrateConnect);
  // an AUTH or SELECT failure fails every key; otherwise each RESTORE answers for its key
  const headerError = outcome.header.find((l) => l.startsWith('-'));
  let targetError = headerError;
  const deleted: string[] = [];
  outcome.restores.forEach((line, j) => {
    if (headerError !== undefined || line.startsWith('-')) {
      targetError ??= line;
      return;
    }
    const m = moving[j];
    if (o.copy || m === undefined) return;
    // only the value that was sent leaves: a key changed meanwhile stays as it is now
    if (changed.has(m.key) || ctx.db.peek(m.key) !== m.entry) return;
    ctx.db.delete(m.key);
    ctx.notify(NotifyKind.generic, 'del', m.key);
    deleted.push(m.key);
  });
  if (deleted.length > 0 && ctx.propagation.active) ctx.propagation.replace(['DEL', ...deleted]);
  if (targetError !== undefined) return reply.error(errors.migrateTargetError(targetError.slice(1)));
  if (outcome.ioError !== null) return reply.error(errors.migrateIo(outcome.ioError));
  return reply.ok;
}

export const migrateCommands: CommandDefinition[] = [migrate];
