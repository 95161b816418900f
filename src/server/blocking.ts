/**
 * Clients blocked on keys (BLPOP, BLMOVE, BLMPOP; later BZPOPMIN/BZMPOP and XREAD BLOCK),
 * modelled on Redis 7.2's blocked.c:
 *
 *  - a blocking command that finds nothing to serve calls `block()`: the client waits on
 *    its keys (per database, FIFO per key), with an optional deadline, and reads no more
 *    of its pipelined input until it is unblocked;
 *  - any change to a key that has waiters marks it "ready" (a superset of Redis's
 *    signalKeyAsReady: the serve step re-checks the key's type anyway);
 *  - after the writing command completes (after the whole EXEC for a transaction), ready
 *    keys are handled in the order they became ready; for each, its waiters in FIFO
 *    order are served while the key holds a value of the type they wait for (or, for
 *    waiters that unblock when the key goes, whatever happens to it);
 *  - serving re-executes the waiting command, as 7.2 does: it may find its data on
 *    another of its keys, fail (WRONGTYPE), or block again at the back of the queues
 *    with its original deadline. Keys made ready while serving (BLMOVE's push into its
 *    destination) are handled in the same pass;
 *  - on timeout or CLIENT UNBLOCK … TIMEOUT the client gets its command's timeout reply;
 *    CLIENT UNBLOCK … ERROR answers -UNBLOCKED; a disconnected client is forgotten.
 * Commands run inside EXEC never block (`ctx.client.inExec`): they answer as on timeout.
 */
import { CommandError, errors } from '../errors.js';
import { Kind, reply, type Reply } from '../protocol/reply.js';
import type { Command } from '../command-context/command-spec.js';
import type { CommandContext } from '../command-context/context.js';
import type { ValueType } from '../keyspace/value-types.js';
import type { Client } from './client.js';
import type { BlockRequest } from '../command-context/services.js';

export type { BlockRequest };
import type { Clock } from '../keyspace/clock.js';
import type { Database } from '../keyspace/database.js';
import type { Dispatcher } from '../commands/dispatcher.js';
import type { Propagator } from '../persistence/propagator.js';
import type { Connection } from './connection.js';
import type { InfoRegistry } from './info-registry.js';
import type { Logger } from './logger.js';
import type { SlowLog, SlowLogHost } from './slowlog.js';
import type { ServerStats } from './stats.js';

/** What the registry reaches in the server (server/server.ts) to serve a blocked client. */
export interface BlockingHost extends SlowLogHost {
  readonly info: InfoRegistry;
  readonly slowlog: SlowLog;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stats: ServerStats;
  readonly dbs: readonly Database[];
  readonly dispatcher: Dispatcher;
  readonly propagator: Propagator;
  readonly scripts: { readonly suspended: boolean };
  /** a running snapshot's copy-on-write hook (the keys a served command writes are preserved first) */
  readonly keyWriteHook: ((db: Database, key: string) => void) | null;
  /** the client whose command is executing */
  current: Client | null;
  clientById(id: number): Connection | undefined;
  countError(r: Reply): void;
  updateTime(): void;
  preserveKeys(dbIndex: number, cmd: Command, argv: string[]): void;
}
import { BigMap, BigSet } from '../types/big-map.js';
import { internalErrorLog } from './internal-error-log.js';

/** The longest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the registry needs from a connection. */
export interface BlockableConnection {
  readonly client: Client;
  readonly ctx: CommandContext;
  /** writes the reply of the unblocked command, then resumes reading pipelined input */
  unblocked(r: Reply | null): void;
}


interface Waiter {
  conn: BlockableConnection;
  cmd: Command;
  argv: string[];
  dbIndex: number;
  keys: string[];
  type: ValueType;
  deadline: number;
  timeoutReply: Reply;
  unblockOnNoKey: boolean;
  serve: ((readyKey: string) => Reply | null) | null;
  timer: NodeJS.Timeout | null;
  /** the request that blocked the client (identity for resolve, hooks) */
  req: BlockRequest;
  /** time the command has run so far (its first call, re-executions), not the wait: what
   * the slow log records once it is answered (as Redis 7.2, not when it blocks) */
  usec: number;
}

export class BlockingRegistry {
  /** per database: key → waiters in FIFO order */
  private readonly byKey = new Map<number, BigMap<string, Waiter[]>>();
  private readonly byClient = new Map<number, Waiter>();
  private ready: { db: number; key: string }[] = [];
  private readonly readySet = new BigSet<string>();
  /** the waiter whose command is being re-executed (keeps its deadline if it blocks again) */
  private reprocessing: Waiter | null = null;

  /** A blocked client's command is being re-executed now (it is Redis's executing client). */
  get reexecuting(): boolean {
    return this.reprocessing !== null;
  }
  private serving = false;

  constructor(private readonly server: BlockingHost) {
    server.info.register('clients', () => this.infoFields());
  }

  /** Number of blocked clients. */
  get size(): number {
    return this.byClient.size;
  }

  /**
   * Blocks the calling client (the handler then returns null: no reply yet). Inside EXEC
   * (or for a client without a connection) blocking is refused: the timeout reply is
   * returned at once.
   */
  block(ctx: CommandContext, req: BlockRequest): Reply | null {
    const client = ctx.client;
    if (client.inExec) return req.deniedReply ?? req.timeoutReply;
    const conn = this.server.clientById(client.id);
    if (conn === undefined) return req.deniedReply ?? req.timeoutReply;
    const previous = this.reprocessing !== null && this.reprocessing.conn.client === client ? this.reprocessing : null;
    const keys = [...new BigSet<string>().addAll(req.keys)];
    const w: Waiter = {
      conn,
      cmd: ctx.command,
      argv: previous?.argv ?? req.argv,
      dbIndex: client.dbIndex,
      keys,
      type: req.type,
      deadline: previous?.deadline ?? req.deadline,
      timeoutReply: req.timeoutReply,
      unblockOnNoKey: req.unblockOnNoKey === true,
      serve: req.serve ?? null,
      timer: null,
      req: previous?.req ?? req,
      usec: previous?.usec ?? 0,
    };
    this.enqueue(w);
    return null;
  }

  /** Puts a waiter at the back of its keys' queues and arms its deadline. */
  private enqueue(w: Waiter): void {
    let perDb = this.byKey.get(w.dbIndex);
    if (perDb === undefined) this.byKey.set(w.dbIndex, (perDb = new BigMap()));
    for (const k of w.keys) {
      const q = perDb.get(k);
      if (q === undefined) perDb.set(k, [w]);
      else q.push(w);
    }
    this.byClient.set(w.conn.client.id, w);
    w.conn.client.blocked = true;
    if (w.deadline > 0) this.arm(w);
  }

  /** The blocking call's own run time (command-stats.ts: it is not logged when it blocks). */
  addDuration(clientId: number, usec: number): void {
    const w = this.byClient.get(clientId);
    if (w !== undefined) w.usec += usec;
  }

  /** The slow log's entry for a command answered after blocking. */
  private logAnswered(w: Waiter): void {
    this.server.slowlog.maybeRecord(this.server, w.conn.client, w.cmd, w.argv, w.usec);
  }

  /** Times the wait out at its deadline (re-armed in steps setTimeout can take). */
  private arm(w: Waiter): void {
    const wait = Math.min(MAX_TIMER_MS, Math.max(this.server.scripts.suspended ? 10 : 0, w.deadline - this.server.clock.now()));
    w.timer = setTimeout(() => {
      w.timer = null;
      if (this.byClient.get(w.conn.client.id) !== w) return;
      // no timeout reply (and no pipelined input after it) while a script is paused
      if (this.server.clock.now() < w.deadline || this.server.scripts.suspended) {
        this.arm(w);
        return;
      }
      this.remove(w);
      const r = this.timeoutReplyOf(w);
      this.ended(w);
      this.logAnswered(w);
      w.conn.unblocked(r);
    }, wait);
    w.timer.unref();
  }

  private timeoutReplyOf(w: Waiter): Reply {
    return w.req.onTimeout !== undefined ? w.req.onTimeout() : w.timeoutReply;
  }

  /** The wait is over for good (not re-queued): its owner's end hook runs. */
  private ended(w: Waiter): void {
    const hook = w.req.onEnd;
    if (hook === undefined) return;
    try {
      hook();
    } catch (e) {
      internalErrorLog(this.server.logger).report(`ending the wait of '${w.cmd.fullName}'`, e);
    }
  }

  private remove(w: Waiter): void {
    if (w.timer !== null) clearTimeout(w.timer);
    w.timer = null;
    this.byClient.delete(w.conn.client.id);
    w.conn.client.blocked = false;
    const perDb = this.byKey.get(w.dbIndex);
    if (perDb === undefined) return;
    for (const k of w.keys) {
      const q = perDb.get(k);
      if (q === undefined) continue;
      const i = q.indexOf(w);
      if (i !== -1) q.splice(i, 1);
      if (q.length === 0) perDb.delete(k);
    }
  }

  /** A key changed: if anyone waits on it, it is ready to be looked at after the command. */
  signal(dbIndex: number, key: string): void {
    const perDb = this.byKey.get(dbIndex);
    if (perDb === undefined || !perDb.has(key)) return;
    const id = `${dbIndex}:${key}`;
    if (this.readySet.has(id)) return;
    this.readySet.add(id);
    this.ready.push({ db: dbIndex, key });
  }

  /** Every waited-on key of a database is ready (SWAPDB changed all of them at once). */
  signalDatabase(dbIndex: number): void {
    const perDb = this.byKey.get(dbIndex);
    if (perDb === undefined) return;
    for (const key of [...perDb.keys()]) this.signal(dbIndex, key);
  }

  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  /** Serves waiters of the ready keys (handleClientsBlockedOnKeys). */
  handleReady(): void {
    // not while a script is paused: a command allowed while busy (HELLO, CLIENT …) must
    // not serve a client with what the unfinished script pushed; the script's own end
    // serves them (Redis's "Timedout scripts and unblocked command")
    if (this.serving || this.server.scripts.suspended) return;
    this.serving = true;
    const prevCurrent = this.server.current;
    try {
      while (this.ready.length > 0) {
        const batch = this.ready;
        this.ready = [];
        this.readySet.clear();
        for (const { db, key } of batch) {
          const q = this.byKey.get(db)?.get(key);
          if (q === undefined) continue;
          for (const w of q.slice()) {
            if (this.byClient.get(w.conn.client.id) !== w) continue;
            // as Redis: looking does not expire the key (a waiter on an expired key stays blocked)
            const e = this.server.dbs[db]?.peekNoEffects(key);
            if ((e !== undefined && e.v.type === w.type) || w.unblockOnNoKey) this.serve(w, key);
          }
        }
      }
    } finally {
      this.serving = false;
      this.server.current = prevCurrent;
    }
  }

  /** Re-executes the waiter's command; it answers, or blocks again (keeping its deadline). */
  private serve(w: Waiter, readyKey: string): void {
    this.remove(w);
    const ctx = w.conn.ctx;
    this.server.current = w.conn.client;
    // As Redis 7.2 reprocesses a blocked command through processCommand: the ACL is checked
    // again, so a user whose permissions were taken away while it waited gets NOPERM, not
    // the data. The command never ran: a rejected call, not a call (counted when it blocked).
    const check = this.server.dispatcher.aclCheck;
    const denied = check === null ? null : check(ctx, w.cmd, w.argv);
    if (denied !== null) {
      this.ended(w);
      w.cmd.stats.calls--;
      w.cmd.stats.usec -= Math.min(w.usec, w.cmd.stats.usec);
      w.cmd.stats.rejectedCalls++;
      this.server.countError(denied);
      w.conn.unblocked(denied);
      return;
    }
    this.reprocessing = w;
    // a served client's command is its own unit of the write feed, in its own database
    const prop = this.server.propagator;
    const propagating = prop.sink !== null;
    if (propagating) prop.begin(this.server.stats.dirty);
    let out: Reply | null;
    const started = performance.now();
    try {
      ctx.command = w.cmd;
      // re-executed as a command of its own, at its own time (Redis's call() takes a new
      // command time): a key that expired during the command that made it ready (EXEC with
      // a DEBUG SLEEP, a long script) is found expired here, deleted, and the waiter blocks again
      this.server.updateTime();
      if (this.server.keyWriteHook !== null) this.server.preserveKeys(w.dbIndex, w.cmd, w.argv);
      if (w.serve !== null) {
        out = w.serve(readyKey);
        if (out === null) {
          this.enqueue(w);
          return;
        }
      } else out = w.cmd.run!(ctx, w.argv);
    } catch (e) {
      if (e instanceof CommandError) out = reply.error(e.reply);
      else {
        internalErrorLog(this.server.logger).report(`serving blocked '${w.cmd.fullName}'`, e);
        out = reply.error(errors.internal);
      }
    } finally {
      this.reprocessing = null;
      if (propagating) prop.end(w.dbIndex, w.argv, this.server.stats.dirty);
      // blocked again: block() made a new waiter that carried w.usec; add to whichever holds it
      const usec = Math.round((performance.now() - started) * 1000);
      if (this.byClient.get(w.conn.client.id) === undefined) w.usec += usec;
      else this.addDuration(w.conn.client.id, usec);
    }
    if (w.conn.client.blocked) return;
    this.ended(w);
    this.logAnswered(w);
    if (out !== null && out.k === Kind.Error) {
      // the command's call was counted when it blocked; its failure counts now (as 7.2)
      w.cmd.stats.failedCalls++;
      this.server.countError(out);
    }
    w.conn.unblocked(out);
  }

  /**
   * Answers the client blocked by `req` now (WAIT satisfied, MIGRATE done). A function
   * answer runs as the client's command (its database, its own unit of the write feed,
   * with the command's argv as the default propagated form), like a served waiter.
   */
  resolve(req: BlockRequest, answer: Reply | (() => Reply)): boolean {
    let w: Waiter | undefined;
    for (const candidate of this.byClient.values()) {
      if (candidate.req === req) {
        w = candidate;
        break;
      }
    }
    if (w === undefined) return false;
    this.remove(w);
    this.ended(w);
    const r = typeof answer === 'function' ? this.runAs(w, answer) : answer;
    if (r.k === Kind.Error) {
      w.cmd.stats.failedCalls++;
      this.server.countError(r);
    }
    this.logAnswered(w);
    w.conn.unblocked(r);
    // what the answer changed may serve clients blocked on keys (after a command, the
    // dispatcher does this itself)
    if (this.hasReady && this.server.current === null) this.handleReady();
    return true;
  }

  /** Runs `fn` as the waiter's command, outside any other command (resolve). */
  private runAs(w: Waiter, fn: () => Reply): Reply {
    const server = this.server;
    const prevCurrent = server.current;
    server.current = w.conn.client;
    server.updateTime();
    const prop = server.propagator;
    const propagating = prop.sink !== null;
    if (propagating) prop.begin(server.stats.dirty);
    try {
      w.conn.ctx.command = w.cmd;
      if (server.keyWriteHook !== null) server.preserveKeys(w.dbIndex, w.cmd, w.argv);
      return fn();
    } catch (e) {
      if (e instanceof CommandError) return reply.error(e.reply);
      internalErrorLog(server.logger).report(`answering blocked '${w.cmd.fullName}'`, e);
      return reply.error(errors.internal);
    } finally {
      if (propagating) prop.end(w.dbIndex, w.argv, server.stats.dirty);
      server.current = prevCurrent;
    }
  }

  /** CLIENT UNBLOCK: true if the client was blocked (on keys, or in WAIT) and is now answered. */
  unblock(clientId: number, withError: boolean): boolean {
    const w = this.byClient.get(clientId);
    if (w === undefined || w.req.unblockable === false) return false;
    this.remove(w);
    const r = withError ? reply.error(errors.unblocked) : this.timeoutReplyOf(w);
    this.ended(w);
    if (withError) {
      w.cmd.stats.failedCalls++;
      this.server.countError(r);
    }
    this.logAnswered(w);
    w.conn.unblocked(r);
    return true;
  }

  /**
   * Redis 7.2's disconnectAllBlockedClients, when this primary becomes a replica (REPLICAOF
   * host port, a FAILOVER hand-over): every client blocked here — on keys, in WAIT or
   * WAITAOF — is answered -UNBLOCKED and closed once that is written, in connection order.
   * Clients held by CLIENT PAUSE or a failover pause are not in this registry (Redis's
   * postponed clients, exempt there too); MIGRATE waits here only because Redoubt's is
   * asynchronous (Redis's is synchronous and cannot meet a REPLICAOF), so it is left alone.
   */
  disconnectAll(): number {
    const waiters = [...this.byClient.values()].filter((w) => w.req.unblockable !== false);
    waiters.sort((a, b) => a.conn.client.id - b.conn.client.id);
    for (const w of waiters) {
      this.remove(w);
      this.ended(w);
      const r = reply.error(errors.unblockedRoleChange);
      w.cmd.stats.failedCalls++;
      this.server.countError(r);
      this.logAnswered(w);
      w.conn.client.closeAfterReply = true;
      w.conn.unblocked(r);
    }
    return waiters.length;
  }

  /** A connection closed: drop its wait. */
  forget(client: Client): void {
    const w = this.byClient.get(client.id);
    if (w === undefined) return;
    this.remove(w);
    this.ended(w);
  }

  /** INFO clients: clients_in_timeout_table, total_blocking_keys, total_blocking_keys_on_nokey. */
  private infoFields(): [string, number][] {
    let timed = 0;
    for (const w of this.byClient.values()) if (w.deadline > 0) timed++;
    let keys = 0;
    let onNoKey = 0;
    for (const perDb of this.byKey.values()) {
      keys += perDb.size;
      for (const q of perDb.values()) if (q.some((w) => w.unblockOnNoKey)) onNoKey++;
    }
    return [
      ['clients_in_timeout_table', timed],
      ['total_blocking_keys', keys],
      ['total_blocking_keys_on_nokey', onNoKey],
    ];
  }
}
