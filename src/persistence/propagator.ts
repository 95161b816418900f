/**
 * The write feed: what the append-only file receives. Executed write commands reach it in a
 * deterministic form (a relative TTL becomes an absolute one, a random pop names what it
 * popped), and so do the deletions the server makes on its own (expiry, eviction), so that
 * replaying the feed rebuilds the same keyspace.
 *
 * With no sink attached (no AOF) nothing is collected: the hot path pays one null check.
 */

/** Where propagated commands go (the AOF writer). */
export interface PropagationSink {
  /** one command, to be executed in database `dbIndex` on replay */
  append(dbIndex: number, argv: readonly string[]): void;
}

export class Propagator {
  sink: PropagationSink | null = null;

  /** True when something listens: callers skip building commands otherwise. */
  get active(): boolean {
    return this.sink !== null;
  }

  /** A command the server itself decided on (an expired or evicted key's DEL). */
  emit(dbIndex: number, argv: readonly string[]): void {
    if (this.sink !== null) this.sink.append(dbIndex, argv);
  }
}
