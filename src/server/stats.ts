/** Counters INFO reports; CONFIG RESETSTAT zeroes them. */
export class ServerStats {
  totalConnections = 0;
  rejectedConnections = 0;
  totalCommands = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  expiredKeys = 0;
  evictedKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  totalErrorReplies = 0;
  clientQueryBufferLimitDisconnections = 0;
  clientOutputBufferLimitDisconnections = 0;
  /** error code (first word of the error) → count, for INFO errorstats */
  readonly errors = new Map<string, number>();

  countError(text: string): void {
    this.totalErrorReplies++;
    const sp = text.indexOf(' ');
    const code = sp === -1 ? text : text.slice(0, sp);
    // Redis caps the number of distinct error codes it tracks (attackers can invent codes).
    if (!this.errors.has(code) && this.errors.size >= 128) return;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  reset(): void {
    const fresh = new ServerStats();
    Object.assign(this, fresh);
    this.errors.clear();
  }
}
