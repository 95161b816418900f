/**
 * The server-side TLS session cache (`tls-session-caching`, `tls-session-cache-size`,
 * `tls-session-cache-timeout`): sessions a client may resume by id, oldest evicted first
 * past the size (0 = unbounded, as OpenSSL reads it), each valid for the timeout.
 */
export class TlsSessionCache {
  private readonly sessions = new Map<string, { data: Buffer; expiresAt: number }>();

  constructor(
    public maxSize: number,
    public timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  set(id: Buffer, data: Buffer): void {
    const key = id.toString('hex');
    this.sessions.delete(key);
    this.sessions.set(key, { data, expiresAt: this.now() + this.timeoutMs });
    this.trim();
  }

  get(id: Buffer): Buffer | null {
    const key = id.toString('hex');
    const e = this.sessions.get(key);
    if (e === undefined) return null;
    if (e.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return null;
    }
    return e.data;
  }

  clear(): void {
    this.sessions.clear();
  }

  /** Drops the oldest entries past `maxSize`. */
  trim(): void {
    if (this.maxSize <= 0) return;
    for (const k of this.sessions.keys()) {
      if (this.sessions.size <= this.maxSize) break;
      this.sessions.delete(k);
    }
  }
}
