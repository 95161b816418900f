/**
 * Replies wait for the write feed: a reply must not leave before the commands behind it
 * are in the append-only file (on disk, under appendfsync always), as Redis's beforeSleep
 * writes the AOF buffer before it writes to clients.
 *
 * Contract: while the AOF buffer holds commands, a connection with replies to send
 * `hold`s itself; once per turn of the event loop (setImmediate runs after the turn's I/O
 * callbacks) the buffer is written — one write and, under `always`, one fsync per turn,
 * not per client — and then every held connection flushes, in the order it asked. A
 * connection that closes after its reply cannot wait: it calls `writeNow` first. Without
 * an AOF nothing is ever pending and connections write at once.
 *
 * Issue 17 goal 6: holding every reply to the end of the turn makes clients and server
 * take turns (the server reads and runs fifty commands while the clients wait, then the
 * clients read fifty replies while the server waits). Where one write covers no fsync
 * (appendfsync everysec / no) a write per EARLY_GROUP held connections costs a syscall per
 * group and lets the first replies leave while the rest of the turn runs; under `always`
 * the group is the whole turn, since each write there costs an fsync.
 */

/** The AOF as the barrier sees it (persistence/aof-manager.ts). */
export interface BufferedFeed {
  readonly writer: { readonly bufferLength: number; readonly fsyncPolicyInUse: string } | null;
  /** writes the buffered commands (and fsyncs under always) */
  flush(): void;
}

/** What waits: a connection's flush. */
export interface HeldReplies {
  flush(): void;
}

/** Held connections that make a write of their own under everysec / no (see the header). */
const EARLY_GROUP = 8;

export class ReplyBarrier {
  private readonly waiters = new Set<HeldReplies>();
  private scheduled = false;
  /** inside release(): a connection that holds again (the AOF write failed) waits for the turn's end */
  private releasing = false;

  constructor(private readonly feed: BufferedFeed) {}

  /** Commands are waiting in the AOF buffer (replies must not leave before them). */
  pending(): boolean {
    const w = this.feed.writer;
    return w !== null && w.bufferLength > 0;
  }

  /** Writes the AOF buffer now (a closing client's last reply). */
  writeNow(): void {
    if (this.feed.writer !== null) this.feed.flush();
  }

  /** Holds `replies` until the AOF buffer is written, once for everyone served in this turn. */
  hold(replies: HeldReplies): void {
    this.waiters.add(replies);
    if (this.waiters.size >= EARLY_GROUP && !this.releasing && this.feed.writer !== null && this.feed.writer.fsyncPolicyInUse !== 'always') {
      this.release();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.release();
    });
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

