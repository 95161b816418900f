/**
 * Client eviction (`maxmemory-clients`, Redis 7.2's evictClients): when the memory that
 * normal and pub/sub clients use together reaches the limit, the clients using the most
 * are disconnected, largest first, until the total is under it again. A client that floods
 * its query buffer, queues a huge transaction, subscribes without end or leaves its replies
 * unread is closed instead of growing the server.
 *
 * What a client uses (clientMemoryUsage) is the sum Redis's getClientMemoryUsage takes, in
 * Redoubt's own units: the client's fixed part, the input buffers' capacity, the arguments
 * of a command being read or run, the reply buffer's capacity, the output the socket still
 * queues, the MULTI queue and watched keys, subscriptions and BCAST prefixes. Every part is
 * an O(1) read of a counter kept as it changes: measuring a client never walks anything.
 *
 * Contract:
 *  - `update(c)` re-measures one client, moves it between the per-class totals and, when it
 *    may be evicted (limit on, not CLIENT NO-EVICT, a normal or pub/sub client), into the
 *    bucket of its size (log2, as Redis's 2^15..2^33 buckets). The connection calls it after
 *    each batch of input, after queueing a push, after a write completes; the cron for every
 *    client. `forget(c)` when the connection closes.
 *  - `evict()` runs only at a safe point (between commands: the end of a batch of input, the
 *    cron, a scheduled callback), never inside a command that may be iterating clients; a
 *    push that crosses the limit only schedules it (`evictSoon`).
 *  - The total compared with the limit includes clients that may not be evicted (Redis
 *    counts them too); only bucketed clients are candidates.
 */
import type { Client } from './client.js';

/** What eviction needs of the server. */
export interface ClientEvictionHost {
  readonly stats: { evictedClients: number };
  readonly logger: { notice(msg: string): void; warning(msg: string): void };
  /** maxmemory in bytes (0 = none): a percentage limit is a share of it */
  maxmemory(): number;
  /** a CLIENT LIST line for the log */
  describe(c: Client): string;
  /** every connected client (a limit switched on measures them all) */
  clients(): Iterable<Client>;
}

/**
 * Per-part sizes, Redoubt's estimates of what each structure costs on the V8 heap (Redis
 * uses its struct sizes the same way: `sizeof(robj*)` per argument, a list node and a
 * watchedKey per watched key, a dict entry per subscription).
 */
const CLIENT_FIXED_BYTES = 2048;
const ARG_POINTER_BYTES = 8;
const QUEUED_COMMAND_BYTES = 32;
const WATCHED_KEY_BYTES = 56;
const SUBSCRIPTION_BYTES = 48;
const TRACKING_PREFIX_BYTES = 64;
const QUEUED_WRITE_BYTES = 64;

/** Redis's bounds: buckets from "up to 32 KiB" (2^15) to "above 4 GiB" (2^33). */
const BUCKET_MIN_LOG = 15;
const BUCKET_MAX_LOG = 33;
const BUCKETS = 1 + BUCKET_MAX_LOG - BUCKET_MIN_LOG;
/** Redis never lets the limit go below 128 KiB, so a bad setting cannot cut off every client. */
const MIN_LIMIT = 128 * 1024;

/** Bytes of the arguments of a command (`argv-mem`, Redis's argv_len_sum). */
export function argvBytes(argv: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < argv.length; i++) n += argv[i]!.length;
  return n;
}

/** `multi-mem`: queued commands and watched keys (Redis's multiStateMemOverhead). */
export function multiMemory(c: Client): number {
  const queued = c.multi === null ? 0 : c.multiArgvBytes + c.multi.length * QUEUED_COMMAND_BYTES;
  return queued + c.watchedKeys * WATCHED_KEY_BYTES;
}

/** `omem`: output handed to the socket and not yet written to the kernel. */
export function outputMemory(c: Client): number {
  // a write the kernel already took holds nothing, though its completion is still to come
  // (Redis writes synchronously: a small reply never shows up in its client's memory). A
  // 64-byte charge for it made the caller of CONFIG SET maxmemory-clients weigh more at the
  // eviction point than its own CLIENT LIST showed, so one client too many went.
  const queued = c.socketQueuedBytes();
  return queued === 0 ? 0 : queued + c.pendingWrites() * QUEUED_WRITE_BYTES;
}

/**
 * `tot-mem`: everything the client uses. `currentArgv` is the command being run when `c`
 * is the caller (its arguments are held until the command ends).
 */
export function clientMemoryUsage(c: Client, currentArgv: readonly string[] | null = null): number {
  const argv =
    currentArgv !== null
      ? argvBytes(currentArgv) + currentArgv.length * ARG_POINTER_BYTES
      : c.partialArgvBytes() + c.partialArgvCount() * ARG_POINTER_BYTES;
  const subscriptions = c.subscriptionCount() + c.patternSubscriptionCount() + c.shardSubscriptionCount();
  const t = c.tracking;
  const prefixes = t === null ? 0 : t.prefixes.length;
  return (
    CLIENT_FIXED_BYTES +
    c.queryBufferAllocated() +
    argv +
    c.replyBufferSize() +
    outputMemory(c) +
    multiMemory(c) +
    subscriptions * SUBSCRIPTION_BYTES +
    prefixes * TRACKING_PREFIX_BYTES
  );
}

/** The bucket of a client using `mem` bytes: its bit length, clamped to Redis's range. */
function bucketOf(mem: number): number {
  const bits = mem < 0x100000000 ? 32 - Math.clz32(mem) : Math.floor(Math.log2(mem)) + 1;
  return Math.min(BUCKET_MAX_LOG, Math.max(BUCKET_MIN_LOG, bits)) - BUCKET_MIN_LOG;
}

export class ClientEviction {
  /** maxmemory-clients as set: bytes, or minus a percentage of maxmemory (0 = off) */
  private configured = 0;
  /** evictable clients by size; a Set keeps the order they entered (Redis's list tail) */
  private readonly buckets: Set<Client>[] = Array.from({ length: BUCKETS }, () => new Set<Client>());
  /** memory of normal and pub/sub clients (what the limit bounds; INFO mem_clients_normal) */
  normalTotal = 0;
  /** memory of master and replica links */
  otherTotal = 0;
  private evictScheduled = false;
  /** "over the limit with nothing left to evict" is logged once per episode, not per batch */
  private overWarned = false;

  constructor(private readonly host: ClientEvictionHost) {}

  /** CONFIG SET maxmemory-clients (its value as the store keeps it: bytes or `N%`). */
  configure(value: string): void {
    this.configured = value.endsWith('%') ? -Number(value.slice(0, -1)) : Number(value);
    this.reconcile();
  }

  /** Whether eviction is on (clients are then bucketed). */
  get enabled(): boolean {
    return this.configured !== 0;
  }

  /** The limit in bytes now, or 0 when off (Redis's getClientEvictionLimit). */
  limit(): number {
    let bytes: number;
    if (this.configured < 0) {
      const max = this.host.maxmemory();
      if (max <= 0) return 0;
      bytes = Math.floor((max * -this.configured) / 100);
    } else if (this.configured > 0) {
      bytes = this.configured;
    } else {
      return 0;
    }
    return Math.max(bytes, MIN_LIMIT);
  }

  /** Re-measures one client and files it (O(1)). */
  update(c: Client): void {
    const mem = clientMemoryUsage(c);
    if (c.memClass === 1) this.normalTotal -= c.memUsage;
    else if (c.memClass === 2) this.otherTotal -= c.memUsage;
    const cls = c.role === 'normal' ? 1 : 2;
    if (cls === 1) this.normalTotal += mem;
    else this.otherTotal += mem;
    c.memClass = cls;
    c.memUsage = mem;
    if (this.configured === 0 || c.noEvict || cls !== 1) {
      this.unbucket(c);
      return;
    }
    const b = bucketOf(mem);
    if (b === c.memBucket) return;
    this.unbucket(c);
    this.buckets[b]!.add(c);
    c.memBucket = b;
  }

  /** A closed connection leaves the totals and its bucket. */
  forget(c: Client): void {
    if (c.memClass === 1) this.normalTotal -= c.memUsage;
    else if (c.memClass === 2) this.otherTotal -= c.memUsage;
    c.memClass = 0;
    c.memUsage = 0;
    this.unbucket(c);
  }

  private unbucket(c: Client): void {
    if (c.memBucket === -1) return;
    this.buckets[c.memBucket]!.delete(c);
    c.memBucket = -1;
  }

  /** Whether the clients' total has reached the limit (a cheap check for the hot path). */
  over(): boolean {
    if (this.configured === 0) return false;
    const limit = this.limit();
    return limit > 0 && this.normalTotal >= limit;
  }

  /** Over the limit after a push: evict once the current command is over. */
  evictSoon(): void {
    if (this.evictScheduled || !this.over()) return;
    this.evictScheduled = true;
    setImmediate(() => {
      this.evictScheduled = false;
      this.evict();
    });
  }

  /** Disconnects the largest evictable clients until the total is under the limit. */
  evict(): void {
    if (this.configured === 0) return;
    const limit = this.limit();
    if (limit === 0 || this.normalTotal < limit) {
      this.overWarned = false;
      return;
    }
    let b = BUCKETS - 1;
    while (this.normalTotal >= limit) {
      const next = this.buckets[b]!.values().next();
      if (next.done === true) {
        if (--b >= 0) continue;
        if (!this.overWarned) this.host.logger.warning('Over client maxmemory after evicting all evictable clients');
        this.overWarned = true;
        return;
      }
      const c = next.value;
      this.host.logger.notice(`Evicting client: ${this.host.describe(c)}`);
      this.host.stats.evictedClients++;
      // out of the totals first: the loop progresses whatever closing the connection does
      this.forget(c);
      c.kill();
    }
    this.overWarned = false;
  }

  /** The limit was switched on, off or changed: every client is measured and filed again. */
  private reconcile(): void {
    for (const c of this.host.clients()) this.update(c);
  }
}
