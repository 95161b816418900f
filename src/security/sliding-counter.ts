/**
 * An approximate count of events in the last `windowMs`, in constant memory: the count of
 * the current window plus the previous window's count weighted by how much of it still
 * overlaps the sliding window. Good enough for rate thresholds (the error is bounded by
 * the previous window's count), and cheap enough to keep one per source address.
 */
export class SlidingCounter {
  private windowStart = 0;
  private current = 0;
  private previous = 0;

  add(now: number, windowMs: number, n = 1): void {
    this.roll(now, windowMs);
    this.current += n;
  }

  count(now: number, windowMs: number): number {
    this.roll(now, windowMs);
    const overlap = 1 - (now - this.windowStart) / windowMs;
    return this.current + this.previous * Math.max(0, overlap);
  }

  private roll(now: number, windowMs: number): void {
    if (this.windowStart === 0) {
      this.windowStart = now;
      return;
    }
    const elapsed = now - this.windowStart;
    if (elapsed < windowMs) return;
    // one window passed: current becomes previous; two or more: both are stale
    this.previous = elapsed < 2 * windowMs ? this.current : 0;
    this.current = 0;
    this.windowStart = elapsed < 2 * windowMs ? this.windowStart + windowMs : now;
  }
}
