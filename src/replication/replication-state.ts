/**
 * Who this server is in a replication history (Redis 7.2's PSYNC2 identity): the
 * replication ID of the history it serves, the previous ID and the offset up to which that
 * one is still valid, the stream offset reached, and the backlog of the stream's last bytes.
 *
 * Shared by both sides of replication: a primary feeds the stream it produces, a replica
 * feeds the stream it receives from its primary (verbatim, so its own replicas and a
 * later promotion see the same bytes at the same offsets).
 *
 * Redis's rules kept here (replication.c):
 *  - a new random ID is taken when a history starts that no replica can share
 *    (`changeId`: start-up, FLUSHALL-free full sync as a primary without replicas, …);
 *  - on promotion (REPLICAOF NO ONE, FAILOVER) the old ID becomes `replid2`, valid up to
 *    `secondReplidOffset = offset + 1`, so replicas of the old primary can continue
 *    partially with the new one (`shiftIds`);
 *  - a replica asking `PSYNC replid offset` can continue when the ID is the current one,
 *    or the previous one and `offset ≤ secondReplidOffset`, and the backlog holds the
 *    bytes from `offset` on (`canContinue`).
 */
import { randomBytes } from 'node:crypto';
import { ReplicationBacklog } from './replication-backlog.js';

/** Redis's "no ID" value (40 zeros), shown as master_replid2 when there is none. */
export const NO_REPLICATION_ID = '0'.repeat(40);

/** A fresh 40-hex-character replication ID. */
export function newReplicationId(): string {
  return randomBytes(20).toString('hex');
}

export class ReplicationState {
  /** the history this server's stream belongs to (master_replid) */
  replid = newReplicationId();
  /** the history before the last promotion (master_replid2) */
  replid2 = NO_REPLICATION_ID;
  /** last offset + 1 for which `replid2` is valid (second_repl_offset; -1: none) */
  secondReplidOffset = -1;
  /** bytes of the stream produced or received so far (master_repl_offset) */
  offset = 0;
  /** the stream's last bytes; null until a replica attaches or this server is a replica */
  backlog: ReplicationBacklog | null = null;

  /** Appends stream bytes: advances the offset and keeps them in the backlog if one exists. */
  feed(data: Uint8Array): void {
    this.offset += data.length;
    this.backlog?.append(data);
  }

  /** Creates the backlog if there is none (Redis's createReplicationBacklog). */
  ensureBacklog(size: number): ReplicationBacklog {
    if (this.backlog === null) this.backlog = new ReplicationBacklog(size, this.offset);
    return this.backlog;
  }

  /** Drops the backlog (repl-backlog-ttl expired with no replicas). */
  freeBacklog(): void {
    this.backlog = null;
  }

  /** Starts a new history no replica shares (changeReplicationId). */
  changeId(): void {
    this.replid = newReplicationId();
  }

  /** Forgets the previous history (clearReplicationId2). */
  clearSecondId(): void {
    this.replid2 = NO_REPLICATION_ID;
    this.secondReplidOffset = -1;
  }

  /** On promotion: the current history becomes the previous one, valid up to here (shiftReplicationId). */
  shiftIds(): void {
    this.replid2 = this.replid;
    this.secondReplidOffset = this.offset + 1;
    this.replid = newReplicationId();
  }

  /**
   * Takes over a primary's identity after a full sync (+FULLRESYNC replid offset): the
   * stream continues at its offset, and the old backlog no longer matches it.
   */
  adopt(replid: string, offset: number): void {
    this.replid = replid;
    this.offset = offset;
    this.clearSecondId();
    if (this.backlog !== null) this.backlog = new ReplicationBacklog(this.backlog.size, offset);
  }

  /**
   * Whether `PSYNC replid psyncOffset` can continue from the backlog rather than start a
   * full sync (masterTryPartialResynchronization's checks, in its order).
   */
  canContinue(replid: string, psyncOffset: number): boolean {
    const sameHistory =
      replid.toLowerCase() === this.replid.toLowerCase() ||
      (replid.toLowerCase() === this.replid2.toLowerCase() && psyncOffset <= this.secondReplidOffset);
    if (!sameHistory) return false;
    return this.backlog !== null && this.backlog.covers(psyncOffset);
  }
}
