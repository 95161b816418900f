/**
 * What replication/ takes from the server (ReplicationHost, satisfied by
 * server/server.ts) and what its sides see of each other through replication.ts
 * (ReplicationParts). Both are named here, in a leaf, so that neither the server module
 * nor replication.ts is imported by the modules they build: no import cycle (issue 14).
 */
import type net from 'node:net';
import type { Dispatcher } from '../commands/dispatcher.js';
import type { KeyspaceHost } from '../keyspace/database.js';
import type { PersistenceHost } from '../persistence/persistence-host.js';
import type { PersistenceLayer } from '../persistence/persistence-layer.js';
import type { Client } from '../server/client.js';
import type { ClientLimits } from '../server/client-limits.js';
import type { ClientPause } from '../server/client-pause.js';
import type { Connection } from '../server/connection.js';
import type { InfoFields } from '../server/info-registry.js';
import type { ListenerKind } from '../server/listeners.js';
import type { TrackingTable } from '../server/tracking.js';
import type { SecurityMonitor } from '../security/security-monitor.js';
import type { AccessControl } from '../acl/access-control.js';
import type { ReplicaClient } from './replica-client.js';
import type { ReplicationState } from './replication-state.js';
import type { ReplicationStream } from './replication-stream.js';

/** What replication reads of the server: both sides drive connections, snapshots and the write feed. */
export interface ReplicationHost extends PersistenceHost {
  /** the replica side applies the primary's stream through the dispatcher */
  readonly dispatcher: Dispatcher;
  readonly acl: AccessControl;
  readonly security: SecurityMonitor;
  readonly persistence: PersistenceLayer;
  readonly pause: ClientPause;
  readonly limits: ClientLimits;
  readonly tracking: TrackingTable;
  readonly connections: ReadonlyMap<number, Connection>;
  /** the keyspace hooks a replica's fresh databases are built with */
  readonly keyspace: KeyspaceHost;
  readonly admission: { allocateClientId(): number };
  /** a primary that becomes a replica disconnects its blocked clients */
  readonly blocking: { disconnectAll(): number };
  readonly network: { port(kind: ListenerKind): number };
  readonly shuttingDown: boolean;
  boundPort(): number;
  /** the master client's connection is opened as an admitted client's */
  open(client: Client, socket: net.Socket): void;
}

/** The FAILOVER states INFO shows (master_failover_state). */
export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

/** What the primary side tells WAIT / WAITAOF (server/wait-registry.ts). */
export interface AckListener {
  recheck(): void;
}

/**
 * A side's INFO figures, placed where Redis 7.2 prints them: `roleFields` right after
 * `role` (a replica's master_* link fields), `replicaFields` for `connected_slaves` and
 * the `slaveN` lines (a primary's replicas; a replica may have replicas too).
 */
export interface ReplicationInfoSource {
  roleFields?(): InfoFields;
  replicaFields?(): InfoFields;
}

/** What the primary side, the replica side and FAILOVER see of replication.ts and of each other. */
export interface ReplicationParts {
  readonly state: ReplicationState;
  isReplica: boolean;
  refuseWrites: boolean;
  refuseStale: boolean;
  readonly failoverState: FailoverState;
  readonly masterLinkUp: boolean;
  waits: AckListener | null;
  readonly failover: {
    readonly state: FailoverState;
    readonly withholdsPing: boolean;
    check(): void;
    psyncAnswered(accepted: boolean): void;
  };
  readonly primary: {
    readonly replicas: readonly ReplicaClient[];
    readonly stream: ReplicationStream;
    relay(bytes: Buffer): void;
    disconnectReplicas(): void;
    ensureBacklog(): void;
  };
  readonly replica: { unsetMaster(by: Client | null): void; failoverTo(host: string, port: number): void } | null;
  addInfoSource(source: ReplicationInfoSource): void;
  /** the replica side changed `isReplica`: what follows the role (oom-score-adj) */
  roleChanged(): void;
}
