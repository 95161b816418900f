/**
 * Command offsets to byte offsets. WAIT and WAITAOF know a client's last write as a
 * command count (Propagator.offset, the client's `woff`); replicas acknowledge byte
 * offsets of the replication stream (REPLCONF ACK). This map records, for the commands
 * the stream carried, the stream's byte offset right after each one, so "has replica R
 * got the client's last write?" is `R.ack >= bytesFor(woff)`.
 *
 * Invariant (what makes every answer safe): `bytesFor(c)` is never below the true byte
 * offset of command `c`. It may be above it (then a WAIT waits for a later ACK, which
 * GETACK asks for at once), never below (a WAIT would count a replica that lacks the
 * write). Commands at or below the floor are known to end at or before `floorByte`:
 * those before the stream started (every replica got them through its full sync), and
 * entries dropped once every replica acknowledged them or when the ring is full.
 *
 * Memory is bounded: a ring of `capacity` pairs in two typed arrays, no allocation per entry.
 */
export class OffsetMap {
  private readonly cmds: Float64Array;
  private readonly bytes: Float64Array;
  /** ring index of the oldest entry */
  private head = 0;
  private count = 0;
  private floorCmd = 0;
  private floorByte = 0;

  constructor(private readonly capacity = 65536) {
    this.cmds = new Float64Array(capacity);
    this.bytes = new Float64Array(capacity);
  }

  /** entries held (tests) */
  get size(): number {
    return this.count;
  }

  /** Forgets every entry: commands up to `cmd` end at or before stream byte `byte`. */
  reset(cmd: number, byte: number): void {
    this.head = 0;
    this.count = 0;
    this.floorCmd = cmd;
    this.floorByte = byte;
  }

  /** Command `cmd` ended at stream byte `byte` (both increase from call to call). */
  record(cmd: number, byte: number): void {
    if (this.count > 0) {
      const last = (this.head + this.count - 1) % this.capacity;
      // several commands of one unit may be recorded; keep the last byte per command
      if (this.cmds[last] === cmd) {
        this.bytes[last] = byte;
        return;
      }
    }
    if (this.count === this.capacity) this.dropOldest();
    const i = (this.head + this.count) % this.capacity;
    this.cmds[i] = cmd;
    this.bytes[i] = byte;
    this.count++;
  }

  /**
   * The stream byte offset a replica must have acknowledged to hold every command up to
   * `cmd`. Commands the stream never carried past the last entry (none while it is
   * attached) map to the last byte known.
   */
  bytesFor(cmd: number): number {
    if (cmd <= 0) return 0;
    if (cmd <= this.floorCmd || this.count === 0) return this.floorByte;
    // the first entry whose command offset is ≥ cmd (binary search over the ring)
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cmds[(this.head + mid) % this.capacity]! < cmd) lo = mid + 1;
      else hi = mid;
    }
    const at = lo === this.count ? this.count - 1 : lo;
    return this.bytes[(this.head + at) % this.capacity]!;
  }

  /** Drops the entries every replica has acknowledged (`ackedByte`: the lowest ACK). */
  prune(ackedByte: number): void {
    while (this.count > 0 && this.bytes[this.head]! <= ackedByte) this.dropOldest();
  }

  private dropOldest(): void {
    this.floorCmd = this.cmds[this.head]!;
    this.floorByte = this.bytes[this.head]!;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
  }
}
