/**
 * Counters INFO reports; CONFIG RESETSTAT zeroes them (`reset`). Counters are plain fields
 * so the hot path bumps them with no call. Rates (instantaneous_*) are sampled by the
 * server cron, as Redis samples them every 100 ms over the last 16 samples.
 */

/** Redis keeps at most this many distinct error codes in errorstats. */
const MAX_ERROR_CODES = 128;
const METRIC_SAMPLES = 16;

/** A rate over the last samples: (value delta / time delta), averaged. */
export class InstantaneousMetric {
  private lastTime = 0;
  private lastValue = 0;
  private readonly samples = new Float64Array(METRIC_SAMPLES);
  private idx = 0;

  /** Records a sample of a monotonically growing `value` at `nowMs` (wall time). */
  track(nowMs: number, value: number): void {
    if (this.lastTime !== 0) {
      const dt = nowMs - this.lastTime;
      const per = dt > 0 ? ((value - this.lastValue) * 1000) / dt : 0;
      this.samples[this.idx] = per;
      this.idx = (this.idx + 1) % METRIC_SAMPLES;
    }
    this.lastTime = nowMs;
    this.lastValue = value;
  }

  /** Per-second rate averaged over the kept samples. */
  get value(): number {
    let sum = 0;
    for (let i = 0; i < METRIC_SAMPLES; i++) sum += this.samples[i]!;
    return sum / METRIC_SAMPLES;
  }

  clear(): void {
    this.samples.fill(0);
    this.lastTime = 0;
  }
}

export class ServerStats {
  totalConnections = 0;
  rejectedConnections = 0;
  /** refused by source-allowlist (also counted in rejectedConnections) */
  rejectedConnectionsAllowlist = 0;
  /** TLS handshakes or client-certificate checks that failed (not an INFO field in Redis) */
  tlsRejectedConnections = 0;
  totalCommands = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  /** bytes read from this server's primary: the RDB and the stream (total_net_repl_input_bytes) */
  netReplInputBytes = 0;
  /** bytes written to replicas: the RDB and the stream (total_net_repl_output_bytes) */
  netReplOutputBytes = 0;
  expiredKeys = 0;
  evictedKeys = 0;
  evictedClients = 0;
  /**
   * background snapshot jobs started (BGSAVE, AOF rewrites): INFO total_forks, what Redis
   * counts as its forks (Redoubt's copy-on-write snapshot runs in-process, no child)
   */
  backgroundJobs = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  totalErrorReplies = 0;
  /** connections dropped for sending POST / Host: (not an INFO field in Redis) */
  crossProtocolAttacks = 0;
  /** errors a command returned that Redis would count as unexpected (internal errors) */
  unexpectedErrorReplies = 0;
  clientQueryBufferLimitDisconnections = 0;
  clientOutputBufferLimitDisconnections = 0;
  /** socket reads handled / batched socket writes issued */
  totalReadsProcessed = 0;
  totalWritesProcessed = 0;
  /** reply buffers the client cron shrank / grew (protocol/reply-writer.ts cronResize) */
  replyBufferShrinks = 0;
  replyBufferExpands = 0;
  /** event-loop turns that processed input, and the time spent in them (µs) */
  eventLoopCycles = 0;
  eventLoopDurationUsec = 0;
  /** time spent executing commands (µs) */
  commandDurationUsec = 0;
  /** INFO debug: cron ticks' time and AOF writes' time (µs), the longest event-loop turn
   * (µs) and the most commands one turn ran */
  cronDurationUsec = 0;
  aofDurationUsec = 0;
  eventLoopDurationMaxUsec = 0;
  commandsPerCycleMax = 0;
  /** writes since the last save (INFO persistence rdb_changes_since_last_save) */
  dirty = 0;
  /** ACL denials (the ACL layer bumps these) */
  aclDeniedAuth = 0;
  aclDeniedCmd = 0;
  aclDeniedKey = 0;
  aclDeniedChannel = 0;
  /** highest used_memory seen (bytes) */
  peakMemory = 0;
  /** error code (first word of the error) → count, for INFO errorstats */
  readonly errors = new Map<string, number>();

  readonly opsPerSec = new InstantaneousMetric();
  readonly inputBytesPerSec = new InstantaneousMetric();
  readonly outputBytesPerSec = new InstantaneousMetric();
  readonly replInputBytesPerSec = new InstantaneousMetric();
  readonly replOutputBytesPerSec = new InstantaneousMetric();
  readonly eventLoopCyclesPerSec = new InstantaneousMetric();
  readonly eventLoopDurationPerSec = new InstantaneousMetric();

  /** One event-loop turn: a connection's input handled (`commands` run) or a cron tick. */
  countCycle(durationUsec: number, commands: number): void {
    this.eventLoopCycles++;
    this.eventLoopDurationUsec += durationUsec;
    if (durationUsec > this.eventLoopDurationMaxUsec) this.eventLoopDurationMaxUsec = durationUsec;
    if (commands > this.commandsPerCycleMax) this.commandsPerCycleMax = commands;
  }

  countError(text: string): void {
    this.totalErrorReplies++;
    const sp = text.indexOf(' ');
    const code = sp === -1 ? text : text.slice(0, sp);
    const n = this.errors.get(code);
    if (n !== undefined) {
      this.errors.set(code, n + 1);
      return;
    }
    // Redis caps the number of distinct error codes it tracks (clients can invent codes).
    if (this.errors.size >= MAX_ERROR_CODES) return;
    this.errors.set(code, 1);
  }

  /** Called by the server cron (about every 100 ms) to feed the instantaneous rates. */
  sample(nowMs: number): void {
    this.opsPerSec.track(nowMs, this.totalCommands);
    this.inputBytesPerSec.track(nowMs, this.netInputBytes);
    this.outputBytesPerSec.track(nowMs, this.netOutputBytes);
    this.replInputBytesPerSec.track(nowMs, this.netReplInputBytes);
    this.replOutputBytesPerSec.track(nowMs, this.netReplOutputBytes);
    this.eventLoopCyclesPerSec.track(nowMs, this.eventLoopCycles);
    this.eventLoopDurationPerSec.track(nowMs, this.eventLoopDurationUsec);
  }

  /** CONFIG RESETSTAT: zero the counters (not `dirty`, which tracks persistence). */
  reset(): void {
    const dirty = this.dirty;
    const fresh = new ServerStats();
    for (const k of Object.keys(fresh) as (keyof ServerStats)[]) {
      const v = fresh[k];
      if (typeof v === 'number') (this as unknown as Record<string, number>)[k] = v;
    }
    this.dirty = dirty;
    this.errors.clear();
    this.opsPerSec.clear();
    this.inputBytesPerSec.clear();
    this.outputBytesPerSec.clear();
    this.replInputBytesPerSec.clear();
    this.replOutputBytesPerSec.clear();
    this.eventLoopCyclesPerSec.clear();
    this.eventLoopDurationPerSec.clear();
  }
}
