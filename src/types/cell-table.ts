/**
 * Two numbers per member (a sorted set's score and insertion sequence) kept unboxed in number
 * array chunks and addressed by a small-integer id, so a collection of N members holds no
 * per-member JS object for them (issue 17).
 *
 * Why: a `{ score, seq }` object per member was one of the two heap objects every sorted
 * set member cost (the member string is the other). Loading a 20M-member set allocated 20M
 * of them in one synchronous loop; each was copied twice by the scavenger and then marked
 * by every full collection, which is what the 26.6 s mark-compact pause of session 9's
 * reload was made of. A JS array of numbers that are not all small integers is stored
 * unboxed (a FixedDoubleArray), which the collector never looks inside, and a Map whose
 * values are small integers holds no pointers for them.
 *
 * Layout: chunk k holds ids [k·2^12, (k+1)·2^12), interleaved (score, seq) in one plain
 * array of up to 2^13 numbers (64 KiB: a regular heap object, not a large one). The first
 * chunk grows by push, so a 3-member set costs one small array, not a preallocated block
 * (typed arrays were tried: ~600 B more per one-member set, their buffer objects included);
 * later chunks are allocated whole. The
 * directory has 2^20 entries for 2^32 ids: no array near V8's length limits.
 *
 * Freed ids form a stack threaded through the seq column: `freeHead` is the top (-1 when
 * empty) and a free cell's seq holds -(next free id + 2), so every free cell's seq is < 0.
 *
 * Invariants: 0 <= id < `top`; a live cell's seq is >= 0; `live` counts cells not free;
 * chunk 0 holds 2 × min(2^12, top) numbers, every later chunk 2^13.
 */

const SHIFT = 12;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

export class CellTable {
  private chunks: number[][] = [];
  /** ids handed out so far (free ones included) */
  private top = 0;
  private freeHead = -1;
  live = 0;

  /** A new cell holding (score, seq); returns its id (a small integer while below 2^31). */
  alloc(score: number, seq: number): number {
    this.live++;
    const f = this.freeHead;
    if (f >= 0) {
      const c = this.chunks[chunkOf(f)]!;
      const at = (f & MASK) << 1;
      this.freeHead = -c[at + 1]! - 2;
      c[at] = score;
      c[at + 1] = seq;
      return f;
    }
    const id = this.top++;
    // the directory is created holding its chunk: an empty [] grows to 17 slots on its first push
    if (id === 0) this.chunks = [[score, seq]];
    else if (id < CHUNK) this.chunks[0]!.push(score, seq);
    else {
      const at = (id & MASK) << 1;
      // later chunks are made whole at once: grown by push, each would leave ~2x its size
      // of garbage behind (a big load's scavenges copy it); 0.5 makes it an unboxed array
      if (at === 0) this.chunks.push(new Array<number>(2 * CHUNK).fill(0.5));
      const c = this.chunks[this.chunks.length - 1]!;
      c[at] = score;
      c[at + 1] = seq;
    }
    return id;
  }

  /** Returns a cell to the free stack (the id must be live). */
  release(id: number): void {
    this.chunks[chunkOf(id)]![((id & MASK) << 1) + 1] = -(this.freeHead + 2);
    this.freeHead = id;
    this.live--;
  }

  score(id: number): number {
    return this.chunks[chunkOf(id)]![(id & MASK) << 1]!;
  }

  setScore(id: number, score: number): void {
    this.chunks[chunkOf(id)]![(id & MASK) << 1] = score;
  }

  seq(id: number): number {
    return this.chunks[chunkOf(id)]![((id & MASK) << 1) + 1]!;
  }
}

/** The chunk of id (ids stay below 2^53; `>>>` would read them modulo 2^32). */
function chunkOf(id: number): number {
  return id < 0x80000000 ? id >>> SHIFT : Math.floor(id / CHUNK);
}
