/**
 * ACL LOG (Redis 7.2): the most recent denials and failed authentications, newest first,
 * at most `acllog-max-len` entries. A new event that matches one of the ten newest
 * entries (same reason, context, object and user, within 60 s of that entry's last
 * update) bumps its count and refreshes it instead of adding a line, so a brute-force
 * loop shows up as one entry with a large count rather than flushing the log.
 */
import { reply, type Reply } from '../protocol/reply.js';

/** 'tls-cert': a client certificate named no usable user (Valkey's reason for certificate login) */
export type AclDenialReason = 'command' | 'key' | 'channel' | 'auth' | 'tls-cert';
export type AclLogContext = 'toplevel' | 'multi' | 'lua' | 'module';

export interface AclLogEntry {
  count: number;
  reason: AclDenialReason;
  context: AclLogContext;
  /** the command name, key, channel, or (auth) the command used: AUTH / HELLO */
  object: string;
  username: string;
  /** CLIENT LIST line of the last client that caused it */
  clientInfo: string;
  entryId: number;
  /** ms since the epoch */
  created: number;
  updated: number;
}

/** Redis ACL_LOG_GROUPING_MAX_TIME_DELTA */
const GROUPING_WINDOW_MS = 60_000;
/** how many recent entries a new event is compared with */
const GROUPING_SCAN = 10;

export class AclLog {
  /** newest first */
  private entries: AclLogEntry[] = [];
  private nextId = 0;

  constructor(private maxLen: () => number) {}

  get length(): number {
    return this.entries.length;
  }

  add(reason: AclDenialReason, context: AclLogContext, object: string, username: string, clientInfo: string, now: number): void {
    const scan = Math.min(GROUPING_SCAN, this.entries.length);
    for (let i = 0; i < scan; i++) {
      const e = this.entries[i]!;
      if (
        e.reason === reason &&
        e.context === context &&
        Math.abs(e.updated - now) <= GROUPING_WINDOW_MS &&
        e.object === object &&
        e.username === username
      ) {
        e.count++;
        e.updated = now;
        e.clientInfo = clientInfo;
        this.entries.splice(i, 1);
        this.entries.unshift(e);
        return;
      }
    }
    this.entries.unshift({ count: 1, reason, context, object, username, clientInfo, entryId: this.nextId++, created: now, updated: now });
    this.trim();
  }

  /** Drops the oldest entries beyond acllog-max-len (also after the limit is lowered). */
  trim(): void {
    const max = this.maxLen();
    if (this.entries.length > max) this.entries.length = max;
  }

  reset(): void {
    this.entries = [];
  }

  /** ACL LOG [count]: the newest `count` entries as Redis 7.2's maps. */
  reply(count: number, now: number): Reply {
    const out: Reply[] = [];
    for (const e of this.entries.slice(0, Math.max(0, count))) {
      out.push(
        reply.map([
          reply.bulk('count'),
          reply.int(e.count),
          reply.bulk('reason'),
          reply.bulk(e.reason),
          reply.bulk('context'),
          reply.bulk(e.context),
          reply.bulk('object'),
          reply.bulk(e.object),
          reply.bulk('username'),
          reply.bulk(e.username),
          reply.bulk('age-seconds'),
          reply.double((now - e.updated) / 1000),
          reply.bulk('client-info'),
          reply.bulk(e.clientInfo),
          reply.bulk('entry-id'),
          reply.int(e.entryId),
          reply.bulk('timestamp-created'),
          reply.int(e.created),
          reply.bulk('timestamp-last-updated'),
          reply.int(e.updated),
        ]),
      );
    }
    return reply.array(out);
  }

  /** Entries for other layers (security events, tests), newest first. */
  snapshot(): readonly AclLogEntry[] {
    return this.entries;
  }
}

