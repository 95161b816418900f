/**
 * Output waiting for the disk, gathered into pieces of a fixed size as it arrives.
 *
 * A background snapshot hands over one small Buffer per key. Joining everything queued
 * behind a slow write with one Buffer.concat when the write ends cost the event loop
 * 5–17 ms for a few MB (a fresh allocation, its page faults and the copy at once; issue 17
 * goal 6). Here each small chunk is copied into the current piece when it arrives (the
 * copy is spread over the slices that produce it), large chunks are kept as they are, and
 * a write takes the list of pieces (fs.writev): no step is proportional to the backlog.
 */

/** Size of a gathering piece. */
const PIECE = 1 << 20;
/** Chunks this big or bigger are queued as they are, not copied. */
const KEEP_AS_IS = PIECE >> 2;

export class ChunkQueue {
  /** completed pieces (and large chunks), in order */
  private full: Buffer[] = [];
  private piece: Buffer | null = null;
  private used = 0;
  /** bytes queued in all */
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.length += chunk.length;
    if (chunk.length >= KEEP_AS_IS) {
      this.seal();
      this.full.push(chunk);
      return;
    }
    if (this.piece !== null && this.used + chunk.length > this.piece.length) this.seal();
    if (this.piece === null) {
      this.piece = Buffer.allocUnsafe(PIECE);
      this.used = 0;
    }
    chunk.copy(this.piece, this.used);
    this.used += chunk.length;
  }

  /** Everything queued, in order, as a list of buffers; the queue is empty after. */
  takeAll(): Buffer[] {
    this.seal();
    const out = this.full;
    this.full = [];
    this.length = 0;
    return out;
  }

  private seal(): void {
    if (this.piece === null || this.used === 0) return;
    this.full.push(this.piece.subarray(0, this.used));
    this.piece = null;
    this.used = 0;
  }
}
