/**
 * Replies wait for the write feed: a reply must not leave before the commands behind it
 * are in the append-only file (on disk, under appendfsync always), as Redis's beforeSleep
 * writes the AOF buffer before it writes to clients.
 *
 * Contract: while the AOF holds commands that a reply may depend on and that are not yet
 * where the policy wants them (buffered; or, under `always`, written but not yet fsynced),
 * a connection with replies to send `hold`s itself; once per turn of the event loop
 * (setImmediate runs after the turn's I/O callbacks) the buffer is written and every held
 * connection flushes, in the order it asked. A connection that closes after its reply
 * cannot wait: it calls `writeNow` first (a synchronous write, and fsync under `always`).
 * Without an AOF nothing is ever pending and connections write at once.
 *
 * appendfsync always (issue 17 goal 6): the turn's commands are written on the loop and
 * fsynced either right there (the AOF answers 'synced': while fsyncs are fast, as Redis's
 * beforeSleep; every client that waited meanwhile joins the next batch) or, while they are
 * slow, on libuv's thread pool, one fsync at a time (aof/group-sync-policy.ts). While a pool
 * fsync runs the loop goes on
 * reading and executing other clients' commands; their replies wait for the next fsync
 * (a group commit), which starts when this one has completed. A held reply leaves only
 * once an fsync that began after every command appended before it was written has
 * completed, so a reply never reveals a write that is not on disk, as with Redis's
 * fsync in beforeSleep — but the disk's wait no longer stops the event loop. A connection
 * whose batch is syncing and that produces more replies meanwhile stays in that batch only
 * if nothing was appended since the batch was cut; otherwise it moves to the next batch
 * (all its replies then wait for the later fsync).
 *
 * appendfsync everysec / no: holding every reply to the end of the turn makes clients and
 * server take turns (the server reads and runs fifty commands while the clients wait, then
 * the clients read fifty replies while the server waits). Where one write covers no fsync,
 * a write per EARLY_GROUP held connections costs a syscall per group and lets the first
 * replies leave while the rest of the turn runs.
 */

/** The AOF as the barrier sees it (persistence/aof-manager.ts). */
export interface BufferedFeed {
  readonly writer: {
    readonly bufferLength: number;
    readonly fsyncPolicyInUse: string;
    /** commands appended so far (monotonic) */
    readonly appended: number;
    /** appended commands no completed fsync covers yet */
    readonly unsyncedCommands: number;
  } | null;
  /** writes the buffered commands (and fsyncs under always, on the loop) */
  flush(): void;
  /**
   * appendfsync always: writes the buffered commands and fsyncs them off the event loop;
   * `done(ok)` runs when the fsync completed. 'synced': nothing was left to sync (done is not
   * called); 'failed': the write failed, the bytes stay buffered (done is not called).
   */
  syncInBackground(done: (ok: boolean) => void): 'started' | 'synced' | 'failed';
}

/** What waits: a connection's flush. */
export interface HeldReplies {
  flush(): void;
}

/** Held connections that make a write of their own under everysec / no (see the header). */
const EARLY_GROUP = 8;

export class ReplyBarrier {
  /** held connections not yet in a syncing batch */
  private waiters = new Set<HeldReplies>();
  /** always: the batch whose fsync runs now (null: none runs) */
  private syncing: Set<HeldReplies> | null = null;
  /** the feed's `appended` when the syncing batch was cut */
  private syncingUpTo = 0;
  private scheduled = false;
  /** inside release(): a connection that holds again (the AOF write failed) waits for the turn's end */
  private releasing = false;
  /** the connection whose replies are being let out (its own pending() answers false) */
  private passing: HeldReplies | null = null;

  constructor(private readonly feed: BufferedFeed) {}

  /**
   * Must replies wait (`c`: the connection asking; one being released answers false)?
   * Commands in the AOF buffer, an fsync running, or under always commands not yet fsynced.
   */
  pending(c?: HeldReplies): boolean {
    if (c !== undefined && c === this.passing) return false;
    if (this.syncing !== null) return true;
    const w = this.feed.writer;
    if (w === null) return false;
    return w.bufferLength > 0 || (w.fsyncPolicyInUse === 'always' && w.unsyncedCommands > 0);
  }

  /** Writes the AOF buffer now, fsynced under always (a closing client's last reply). */
  writeNow(): void {
    if (this.feed.writer !== null) this.feed.flush();
  }

  /** Holds `replies` until the AOF write (and fsync under always) that covers them. */
  hold(replies: HeldReplies): void {
    const syncing = this.syncing;
    if (syncing !== null) {
      const w = this.feed.writer;
      const nothingNew = w === null || w.appended === this.syncingUpTo;
      // replies that depend on nothing appended since the running fsync began leave with it
      if (nothingNew && !this.waiters.has(replies)) {
        syncing.add(replies);
        return;
      }
      syncing.delete(replies);
    }
    this.waiters.add(replies);
    const w = this.feed.writer;
    if (this.waiters.size >= EARLY_GROUP && !this.releasing && w !== null && w.fsyncPolicyInUse !== 'always') {
      this.release();
      return;
    }
    // while an fsync runs its end cuts the next batch (no setImmediate: a pending one would
    // make every turn's poll return at once, an extra epoll_wait per turn)
    if (syncing === null) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.endOfTurn();
    });
  }

  /** The turn's end: under always, cut a batch and fsync it off the loop; else write and release. */
  private endOfTurn(): void {
    if (this.syncing !== null || this.waiters.size === 0) return; // the running fsync's end takes them
    const w = this.feed.writer;
    if (w === null || w.fsyncPolicyInUse !== 'always') {
      this.release();
      return;
    }
    const upTo = w.appended;
    const batch = this.waiters;
    this.waiters = new Set();
    this.syncing = batch;
    this.syncingUpTo = upTo;
    const r = this.feed.syncInBackground((ok) => this.synced(batch, ok));
    if (r === 'started') return;
    this.syncing = null;
    if (r === 'synced') {
      this.letOut(batch);
      return;
    }
    // the write failed (fatal under always: the server stops): everyone waits for a later turn
    for (const c of this.waiters) batch.add(c);
    this.waiters = batch;
    this.schedule();
  }

  /** The batch's fsync completed: its replies leave, and the next batch starts syncing. */
  private synced(batch: Set<HeldReplies>, ok: boolean): void {
    if (this.syncing === batch) this.syncing = null;
    if (!ok) {
      // under always a failed fsync stops the server (Redis exits): nothing is released
      for (const c of this.waiters) batch.add(c);
      this.waiters = batch;
      return;
    }
    this.letOut(batch);
    if (this.waiters.size > 0) this.schedule();
  }

  /** Lets every connection of a synced batch flush (each is past the barrier while it does). */
  private letOut(batch: Set<HeldReplies>): void {
    for (const c of batch) {
      this.passing = c;
      try {
        c.flush();
      } finally {
        this.passing = null;
      }
    }
  }

  /** Writes the buffer, then lets every held connection flush (re-entrant: a flush may hold again). */
  private release(): void {
    this.writeNow();
    const waiting = [...this.waiters];
    this.waiters.clear();
    this.releasing = true;
    try {
      for (const c of waiting) c.flush();
    } finally {
      this.releasing = false;
    }
  }
}
