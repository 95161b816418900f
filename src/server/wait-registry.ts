/**
 * WAIT and WAITAOF's server side (Redis 7.2 replication.c waitCommand / waitaofCommand,
 * processClientsWaitingReplicas): which writes a client made, what was acknowledged, and
 * the clients blocked until enough was.
 *
 * Offsets are the write feed's (Propagator.offset, Redis's master_repl_offset counted in
 * commands): a client's `woff` is the offset right after its last command that
 * propagated something, set when that command's unit reaches the feed.
 *
 *  - local fsync (WAITAOF numlocal): -1 while the AOF is off; 0 while the AOF is being
 *    switched on and its first rewrite has not completed (Redis's AOF_WAIT_REWRITE);
 *    otherwise the feed's offset minus the commands no completed fsync covers yet;
 *  - replica acknowledgements come from a `ReplicaAcks` source. Until replication exists
 *    the source is `noReplicas` (always 0); the replication layer attaches its own with
 *    `attachReplicas` and calls `recheck()` whenever an ACK arrives.
 *
 * A WAIT/WAITAOF that must wait blocks its client through the blocking registry (so
 * INFO blocked_clients, CLIENT UNBLOCK, timeouts and disconnects behave as for BLPOP):
 * the server goes on serving. Waiters are looked at again after every fsync that covers
 * more commands, after every ACK (`recheck`), and, while WAITAOF waiters exist, every
 * 100 ms (which also catches the AOF being switched off under them).
 */
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import type { BlockRequest, BlockingService, WaitService } from '../command-context/services.js';
import type { CommandContext } from '../command-context/context.js';
import type { Client } from './client.js';
import type { Propagator } from '../persistence/propagator.js';

/** What the replication layer will provide: the acknowledgements of connected replicas. */
export interface ReplicaAcks {
  /** this server replicates another one (WAIT and WAITAOF are refused there) */
  readonly isReplica: boolean;
  /** replicas that acknowledged the feed up to `offset` (REPLCONF ACK) */
  countAcks(offset: number): number;
  /** replicas whose AOF fsynced the feed up to `offset` (REPLCONF ACK … FACK) */
  countAofAcks(offset: number): number;
  /** asks every replica for an acknowledgement soon (REPLCONF GETACK) */
  requestAcks(): void;
}

/** No replicas attached (replication plugs its own in with attachReplicas): nothing is ever acknowledged. */
export const noReplicas: ReplicaAcks = {
  isReplica: false,
  countAcks: () => 0,
  countAofAcks: () => 0,
  requestAcks: () => {},
};

/** What the registry reads of the AOF (null while it is off). */
export interface LocalAof {
  readonly unsyncedCommands: number;
  readonly waitingForFirstRewrite: boolean;
  onDurable: (() => void) | null;
}

/** The server state the registry needs, read lazily. */
export interface WaitHost {
  readonly propagator: Propagator;
  readonly blocking: BlockingService;
  /** the client whose command is running (null in cron work) */
  readonly current: Client | null;
  aof(): LocalAof | null;
}

interface Waiter {
  req: BlockRequest;
  offset: number;
  numreplicas: number;
  /** WAITAOF only: 0 or 1; -1 for WAIT */
  numlocal: number;
}

const POLL_MS = 100;

export class WaitRegistry implements WaitService {
  private replicas: ReplicaAcks = noReplicas;
  private readonly waiters = new Set<Waiter>();
  private poll: NodeJS.Timeout | null = null;

  constructor(private readonly host: WaitHost) {
    // Redis's call(): a command whose execution propagated something records the offset
    host.propagator.onUnit = () => {
      const c = host.current;
      if (c !== null) c.woff = host.propagator.offset;
    };
  }

  /** The replication layer's acknowledgements replace `noReplicas`. */
  attachReplicas(source: ReplicaAcks): void {
    this.replicas = source;
    this.recheck();
  }

  get isReplica(): boolean {
    return this.replicas.isReplica;
  }

  get aofEnabled(): boolean {
    return this.host.aof() !== null;
  }

  /** Redis's server.fsynced_reploff. */
  private fsyncedOffset(): number {
    const aof = this.host.aof();
    if (aof === null) return -1;
    if (aof.waitingForFirstRewrite) return 0;
    return this.host.propagator.offset - aof.unsyncedCommands;
  }

  /** WAIT numreplicas: the count now, or null when the client was blocked. */
  wait(ctx: CommandContext, numreplicas: number, deadline: number): Reply | null {
    const offset = ctx.client.woff;
    const acks = this.replicas.countAcks(offset);
    const now = reply.int(acks);
    // a client that may not block (MULTI, scripts) gets the count at once, as Redis
    if (acks >= numreplicas || ctx.client.inExec) return now;
    const w: Waiter = { req: null!, offset, numreplicas, numlocal: -1 };
    w.req = this.request(w, deadline, now);
    const r = ctx.services.keyspace.blocking.block(ctx, w.req);
    if (r !== null) return r;
    this.waiters.add(w);
    this.replicas.requestAcks();
    return null;
  }

  /** WAITAOF numlocal numreplicas (checked by the handler): the reply now, or null when blocked. */
  waitAof(ctx: CommandContext, numlocal: number, numreplicas: number, deadline: number): Reply | null {
    const offset = ctx.client.woff;
    const acks = this.replicas.countAofAcks(offset);
    const local = this.fsyncedOffset() >= offset ? 1 : 0;
    const now = aofReply(local, acks);
    if ((acks >= numreplicas && local >= numlocal) || ctx.client.inExec) return now;
    const w: Waiter = { req: null!, offset, numreplicas, numlocal };
    w.req = this.request(w, deadline, now);
    const r = ctx.services.keyspace.blocking.block(ctx, w.req);
    if (r !== null) return r;
    this.waiters.add(w);
    this.watchAof();
    this.replicas.requestAcks();
    return null;
  }

  private request(w: Waiter, deadline: number, denied: Reply): BlockRequest {
    return {
      argv: [],
      keys: [],
      type: 'string',
      deadline,
      timeoutReply: denied,
      deniedReply: denied,
      // the reply on timeout is the count at that moment (replyToBlockedClientTimedOut)
      onTimeout: () => (w.numlocal < 0 ? reply.int(this.replicas.countAcks(w.offset)) : aofReply(this.fsyncedOffset() >= w.offset ? 1 : 0, this.replicas.countAofAcks(w.offset))),
      onEnd: () => {
        this.waiters.delete(w);
        if (this.waiters.size === 0) this.stopPolling();
      },
    };
  }

  /** Answers every waiter whose wait is satisfied now (processClientsWaitingReplicas). */
  recheck(): void {
    if (this.waiters.size === 0) return;
    const fsynced = this.fsyncedOffset();
    for (const w of [...this.waiters]) {
      let r: Reply | null = null;
      if (w.numlocal < 0) {
        const acks = this.replicas.countAcks(w.offset);
        if (acks >= w.numreplicas) r = reply.int(acks);
      } else if (w.numlocal > 0 && fsynced === -1) {
        // the AOF was switched off under the waiter
        r = reply.error(errors.waitAofAppendOnlyOff);
      } else {
        const acks = this.replicas.countAofAcks(w.offset);
        const local = fsynced >= w.offset ? 1 : 0;
        if (acks >= w.numreplicas && local >= w.numlocal) r = aofReply(local, acks);
      }
      if (r === null) continue;
      this.waiters.delete(w);
      this.host.blocking.resolve(w.req, r);
    }
    if (this.waiters.size === 0) this.stopPolling();
  }

  /** While WAITAOF waiters exist: told of each fsync, and a slow poll for the rest. */
  private watchAof(): void {
    const aof = this.host.aof();
    if (aof !== null) aof.onDurable = () => this.recheck();
    if (this.poll !== null) return;
    this.poll = setInterval(() => {
      const current = this.host.aof();
      if (current !== null && current.onDurable === null) current.onDurable = () => this.recheck();
      this.recheck();
    }, POLL_MS);
    this.poll.unref();
  }

  private stopPolling(): void {
    if (this.poll === null) return;
    clearInterval(this.poll);
    this.poll = null;
  }
}

function aofReply(local: number, replicas: number): Reply {
  return reply.array([reply.int(local), reply.int(replicas)]);
}
