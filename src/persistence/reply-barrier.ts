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
 */

/** The AOF as the barrier sees it (persistence/aof-manager.ts). */
export interface BufferedFeed {
  readonly writer: { readonly bufferLength: number } | null;
  /** writes the buffered commands (and fsyncs under always) */
  flush(): void;
}

/** What waits: a connection's flush. */
export interface HeldReplies {
  flush(): void;
}

export class ReplyBarrier {
  private readonly waiters = new Set<HeldReplies>();
  private scheduled = false;

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
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writeNow();
      const waiting = [...this.waiters];
      this.waiters.clear();
      for (const c of waiting) c.flush();
    });
  }
}
