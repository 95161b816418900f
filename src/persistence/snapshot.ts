/**
 * A point-in-time image of every database, written while the server keeps serving.
 *
 * Redis forks and lets the kernel copy pages on write. Node cannot fork, so Redoubt does
 * the copy-on-write itself, at the level of keys: the snapshot walks the databases a slice
 * at a time between commands, and before any stored key changes (a command's write, an
 * expiry, an eviction, a flush) the keyspace calls the snapshot's hook, which writes that
 * key's old value first if the walk has not reached it yet. So every key that existed when
 * the snapshot began is written exactly once, as it was at that moment; keys created later
 * are left out (the AOF's incremental file, started at the same moment, has them).
 *
 * Why this is sound: within a database, keys are iterated in insertion order, which is also
 * the order of their insertion sequence numbers (database.ts `Slotted.seq`). A key is
 *  - new, when its seq is at or past the database's horizon taken at the start;
 *  - already written, when the walk is past it (seq ≤ cursor) or it was preserved early;
 *  - pending otherwise: the hook writes it now and remembers it, and the walk skips it.
 * A value replaced in place keeps its entry (and seq); a deleted and re-created key gets a
 * new seq, so the walk sees it as new. Changes to every key at once (FLUSHDB, SWAPDB) finish
 * the snapshot synchronously first; they are rare and Redis pays a similar price.
 *
 * The output is produced by an encoder (RDB for SAVE/BGSAVE and an AOF base with the RDB
 * preamble, commands for an AOF base without it); a database selection is emitted lazily,
 * again whenever an early-preserved key of another database interleaves (RDB allows it).
 */
import type { Database, Slotted } from '../keyspace/database.js';
import { BigSet } from '../types/big-map.js';

/** Turns the snapshot's parts into bytes (RDB, or AOF commands). */
export interface SnapshotEncoder {
  begin(): Buffer;
  selectDb(index: number, keys: number, expires: number): Buffer;
  entry(key: string, entry: Slotted, expireAt: number | bigint | undefined): Buffer;
  end(): Buffer;
  /**
   * Optional: lets the encoder hand over a large key's bytes in pieces while it encodes
   * it (before `entry` returns the rest), so a save's memory does not grow with its
   * largest key. The snapshot calls it once, with its own output.
   */
  streamTo?(out: (chunk: Buffer) => void): void;
}

/** What a snapshot needs from the server: the databases and the hook slots to occupy. */
export interface SnapshotHost {
  dbs: Database[];
  keyWriteHook: ((db: Database, key: string) => void) | null;
  bulkWriteHook: ((db: Database) => void) | null;
}

/** How often the walk looks at the clock (keys). */
const CLOCK_CHECK_EVERY = 128;
/**
 * …or after this much output: 128 keys of 10 KB each take milliseconds to encode, so a
 * count of keys alone let a slice of bigger values run far past its budget (issue 17 goal 6).
 */
const CLOCK_CHECK_BYTES = 64 * 1024;

export class KeySnapshot {
  /** database being walked; databases below it are complete */
  private dbIndex = 0;
  private walk: Iterator<[string, Slotted]> | null = null;
  /** seq of the last entry the walk visited in the current database */
  private cursorSeq = 0;
  /** per database: the first seq given to a key created after the start */
  private readonly horizon: number[];
  /** per database: keys written ahead of the walk by the hook */
  /** BigSet: keys changed during a save of a database past 2^24 keys may pass 2^24 too */
  private readonly preserved: BigSet<string>[];
  /** database of the last selection written, -1 before any */
  private selected = -1;
  private finished = false;
  /** keys written so far */
  keys = 0;
  /** bytes produced so far */
  bytes = 0;

  constructor(
    private readonly host: SnapshotHost,
    private readonly encoder: SnapshotEncoder,
    private readonly out: (chunk: Buffer) => void,
    /** keys between two looks at the clock (tests use 1 to interleave finely) */
    private readonly clockCheckEvery = CLOCK_CHECK_EVERY,
  ) {
    encoder.streamTo?.((chunk) => this.emit(chunk));
    this.horizon = host.dbs.map((db) => db.nextSeq);
    this.preserved = host.dbs.map(() => new BigSet<string>());
  }

  /** whether this snapshot holds the host's hooks (a background one does) */
  private hooked = false;

  /**
   * Writes the header and, for a snapshot that runs in slices, takes the hooks: from now
   * on the image is frozen. A snapshot written in one go (`background` false: SAVE) needs
   * no hooks, since nothing can change meanwhile, and may run while a background one holds them.
   */
  start(background = true): void {
    if (background) {
      if (this.host.keyWriteHook !== null) throw new Error('internal error: two background snapshots at once');
      this.host.keyWriteHook = (db, key) => this.beforeKeyChange(db, key);
      this.host.bulkWriteHook = () => this.runToEnd();
      this.hooked = true;
    }
    this.emit(this.encoder.begin());
  }

  get done(): boolean {
    return this.finished;
  }

  /**
   * Walks on for up to `budgetMs` (Infinity = to the end). Returns true once everything
   * is written (the trailer included) and the hooks are released.
   */
  step(budgetMs: number): boolean {
    if (this.finished) return true;
    const deadline = budgetMs === Infinity ? Infinity : performance.now() + budgetMs;
    const dbs = this.host.dbs;
    let sinceClock = 0;
    let bytesAtClock = this.bytes;
    while (this.dbIndex < dbs.length) {
      const db = dbs[this.dbIndex]!;
      if (this.walk === null) this.walk = db.entries();
      const horizon = this.horizon[this.dbIndex]!;
      const preserved = this.preserved[this.dbIndex]!;
      for (;;) {
        const r = this.walk.next();
        if (r.done === true) break;
        const [key, e] = r.value;
        // insertion order = seq order: everything from here on was created after the start
        if (e.seq >= horizon) break;
        this.cursorSeq = e.seq;
        if (preserved.size > 0 && preserved.delete(key)) continue;
        this.write(db, key, e);
        if (++sinceClock >= this.clockCheckEvery || this.bytes - bytesAtClock >= CLOCK_CHECK_BYTES) {
          sinceClock = 0;
          bytesAtClock = this.bytes;
          if (performance.now() >= deadline) return false;
        }
      }
      this.walk = null;
      this.cursorSeq = 0;
      this.preserved[this.dbIndex]!.clear();
      this.dbIndex++;
    }
    this.finish();
    return true;
  }

  /** Gives up: releases the hooks without writing the trailer. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
  }

  /** The copy-on-write hook: a stored key is about to change. */
  private beforeKeyChange(db: Database, key: string): void {
    const i = db.index;
    if (i < this.dbIndex) return;
    const e = db.rawEntry(key);
    if (e === undefined || e.seq >= this.horizon[i]!) return;
    if (i === this.dbIndex && e.seq <= this.cursorSeq) return;
    const preserved = this.preserved[i]!;
    if (preserved.has(key)) return;
    preserved.add(key);
    this.write(db, key, e);
  }

  private runToEnd(): void {
    this.step(Infinity);
  }

  private write(db: Database, key: string, e: Slotted): void {
    if (this.selected !== db.index) {
      this.selected = db.index;
      this.emit(this.encoder.selectDb(db.index, db.size, db.expiresCount));
    }
    this.emit(this.encoder.entry(key, e, db.getExpireExact(key)));
    this.keys++;
  }

  private finish(): void {
    this.finished = true;
    this.release();
    this.emit(this.encoder.end());
  }

  private release(): void {
    if (!this.hooked) return;
    this.hooked = false;
    this.host.keyWriteHook = null;
    this.host.bulkWriteHook = null;
  }

  private emit(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    this.out(chunk);
  }
}
