/**
 * Server-assisted client-side caching (Redis 7.2's tracking.c): which clients may hold
 * which keys in a local cache, and the invalidation messages they get when those keys
 * change, expire, are evicted or flushed.
 *
 * Two modes, as in Redis:
 *   - default: keys a tracking client reads (read-only commands, by their key specs) go
 *     in the tracking table, key → ids of clients; a write of the key sends each of them
 *     one invalidation and drops the key from the table. Ids are dropped lazily: a client
 *     that turns tracking off or disconnects keeps its ids in the table until the key is
 *     invalidated (Redis does the same, so that freeing a client never walks the table).
 *   - BCAST: clients subscribe to key prefixes; every modified key matching a prefix is
 *     collected during the turn of the event loop and broadcast at its end, one message
 *     per prefix (Redis's beforeSleep), keys in byte order.
 *
 * Messages: RESP3 clients get a `invalidate` push; a client redirecting (REDIRECT id) sends
 * them to that client instead — as a push when it speaks RESP3, as a `message` on the
 * `__redis__:invalidate` channel when it speaks RESP2 and is in Pub/Sub mode, otherwise
 * nowhere. A redirect target that went away marks the client broken (flag R) and a RESP3
 * client gets a `tracking-redir-broken` push instead. Invalidations for the client whose
 * command is running wait until its command (the whole EXEC) replied.
 *
 * Memory: the table holds at most `tracking-table-max-keys` keys (0 = no limit) once the
 * limit is enforced, before each command and on each cron tick; evicted keys are
 * invalidated so no client keeps a copy the server no longer watches.
 *
 * Invariants: `items` is the sum of the id-set sizes; a key is in the table only with a
 * non-empty id set; a prefix is in the prefix table only while a client subscribes to it;
 * `clientCount` counts clients whose tracking is on.
 */
import type { Client } from './client.js';
import { reply, type Reply } from '../protocol/reply.js';
import { BigMap } from '../types/big-map.js';
import type { CommandLookup } from '../command-model/command-data.js';

import { ClientTracking, type TrackingOptions } from './client-tracking.js';

/** What the tracking table needs of the server. */
export interface TrackingHost {
  clientById(id: number): Client | undefined;
  /**
   * An out-of-band message to the client's connection; with `afterReply`, a message to the
   * client whose command is running waits for that command's reply.
   */
  push(client: Client, r: Reply, afterReply: boolean): void;
  /** the client whose request is being served, if any (Redis's current_client) */
  current(): Client | null;
  /** a command's handler is running (Redis's CLIENT_EXECUTING_COMMAND) */
  executing(): boolean;
  /** every connected client, in connection order */
  clients(): Iterable<Client>;
  /** tracking-table-max-keys (0 = unlimited) */
  maxKeys(): number;
  /** runs `f` at the end of this turn of the event loop (Redis's beforeSleep); setImmediate when absent */
  atEndOfTurn?(f: () => void): void;
}

/** The server as the tracking table's host sees it (server.ts passes itself). */
export interface TrackingServerView {
  readonly connections: ReadonlyMap<number, { readonly client: Client; push(r: Reply, afterReply: boolean): void }>;
  readonly current: Client | null;
  readonly dispatcher: { readonly executing: boolean };
  readonly blocking: { readonly reexecuting: boolean };
  readonly config: { int(name: 'tracking-table-max-keys'): number };
}

/** The tracking host over the server's connections. */
export function trackingHost(server: TrackingServerView): TrackingHost {
  return {
    clientById: (id) => server.connections.get(id)?.client,
    push: (client, r, afterReply) => {
      const conn = server.connections.get(client.id);
      if (conn !== undefined && conn.client === client) conn.push(r, afterReply);
    },
    current: () => server.current,
    executing: () => server.dispatcher.executing || server.blocking.reexecuting,
    clients: () => [...server.connections.values()].map((conn) => conn.client),
    maxKeys: () => server.config.int('tracking-table-max-keys'),
  };
}

interface BroadcastState {
  /**
   * keys modified since the last broadcast → the client that last modified each (NOLOOP).
   * BigMap: one command (an MSET, a script, a FLUSHALL's keys) may touch more than 2^24.
   */
  readonly keys: BigMap<string, Client | null>;
  /** subscribed clients, in subscription order */
  readonly clients: Set<Client>;
}

const INVALIDATE = reply.bulk('invalidate');
const MESSAGE = reply.bulk('message');
const INVALIDATE_CHANNEL = reply.bulk('__redis__:invalidate');
const REDIR_BROKEN = reply.bulk('tracking-redir-broken');
/** "every key": the null Redis sends after a flush, in the tracking client's own protocol */
const FLUSH_NULL = { 2: reply.raw(Buffer.from('$-1\r\n')), 3: reply.raw(Buffer.from('_\r\n')) } as const;

/** Read-only commands whose keys are tracked through the commands they run instead (Redis's call()). */
const SCRIPT_RO = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);

/** Whether a command's keys are remembered for the tracking client that ran it. */
export function tracksKeysOf(cmd: { readonly name: string; readonly flags: readonly string[] }): boolean {
  // shard channels are "keys" of the pub/sub commands, not cached data
  return cmd.flags.includes('readonly') && !cmd.flags.includes('pubsub') && !SCRIPT_RO.has(cmd.name);
}

/**
 * Redis iterates a key's client ids in its radix tree, keyed by the id's 8 bytes in
 * memory (little-endian): ids ordered by their lowest byte first.
 */
function idOrder(a: number, b: number): number {
  for (let i = 0; i < 8; i++) {
    const x = a % 256;
    const y = b % 256;
    if (x !== y) return x - y;
    a = Math.floor(a / 256);
    b = Math.floor(b / 256);
  }
  return 0;
}

/** Per-entry costs of the table on the V8 heap (Redoubt's estimates: a map entry and its Set; a Set slot). */
const TRACKED_KEY_BYTES = 96;
const TRACKING_ID_BYTES = 16;

export class TrackingTable {
  /** key → ids of the clients that may cache it */
  private readonly keys = new BigMap<string, Set<number>>();
  /** total ids across the table (INFO tracking_total_items) */
  private items = 0;
  /** bytes of the tracked key names and BCAST prefixes (memoryBytes), kept as they come and go */
  private keyBytes = 0;
  private prefixBytes = 0;
  /** BCAST prefix → its pending keys and subscribers */
  private readonly prefixTable = new Map<string, BroadcastState>();
  /** clients with tracking on (INFO tracking_clients) */
  clientCount = 0;
  /** Redis creates its table when tracking is first enabled; before that, writes cost one test */
  private everEnabled = false;
  /** invalidations for the client whose command is running: sent once it replied (null = flush) */
  private pending: { client: Client; key: string | null }[] = [];
  private broadcastScheduled = false;
  /** consecutive limit passes that could not get under tracking-table-max-keys (effort grows) */
  private limitPasses = 0;
  /** set while a FLUSHDB/FLUSHALL empties databases: their keys get one null message instead */
  private flushing = false;

  constructor(private readonly host: TrackingHost) {}

  /** tracking_total_keys */
  get totalKeys(): number {
    return this.keys.size;
  }
  /** tracking_total_items */
  get totalItems(): number {
    return this.items;
  }
  /** tracking_total_prefixes */
  get totalPrefixes(): number {
    return this.prefixTable.size;
  }
  /**
   * What the table holds, counted in used_memory as Redis's allocator counts its tracking
   * rax: key names and prefixes, one entry per key or prefix, one id per client that may
   * cache a key. O(1): the byte counts are kept as entries come and go.
   */
  get memoryBytes(): number {
    return (
      this.keyBytes +
      this.keys.size * TRACKED_KEY_BYTES +
      this.items * TRACKING_ID_BYTES +
      this.prefixBytes +
      this.prefixTable.size * TRACKED_KEY_BYTES
    );
  }
  /** any client tracking: the per-command hooks have work to do */
  get active(): boolean {
    return this.clientCount > 0;
  }

  /**
   * CLIENT TRACKING ON (options already validated against the client's state). Turning it
   * on again replaces the options; BCAST prefixes accumulate.
   */
  enable(client: Client, redirect: number, opts: TrackingOptions, prefixes: readonly string[]): void {
    const t = (client.tracking ??= new ClientTracking());
    if (!t.on) this.clientCount++;
    t.on = true;
    t.brokenRedirect = false;
    t.redirect = redirect;
    this.everEnabled = true;
    t.bcast = opts.bcast;
    if (opts.bcast) {
      if (prefixes.length === 0) this.subscribePrefix(client, t, '');
      for (const p of prefixes) this.subscribePrefix(client, t, p);
    }
    t.optin = opts.optin;
    t.optout = opts.optout;
    t.noloop = opts.noloop;
  }

  private subscribePrefix(client: Client, t: ClientTracking, prefix: string): void {
    let bs = this.prefixTable.get(prefix);
    if (bs === undefined) {
      bs = { keys: new BigMap(), clients: new Set() };
      this.prefixTable.set(prefix, bs);
      this.prefixBytes += prefix.length;
    }
    if (bs.clients.has(client)) return;
    bs.clients.add(client);
    t.prefixes.push(prefix);
    t.prefixes.sort();
  }

  /** CLIENT TRACKING OFF, RESET, disconnection. The client's ids stay in the table (lazy). */
  disable(client: Client): void {
    const t = client.tracking;
    if (t === null || !t.on) return;
    if (t.bcast) {
      for (const p of t.prefixes) {
        const bs = this.prefixTable.get(p);
        if (bs === undefined) continue;
        bs.clients.delete(client);
        if (bs.clients.size === 0) {
          this.prefixTable.delete(p);
          this.prefixBytes -= p.length;
        }
      }
    }
    t.prefixes = [];
    this.clientCount--;
    t.on = false;
    t.brokenRedirect = t.bcast = t.optin = t.optout = t.caching = t.noloop = false;
  }

  /**
   * The first prefix of `prefixes` that overlaps one the client has or another given one
   * (either is a prefix of the other: both would invalidate the same keys), as the pair
   * Redis names in its error; null when none does.
   */
  prefixOverlap(client: Client, prefixes: readonly string[]): { prefix: string; other: string; existing: boolean } | null {
    const overlaps = (a: string, b: string) => (a.length <= b.length ? b.startsWith(a) : a.startsWith(b));
    const mine = client.tracking?.prefixes ?? [];
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i]!;
      for (const e of mine) if (overlaps(e, p)) return { prefix: p, other: e, existing: true };
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlaps(p, prefixes[j]!)) return { prefix: p, other: prefixes[j]!, existing: false };
      }
    }
    return null;
  }

  /**
   * After a read-only command: remembers its keys for `tracker` (the client whose request
   * ran it), unless OPTIN without CACHING YES, OPTOUT with CACHING NO, or BCAST.
   */
  rememberKeys(tracker: Client, keys: readonly string[]): void {
    const t = tracker.tracking;
    if (t === null || !t.on || t.bcast) return;
    if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
    const id = tracker.id;
    for (const key of keys) {
      let ids = this.keys.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.keys.set(key, ids);
        this.keyBytes += key.length;
      }
      if (!ids.has(id)) {
        ids.add(id);
        this.items++;
      }
    }
  }

  /**
   * A key changed (written, deleted, expired, evicted): Redis's trackingInvalidateKey.
   * `modifier` is the client that changed it (null for expiry and eviction), which a
   * NOLOOP BCAST client is not told about; `bcast` is false when the key did not really
   * change (the table's own eviction), so BCAST clients are not told either.
   */
  invalidateKey(key: string, modifier: Client | null, bcast: boolean): void {
    if (!this.everEnabled || this.flushing) return;
    if (bcast && this.prefixTable.size > 0) this.collectForBroadcast(key, modifier);
    const ids = this.keys.get(key);
    if (ids === undefined) return;
    this.keys.delete(key);
    this.keyBytes -= key.length;
    this.items -= ids.size;
    const current = this.host.current();
    // before the running client's command executes (a key evicted for it, the table's
    // limit), messages precede its reply; while it executes, they follow it
    const executing = this.host.executing();
    const order = ids.size > 1 ? [...ids].sort(idOrder) : ids;
    for (const id of order) {
      const target = this.host.clientById(id);
      const t = target?.tracking;
      // a client that switched to BCAST does not get its earlier keys' invalidations
      if (target === undefined || t === undefined || t === null || !t.on || t.bcast) continue;
      if (t.noloop && target === current) continue;
      if (target === current && executing) this.pending.push({ client: target, key });
      else this.send(target, reply.array([reply.bulk(key)]), executing);
    }
  }

  private collectForBroadcast(key: string, modifier: Client | null): void {
    for (const [prefix, bs] of this.prefixTable) {
      if (prefix.length > key.length || !key.startsWith(prefix)) continue;
      // re-inserting keeps the first position; the order is fixed (sorted) when sent
      bs.keys.set(key, modifier);
      if (!this.broadcastScheduled) {
        this.broadcastScheduled = true;
        const later = () => this.broadcast();
        if (this.host.atEndOfTurn !== undefined) this.host.atEndOfTurn(later);
        else setImmediate(later);
      }
    }
  }

  /**
   * FLUSHDB / FLUSHALL: `run` empties the databases; every tracking client then gets one
   * null invalidation ("all keys") instead of one per key, and the table is emptied.
   */
  flush(run: () => void): void {
    this.flushing = true;
    try {
      run();
    } finally {
      this.flushing = false;
    }
    if (this.clientCount > 0) {
      const current = this.host.current();
      for (const c of this.host.clients()) {
        const t = c.tracking;
        if (t === null || !t.on) continue;
        if (c === current) this.pending.push({ client: c, key: null });
        else this.send(c, FLUSH_NULL[c.resp], true);
      }
    }
    if (this.everEnabled) {
      this.keys.clear();
      this.keyBytes = 0;
      this.items = 0;
    }
  }

  /** After a request (a whole EXEC, not its parts): the invalidations held for its client, after its reply. */
  afterRequest(): void {
    if (this.pending.length > 0) this.sendPending();
  }

  /** Each cron tick: the limit applies even when idle (after CONFIG SET lowered it). */
  cron(): void {
    if (this.clientCount > 0) this.enforceLimit();
    if (this.pending.length > 0) this.sendPending();
  }

  private sendPending(): void {
    const list = this.pending;
    this.pending = [];
    for (const { client, key } of list) {
      this.send(client, key === null ? FLUSH_NULL[client.resp] : reply.array([reply.bulk(key)]), true);
    }
  }

  /**
   * tracking-table-max-keys: over the limit, keys are dropped (their clients invalidated,
   * as if the key changed) until it holds again, at most 100 × (failed passes + 1) keys per
   * pass as Redis's effort. Redis drops keys found by a random walk; Redoubt drops the
   * oldest tracked keys first (which keys go is not something clients can rely on).
   * Runs before each command (the dispatcher) and on each cron tick.
   */
  enforceLimit(): void {
    const max = this.host.maxKeys();
    if (max === 0 || this.keys.size <= max) {
      this.limitPasses = 0;
      return;
    }
    let effort = 100 * (this.limitPasses + 1);
    while (effort-- > 0) {
      const next = this.keys.keys().next();
      if (next.done === true) break;
      this.invalidateKey(next.value, null, false);
      if (this.keys.size <= max) {
        this.limitPasses = 0;
        return;
      }
    }
    this.limitPasses++;
  }

  /** End of the event-loop turn: each prefix's modified keys go to its subscribers. */
  private broadcast(): void {
    this.broadcastScheduled = false;
    if (this.clientCount === 0) {
      for (const bs of this.prefixTable.values()) bs.keys.clear();
      return;
    }
    const prefixes = [...this.prefixTable.keys()].sort();
    for (const prefix of prefixes) {
      const bs = this.prefixTable.get(prefix);
      if (bs === undefined || bs.keys.size === 0) continue;
      const keys = [...bs.keys.keys()].sort();
      const all = reply.array(keys.map((k) => reply.bulk(k)));
      for (const c of [...bs.clients]) {
        if (c.tracking?.noloop === true) {
          const mine = keys.filter((k) => bs.keys.get(k) !== c);
          if (mine.length > 0) this.send(c, mine.length === keys.length ? all : reply.array(mine.map((k) => reply.bulk(k))), false);
        } else this.send(c, all, false);
      }
      bs.keys.clear();
    }
  }

  /**
   * Redis's sendTrackingMessage: `keys` is the value part (an array of keys, or the flush
   * null); `afterReply` as TrackingHost.push.
   */
  private send(c: Client, keys: Reply, afterReply: boolean): void {
    const redirect = c.tracking?.redirect ?? 0;
    let target = c;
    if (redirect !== 0) {
      const redir = this.host.clientById(redirect);
      if (redir === undefined) {
        if (c.tracking !== null) c.tracking.brokenRedirect = true;
        if (c.resp === 3) this.host.push(c, reply.push([REDIR_BROKEN, reply.int(redirect)]), afterReply);
        return;
      }
      target = redir;
    }
    if (target.resp === 3) this.host.push(target, reply.push([INVALIDATE, keys]), afterReply);
    // RESP2 has no pushes: only a redirect target in Pub/Sub mode can take them, as messages
    else if (redirect !== 0 && target.inPubSub) this.host.push(target, reply.push([MESSAGE, INVALIDATE_CHANNEL, keys]), afterReply);
  }

}

/**
 * After each request of a client that gave CLIENT CACHING: the flag lasts for the next
 * command only (a whole MULTI … EXEC when given before it). Redis clears it in resetClient
 * unless the client is in MULTI or the request was a CLIENT subcommand (any of them).
 */
export function cachingAfterRequest(client: Client, table: CommandLookup, argv: readonly string[]): void {
  const t = client.tracking;
  if (t === null || !t.caching || client.multi !== null) return;
  const cmd = table.lookup(argv[0]!);
  const clientSubcommand = cmd !== undefined && cmd.name === 'client' && argv.length >= 2 && cmd.subcommandMap?.has(argv[1]!.toLowerCase()) === true;
  if (!clientSubcommand) t.caching = false;
}
