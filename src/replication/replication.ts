/**
 * Replication's owner in the server (composition root side): this server's PSYNC2
 * identity and backlog (replication-state.ts), and the two sides built on them — the
 * primary side that serves replicas (PSYNC/SYNC/REPLCONF, full sync, the stream) and the
 * replica side that follows a primary (REPLICAOF, handshake, load, apply). Each side
 * registers here; INFO's replication section and ROLE read their figures through this
 * module so the fields come out in Redis 7.2's order whatever the role.
 *
 * Contract: `state` is the only replication identity in the server (DEBUG CHANGE-REPL-ID,
 * INFO, PSYNC and the RDB's repl-id aux field all read it); `infoFields` is cheap and has
 * no side effects.
 */
import type { InfoFields } from '../server/info-registry.js';
import { ReplicationState } from './replication-state.js';
import { PrimarySide } from './primary-side.js';
import { ReplicaSide } from './replica-side.js';
import { Failover } from './failover.js';
import type { AckListener, FailoverState, ReplicationHost, ReplicationInfoSource, ReplicationParts } from './replication-host.js';
import { OomScoreAdj } from '../server/oom-score.js';

export type { AckListener, ReplicationHost, ReplicationInfoSource } from './replication-host.js';

export class Replication implements ReplicationParts {
  /** the identity and backlog every part of replication shares */
  readonly state = new ReplicationState();
  /** the sides registered (primary and replica) */
  private readonly sources: ReplicationInfoSource[] = [];
  /** true while this server follows a primary (set by the replica side) */
  isReplica = false;
  /**
   * The dispatcher's replica refusals, kept by the replica side: writes from clients while
   * following a primary with replica-read-only yes (-READONLY), and commands without the
   * `stale` flag while the link is down with replica-serve-stale-data no (-MASTERDOWN).
   */
  refuseWrites = false;
  refuseStale = false;
  /** the replica side (REPLICAOF, the link to a primary); built by `attach` */
  replica: ReplicaSide | null = null;
  /** FAILOVER (failover.ts) */
  readonly failover: Failover;
  /** the FAILOVER state INFO shows (master_failover_state) */
  get failoverState(): FailoverState {
    return this.failover.state;
  }
  /** while a replica: the link with the primary is up; PSYNC is refused otherwise */
  get masterLinkUp(): boolean {
    return this.replica !== null && this.replica.state === 'connected';
  }
  /** WAIT / WAITAOF, told when an acknowledgement arrives (attached by the command services) */
  waits: AckListener | null = null;
  /** the replicas, PSYNC / SYNC / REPLCONF, full syncs and the stream (primary-side.ts) */
  readonly primary: PrimarySide;
  /** oom-score-adj: the process's score follows the role's class (server/oom-score.ts) */
  private oomScore: OomScoreAdj | null = null;

  constructor(private readonly host: ReplicationHost) {
    this.primary = new PrimarySide(this, host);
    this.failover = new Failover(this, host);
    this.addInfoSource({ replicaFields: () => this.primary.replicaFields() });
  }

  /**
   * Builds the sides once the server's parts exist (called from the server's constructor,
   * before the config hooks run, so `replicaof` in the config file takes effect).
   */
  attach(server: ReplicationHost): void {
    this.oomScore = new OomScoreAdj({ config: server.config, logger: server.logger, isReplica: () => this.isReplica });
    this.replica = new ReplicaSide(server, this);
    this.replica.attach();
    server.pause.onEnd(() => this.primary.pauseEnded());
  }

  /** Server shutdown: the link to a primary and the replicas' links closed, timers stopped. */
  close(): void {
    this.failover.close();
    this.replica?.close();
    this.primary.close();
  }

  /** The replica side changed `isReplica` (REPLICAOF, a promotion): what follows the role. */
  roleChanged(): void {
    this.oomScore?.roleChanged();
  }

  /** A side adds its INFO figures. */
  addInfoSource(source: ReplicationInfoSource): void {
    this.sources.push(source);
  }

  /**
   * Redis's rdbPopulateSaveInfo: the aux fields an RDB saved now carries so that this
   * server, restarted as a replica, can continue its history with a partial resync —
   * repl-stream-db, repl-id, repl-offset. None on a primary without a backlog (no replica
   * could continue it) — as Redis.
   */
  saveInfo(): [string, string][] {
    let db: number | null = null;
    if (this.isReplica) db = this.replica?.streamDbForSave() ?? null;
    else if (this.state.backlog !== null) db = this.primary.stream.selectedDb;
    if (db === null) return [];
    return [
      ['repl-stream-db', String(db)],
      ['repl-id', this.state.replid],
      ['repl-offset', String(this.state.offset)],
    ];
  }

  /**
   * Start-up load of an RDB with replication aux fields: a server configured as a replica
   * takes that identity and offers it with PSYNC (Redis's cached master built from its
   * own image), so a restarted replica resumes with a partial resync. A primary ignores
   * them, as Redis 7.2 does without a backlog.
   */
  restoreFromRdb(rsi: { replid: string; offset: number; streamDb: number }): void {
    if (!this.isReplica || this.replica === null) return;
    if (rsi.replid.length !== 40 || !Number.isSafeInteger(rsi.offset) || rsi.offset < 0) return;
    this.state.replid = rsi.replid;
    this.state.offset = rsi.offset;
    this.replica.continueFrom(rsi.streamDb);
  }

  /** DEBUG CHANGE-REPL-ID: a new ID, and the previous one forgotten. */
  changeIds(): void {
    this.state.changeId();
    this.state.clearSecondId();
  }

  /** INFO replication, in Redis 7.2's field order. */
  infoFields(): InfoFields {
    const s = this.state;
    const backlog = s.backlog;
    const fields: InfoFields = [['role', this.isReplica ? 'slave' : 'master']];
    for (const src of this.sources) if (src.roleFields) fields.push(...src.roleFields());
    const replicaFields: InfoFields = [];
    for (const src of this.sources) if (src.replicaFields) replicaFields.push(...src.replicaFields());
    if (replicaFields.length === 0) replicaFields.push(['connected_slaves', 0]);
    fields.push(
      ...replicaFields,
      ['master_failover_state', this.failoverState],
      ['master_replid', s.replid],
      ['master_replid2', s.replid2],
      ['master_repl_offset', s.offset],
      ['second_repl_offset', s.secondReplidOffset],
      ['repl_backlog_active', backlog === null ? 0 : 1],
      ['repl_backlog_size', backlog === null ? this.host.config.int('repl-backlog-size') : backlog.size],
      ['repl_backlog_first_byte_offset', backlog === null ? 0 : backlog.firstByteOffset],
      ['repl_backlog_histlen', backlog === null ? 0 : backlog.histlen],
    );
    return fields;
  }
}
