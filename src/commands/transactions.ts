/**
 * Transactions (multi.c): MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * The dispatcher queues commands while `client.multi` is set and flags `multiDirty` when
 * it rejects one (EXECABORT). WATCH state lives in server.watches; a touched watched key
 * sets `client.watchDirty` (the "dirty CAS" flag), which makes EXEC answer a null array.
 */
import { defineCommand, keys, type Command, type CommandDefinition } from '../command-context/command-spec.js';
import { Kind, reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import type { CommandContext } from '../command-context/context.js';
import type { Client, QueuedCommand, ScriptContinuation } from '../server/client.js';

const TX: ['transaction'] = ['transaction'];

/** Leaves the MULTI state and drops every watch (Redis's discardTransaction). */
export function discardTransaction(ctx: CommandContext, c: Client = ctx.client): void {
  c.multi = null;
  c.multiArgvBytes = 0;
  c.multiDirty = false;
  c.watchDirty = false;
  ctx.services.keyspace.watches.unwatchAll(c);
}

/**
 * EXEC's re-check of a queued command against the user's current ACL rules (they may
 * have changed since it was queued): null when allowed, else the NOPERM text Redis 7.2
 * answers in the EXEC array (the denial is logged to ACL LOG with context "multi").
 */
export function execPermissionDenied(ctx: CommandContext, cmd: Command, argv: string[]): string | null {
  const denied = ctx.services.security.acl.checkQueued(ctx, cmd, argv);
  return denied !== null && denied.k === Kind.Error ? denied.s : null;
}

export const multi = defineCommand({
  name: 'multi',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  categories: TX,
  docs: { summary: 'Starts a transaction: later commands are queued until EXEC.', since: '1.2.0', group: 'transactions', complexity: 'O(1)' },
  run(ctx) {
    const c = ctx.client;
    if (c.multi !== null) return reply.error(errors.multiNested);
    c.multi = [];
    c.multiArgvBytes = 0;
    return reply.ok;
  },
});

export const exec = defineCommand({
  name: 'exec',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'skip_slowlog'],
  categories: TX,
  docs: { summary: 'Runs the commands queued since MULTI, all at once.', since: '1.2.0', group: 'transactions', complexity: 'Depends on commands in the transaction' },
  run(ctx) {
    const c = ctx.client;
    const keyspace = ctx.services.keyspace;
    if (c.multi === null) return reply.error(errors.execNoMulti);
    // A watched key that expired after WATCH (and was not yet deleted) is a change too.
    if (keyspace.watches.anyExpiredSinceWatch(c, (dbIndex, key) => keyspace.keyIsExpired(dbIndex, key))) c.watchDirty = true;
    if (c.multiDirty || c.watchDirty) {
      const r = c.multiDirty ? reply.error(errors.execAbort) : reply.nilArray;
      discardTransaction(ctx);
      return r;
    }
    const queued = c.multi;
    keyspace.watches.unwatchAll(c);
    return new ExecRun(ctx, queued).start();
  },
});

/**
 * One EXEC's run of its queued commands. It runs them all at once unless a script among
 * them pauses past busy-reply-threshold (Redis 7.2 processes events inside EXEC too:
 * other clients get -BUSY and SCRIPT KILL works): EXEC's end then waits, the script's
 * reply comes back through `resumeAfterScript` (the client's ScriptContinuation) and the
 * remaining commands run from there, the array going out when the last one has answered.
 * Nothing else runs in between: while the script is paused only allow_busy commands of
 * other clients run, and the client itself reads nothing more.
 */
class ExecRun implements ScriptContinuation {
  private readonly self: Command;
  private readonly out: Reply[];
  private next = 0;
  /** EXEC's own deferred end, once a script paused */
  private deferred: { complete(out: Reply | null): Reply | null } | null = null;

  constructor(
    private readonly ctx: CommandContext,
    private readonly queued: readonly QueuedCommand[],
  ) {
    this.self = ctx.command;
    this.out = new Array<Reply>(queued.length);
  }

  /** EXEC's reply, or null when a script paused (the array is sent when all answered). */
  start(): Reply | null {
    const r = this.runFrom();
    if (r !== null) return r;
    this.deferred = this.ctx.services.commands.defer();
    return null;
  }

  resumeAfterScript(late: Reply | null): void {
    this.out[this.next++] = late ?? reply.nil;
    const r = this.runFrom();
    if (r === null) return; // another script paused
    const deferred = this.deferred;
    const final = deferred !== null ? deferred.complete(r) : r;
    this.ctx.services.commands.lateReplyTo(this.ctx.client)?.unblocked(final);
  }

  /** Runs the commands from `next` on: the array, or null when a script paused. */
  private runFrom(): Reply | null {
    const ctx = this.ctx;
    const c = ctx.client;
    const queued = this.queued;
    const out = this.out;
    const wasInExec = c.inExec;
    const wasContinuation = c.scriptContinuation;
    // Blocking commands act non-blocking while this is set (Redis's CLIENT_DENY_BLOCKING).
    c.inExec = true;
    // a script may pause only when there is a connection to answer later
    c.scriptContinuation = ctx.services.commands.lateReplyTo(c) !== undefined ? this : null;
    try {
      for (; this.next < queued.length; this.next++) {
        const i = this.next;
        const q = queued[i]!;
        const denied = execPermissionDenied(ctx, q.cmd, q.argv);
        if (denied !== null) {
          const r = reply.error(denied);
          ctx.services.monitor.countError(r);
          out[i] = r;
          continue;
        }
        const r = ctx.services.commands.call(ctx, q.cmd, q.argv);
        // a script paused: its reply comes to resumeAfterScript
        if (r === null && ctx.services.scriptBusy.busyError() !== null) return null;
        out[i] = r ?? reply.nil;
      }
    } finally {
      c.inExec = wasInExec;
      c.scriptContinuation = wasContinuation;
      ctx.command = this.self;
    }
    discardTransaction(ctx);
    return reply.array(out);
  }
}

export const discard = defineCommand({
  name: 'discard',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  categories: TX,
  docs: { summary: 'Drops the queued commands of a transaction and leaves it.', since: '2.0.0', group: 'transactions', complexity: 'O(N), when N is the number of queued commands' },
  run(ctx) {
    if (ctx.client.multi === null) return reply.error(errors.discardNoMulti);
    discardTransaction(ctx);
    return reply.ok;
  },
});

export const watch = defineCommand({
  name: 'watch',
  arity: -2,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  categories: TX,
  keySpecs: [keys.rest(1, 1, 'RO')],
  docs: {
    summary: 'Makes the next EXEC fail if any of the given keys changes before it.',
    since: '2.2.0',
    group: 'transactions',
    complexity: 'O(1) for every key.',
    arguments: [{ name: 'key', type: 'key', multiple: true }],
  },
  run(ctx, argv) {
    const c = ctx.client;
    if (c.multi !== null) return reply.error(errors.watchInMulti);
    // Already doomed: watching more cannot change the outcome.
    if (c.watchDirty) return reply.ok;
    const db = ctx.db;
    for (let i = 1; i < argv.length; i++) {
      const key = argv[i]!;
      ctx.services.keyspace.watches.watch(c, db, key, ctx.services.keyspace.keyIsExpired(db.index, key));
    }
    return reply.ok;
  },
});

export const unwatch = defineCommand({
  name: 'unwatch',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
  categories: TX,
  docs: { summary: 'Forgets every key watched by the connection.', since: '2.2.0', group: 'transactions', complexity: 'O(1)' },
  run(ctx) {
    ctx.services.keyspace.watches.unwatchAll(ctx.client);
    ctx.client.watchDirty = false;
    return reply.ok;
  },
});

export const transactionCommands: CommandDefinition[] = [multi, exec, discard, watch, unwatch];
