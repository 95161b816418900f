/**
 * The replication backlog (Redis 7.2's repl_backlog, `repl-backlog-size`): the last bytes of
 * the replication stream, kept so a replica whose link dropped can resume with a partial
 * resync (`+CONTINUE`) instead of a full one.
 *
 * Offsets are Redis's: the stream's bytes are numbered from 1, `endOffset` is the number of
 * the last byte appended (master_repl_offset), and the backlog holds the `histlen` bytes
 * ending there, so its first byte is `endOffset - histlen + 1`
 * (repl_backlog_first_byte_offset). A replica asking to resume at `psyncOffset` (the first
 * byte it has not seen, its own offset + 1) can be served when
 * `firstByteOffset <= psyncOffset <= endOffset + 1`.
 *
 * Storage is one ring buffer of `size` bytes, allocated once; appending copies the bytes in
 * (one or two copies), never allocates. Reading out for a resync copies the range.
 */
export class ReplicationBacklog {
  private ring: Buffer;
  /** ring index where the next byte goes */
  private writeIndex = 0;
  /** bytes held, ≤ ring.length */
  private held = 0;

  /**
   * @param size capacity in bytes (repl-backlog-size, ≥ 1)
   * @param endOffset the stream offset already reached when the backlog is created: the
   *   next byte appended is `endOffset + 1`
   */
  constructor(size: number, private end: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`backlog size ${size}`);
    this.ring = Buffer.allocUnsafe(size);
  }

  /** capacity (repl_backlog_size) */
  get size(): number {
    return this.ring.length;
  }

  /** bytes held (repl_backlog_histlen) */
  get histlen(): number {
    return this.held;
  }

  /** number of the last byte appended (master_repl_offset when the backlog is in sync) */
  get endOffset(): number {
    return this.end;
  }

  /** number of the first byte held (repl_backlog_first_byte_offset) */
  get firstByteOffset(): number {
    return this.end - this.held + 1;
  }

  /** Appends stream bytes; only the last `size` bytes are kept. */
  append(data: Uint8Array): void {
    const size = this.ring.length;
    this.end += data.length;
    const src = data;
    if (src.length >= size) {
      // only the tail survives: lay it out from index 0
      this.ring.set(src.subarray(src.length - size), 0);
      this.writeIndex = 0;
      this.held = size;
      return;
    }
    const first = Math.min(src.length, size - this.writeIndex);
    this.ring.set(src.subarray(0, first), this.writeIndex);
    if (first < src.length) this.ring.set(src.subarray(first), 0);
    this.writeIndex = (this.writeIndex + src.length) % size;
    this.held = Math.min(size, this.held + src.length);
  }

  /** Whether a replica resuming at `psyncOffset` (its first unseen byte) can be served from here. */
  covers(psyncOffset: number): boolean {
    return psyncOffset >= this.firstByteOffset && psyncOffset <= this.end + 1;
  }

  /**
   * The bytes from `psyncOffset` to the end, copied out (empty when the replica is up to
   * date). Throws a RangeError when the range is not held (check `covers` first).
   */
  readFrom(psyncOffset: number): Buffer {
    if (!this.covers(psyncOffset)) {
      throw new RangeError(`offset ${psyncOffset} outside the backlog [${this.firstByteOffset}, ${this.end + 1}]`);
    }
    const count = this.end + 1 - psyncOffset;
    const out = Buffer.allocUnsafe(count);
    const size = this.ring.length;
    // ring index of psyncOffset: writeIndex is where byte end+1 would go
    const start = (((this.writeIndex - count) % size) + size) % size;
    const first = Math.min(count, size - start);
    this.ring.copy(out, 0, start, start + first);
    if (first < count) this.ring.copy(out, first, 0, count - first);
    return out;
  }

  /** Changes the capacity, keeping the newest bytes that fit (CONFIG SET repl-backlog-size). */
  resize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`backlog size ${size}`);
    if (size === this.ring.length) return;
    const keep = Math.min(this.held, size);
    const tail = keep > 0 ? this.readFrom(this.end + 1 - keep) : Buffer.alloc(0);
    this.ring = Buffer.allocUnsafe(size);
    this.held = 0;
    this.writeIndex = 0;
    const end = this.end;
    this.end -= keep;
    this.append(tail);
    this.end = end;
  }
}
