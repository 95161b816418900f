/**
 * client-output-buffer-limit, as Redis's checkClientOutputBufferLimits applies it: a
 * client whose pending output reaches the hard limit, or stays at or above the soft limit
 * for more than soft-seconds, is disconnected. 0 disables a limit. The class is the
 * client's type at the time of the check (a subscriber is `pubsub`).
 */
export interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

export interface OutputLimits {
  normal: OutputLimit;
  pubsub: OutputLimit;
  replica: OutputLimit;
  /** the smallest non-zero limit of any class (Infinity when none): below it nothing applies */
  floor: number;
}

/** Parses the canonical value "normal h s secs slave h s secs pubsub h s secs". */
export function parseOutputLimits(value: string): OutputLimits {
  const parts = value.split(' ');
  const out: OutputLimits = { normal: none(), pubsub: none(), replica: none(), floor: Infinity };
  for (let i = 0; i + 3 < parts.length; i += 4) {
    const limit = { hard: Number(parts[i + 1]), soft: Number(parts[i + 2]), softSeconds: Number(parts[i + 3]) };
    const cls = parts[i];
    if (cls === 'normal') out.normal = limit;
    else if (cls === 'pubsub') out.pubsub = limit;
    else out.replica = limit;
  }
  for (const l of [out.normal, out.pubsub]) {
    if (l.hard > 0) out.floor = Math.min(out.floor, l.hard);
    if (l.soft > 0) out.floor = Math.min(out.floor, l.soft);
  }
  return out;
}

function none(): OutputLimit {
  return { hard: 0, soft: 0, softSeconds: 0 };
}

/**
 * Tracks when a client first went over its soft limit. `check` answers whether the
 * client must be closed now.
 */
export class OutputLimitState {
  /** seconds timestamp when the soft limit was first seen reached; 0 = below it */
  private softSince = 0;

  /** Output is below every limit again. */
  reset(): void {
    this.softSince = 0;
  }

  check(used: number, limit: OutputLimit, nowMs: number): boolean {
    if (limit.hard > 0 && used >= limit.hard) return true;
    if (limit.soft > 0 && used >= limit.soft) {
      const now = Math.floor(nowMs / 1000);
      if (this.softSince === 0) {
        this.softSince = now;
        return false;
      }
      return now - this.softSince > limit.softSeconds;
    }
    this.softSince = 0;
    return false;
  }
}

/**
 * The limit a MONITOR client gets. Redis counts a monitor as a `normal` client, whose
 * default is no limit at all, so a monitor that stops reading grows without bound. Redoubt
 * applies the normal class when it has a limit, and otherwise the pubsub class (by default
 * 32mb hard, 8mb for 60 s soft): a monitor that does not read is disconnected.
 */
export function monitorLimit(limits: OutputLimits): OutputLimit {
  const n = limits.normal;
  return n.hard > 0 || n.soft > 0 ? n : limits.pubsub;
}
