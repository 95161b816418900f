/**
 * Test support for the write feed (src/persistence/propagator.ts): an in-process client
 * that runs commands through the dispatcher, a sink that stamps each command with the
 * server time it was propagated at, replay of a recorded feed into another server, and a
 * full dump of a server's keyspace for comparison.
 */
import { Client } from '../../src/server/client.js';
import { CommandContext } from '../../src/command-context/context.js';
import type { Server } from '../../src/server/server.js';
import type { ManualClock } from '../../src/keyspace/clock.js';
import type { PropagationSink } from '../../src/persistence/propagator.js';
import { Kind, type Reply } from '../../src/protocol/reply.js';
import { aofExecutor } from '../../src/persistence/loading.js';

let nextLocalId = 1_000_000;

export interface LocalClient {
  ctx: CommandContext;
  /** runs one command as a client would (dispatcher checks included) */
  call(...argv: string[]): Reply | null;
}

/** A client without a connection, for driving a server in-process. */
export function localClient(server: Server): LocalClient {
  const client = new Client(nextLocalId++, '127.0.0.1:1', '127.0.0.1:2', -1, server.now(), server.acl.defaultUser);
  const ctx = new CommandContext(server, client);
  return {
    ctx,
    call(...argv: string[]): Reply | null {
      const prev = server.current;
      server.current = client;
      try {
        return server.dispatcher.dispatch(ctx, argv);
      } finally {
        server.current = prev;
      }
    },
  };
}

export interface TimedCommand {
  db: number;
  argv: string[];
  /** the server's command time when the command was propagated */
  t: number;
}

/** Records every propagated command with the time it was propagated at. */
export class TimedSink implements PropagationSink {
  readonly commands: TimedCommand[] = [];
  constructor(private readonly server: Server) {}
  append(dbIndex: number, argv: readonly string[]): void {
    this.commands.push({ db: dbIndex, argv: [...argv], t: this.server.now() });
  }
}

/**
 * Replays a feed into `server` through its dispatcher, as an AOF loader would (SELECT on
 * a change of database), each command at the time it was recorded at. Returns the error
 * replies met, with their command.
 */
export function replayFeed(server: Server, clock: ManualClock, feed: readonly TimedCommand[]): string[] {
  const c = localClient(server);
  const problems: string[] = [];
  let db = 0;
  let queued = false;
  for (const op of feed) {
    clock.set(op.t);
    server.updateTime();
    if (op.db !== db && op.db >= 0) {
      c.call('SELECT', String(op.db));
      db = op.db;
    }
    const r = c.call(...op.argv);
    if (r !== null && r.k === Kind.Error) problems.push(`${op.argv.join(' ')} -> ${r.s}`);
    const name = op.argv[0]!.toUpperCase();
    if (name === 'MULTI') queued = true;
    else if (name === 'EXEC') queued = false;
    // outside MULTI, follow the client's database (a SELECT inside a MULTI only runs at EXEC)
    if (!queued) db = c.ctx.client.dbIndex;
  }
  return problems;
}

/**
 * Replays a feed the way start-up loading does (persistence/loading.ts): the server is
 * loading (nothing expires, past times do not delete), the clock stands still at `at`,
 * and commands run through the AOF executor, SELECT included. Returns the errors met.
 */
export function loadFeed(server: Server, clock: ManualClock, at: number, feed: readonly TimedCommand[]): string[] {
  clock.set(at);
  server.updateTime();
  const exec = aofExecutor(server);
  const problems: string[] = [];
  let db = 0;
  server.loading = true;
  try {
    for (const op of feed) {
      if (op.db !== db && op.db >= 0) {
        exec(['SELECT', String(op.db)]);
        db = op.db;
      }
      const err = exec(op.argv);
      if (err !== null) problems.push(`${op.argv.join(' ')} -> ${err}`);
    }
  } finally {
    server.loading = false;
  }
  return problems;
}

/** A reply as text, with the fields that are not data (consumer seen/active times) blanked. */
export function replyText(r: Reply | null): string {
  if (r === null) return 'null';
  switch (r.k) {
    case Kind.Simple:
    case Kind.Bulk:
    case Kind.BigNumber:
      return JSON.stringify(r.s);
    case Kind.Error:
      return `ERR(${r.s})`;
    case Kind.Int:
      return String(r.n);
    case Kind.Double:
      return String(r.d);
    case Kind.Bool:
      return String(r.b);
    case Kind.Null:
    case Kind.NullArray:
      return 'nil';
    case Kind.Verbatim:
      return JSON.stringify(r.s);
    case Kind.Array:
    case Kind.Map:
    case Kind.Set:
    case Kind.Push: {
      const parts: string[] = [];
      for (let i = 0; i < r.items.length; i++) {
        const it = r.items[i]!;
        const isTimeKey = it.k === Kind.Bulk && (it.s === 'seen-time' || it.s === 'active-time');
        parts.push(replyText(it));
        if (isTimeKey && i + 1 < r.items.length) {
          parts.push('<time>');
          i++;
        }
      }
      return `[${parts.join(',')}]`;
    }
    case Kind.Raw:
      return r.bytes.toString('latin1');
    case Kind.Long:
      return replyText({ k: r.of, items: r.parts.flat() });
  }
}

/**
 * Every live key of every database: type, absolute expiry and value (hashes and sets
 * sorted; streams as XINFO STREAM FULL with every entry, group, PEL and consumer).
 * Must be taken with no sink attached (it reads through the dispatcher).
 */
export function dumpKeyspace(server: Server): string {
  const c = localClient(server);
  const lines: string[] = [];
  for (const db of server.dbs) {
    const keys = [...db.liveKeys()].sort();
    if (keys.length === 0) continue;
    c.call('SELECT', String(db.index));
    for (const key of keys) {
      const type = replyText(c.call('TYPE', key));
      const at = replyText(c.call('PEXPIRETIME', key));
      let value: string;
      switch (JSON.parse(type) as string) {
        case 'string':
          value = replyText(c.call('GET', key));
          break;
        case 'hash':
          value = sortedPairs(c.call('HGETALL', key));
          break;
        case 'list':
          value = replyText(c.call('LRANGE', key, '0', '-1'));
          break;
        case 'set':
          value = sortedItems(c.call('SMEMBERS', key));
          break;
        case 'zset':
          value = replyText(c.call('ZRANGE', key, '0', '-1', 'WITHSCORES'));
          break;
        case 'stream':
          value = replyText(c.call('XINFO', 'STREAM', key, 'FULL', 'COUNT', '0'));
          break;
        default:
          value = '?';
      }
      lines.push(`db${db.index} ${JSON.stringify(key)} ${type} expire=${at} ${value}`);
    }
  }
  return lines.join('\n');
}

function sortedItems(r: Reply | null): string {
  if (r === null || (r.k !== Kind.Array && r.k !== Kind.Set)) return replyText(r);
  return r.items.map((x) => replyText(x)).sort().join(',');
}

function sortedPairs(r: Reply | null): string {
  if (r === null || (r.k !== Kind.Array && r.k !== Kind.Map)) return replyText(r);
  const pairs: string[] = [];
  for (let i = 0; i + 1 < r.items.length; i += 2) pairs.push(`${replyText(r.items[i]!)}=${replyText(r.items[i + 1]!)}`);
  return pairs.sort().join(',');
}
