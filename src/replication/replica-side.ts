/**
 * The replica side of replication (Redis 7.2 replication.c, the replica's half): which
 * primary this server follows (REPLICAOF / `replicaof`), the link's state machine, the
 * full sync (RDB received to a temp file — or kept in memory for a diskless load — and
 * loaded with the RDB reader; repl-diskless-load swapdb keeps the old dataset until then),
 * the applied stream, the once-a-second cron (reconnect, REPLCONF ACK, timeouts), and
 * what clients see of it: INFO replication's master_* fields, ROLE, the READONLY and
 * MASTERDOWN refusals (flags on Replication the dispatcher tests).
 *
 * A primary that answers PSYNC with an error is synced with the old SYNC instead (no
 * +FULLRESYNC: the payload follows at once), as Redis 7.2 falls back.
 *
 * Link states are Redis's repl_state as ROLE names them: `connect` (to be connected by the
 * cron), `connecting` (TCP/TLS connect in flight), `handshake` (PING … PSYNC reply),
 * `sync` (receiving and loading the RDB), `connected` (applying the stream).
 *
 * PSYNC2: after the link to a primary drops, this server's own identity (replid, offset,
 * the master client's database) is the "cached master" the next connection continues
 * with; a server that becomes a replica while it was a primary offers its own history
 * the same way (Redis's replicationCacheMasterUsingMyself). A replica configured at
 * start-up has nothing to continue and asks `PSYNC ? -1`.
 *
 * Invariant: at most one link (socket) exists; every callback of an older link is
 * ignored (`generation`).
 */
import { rename, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type net from 'node:net';
import type tls from 'node:tls';
import type { InfoFields } from '../server/info-registry.js';
import { Client } from '../server/client.js';
import { Database } from '../keyspace/database.js';
import { clientInfoLine } from '../server/client-info.js';
import { collectAfterLoad, loadRdbInto } from '../persistence/loading.js';
import { Kind, reply, type Reply } from '../protocol/reply.js';
import { MasterLink, type HandshakeSettings, type PsyncOutcome } from './master-link.js';
import { RdbReceiver } from './rdb-transfer.js';
import { StreamApplier } from './stream-applier.js';
import type { ReplicationHost, ReplicationParts } from './replication-host.js';
import { newReplicationId } from './replication-state.js';

/** An error of the TLS layer (a certificate refused by either side, an alert). */
function isTlsFailure(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /certificate|alert|self[- ]signed|unable to verify/i.test(e.message);
}

export type LinkState = 'none' | 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

/** The outcome of REPLICAOF host port. */
export type ReplicaOfOutcome = 'ok' | 'already';

export class ReplicaSide {
  /** the primary followed (Redis's masterhost/masterport); null on a primary */
  masterHost: string | null = null;
  masterPort = 0;
  state: LinkState = 'none';
  private socket: net.Socket | null = null;
  private link: MasterLink | null = null;
  private receiver: RdbReceiver | null = null;
  private applier: StreamApplier | null = null;
  /** the master client (CLIENT LIST flags=M) while the stream is applied */
  private masterClient: Client | null = null;
  /** whether this server's own identity may be offered with PSYNC (a cached primary) */
  private canContinue = false;
  /** the master client's database, kept for a partial resync */
  private streamDb = 0;
  /** when the link went down (ms), 0 = never up (master_link_down_since_seconds -1) */
  private downSince = 0;
  /** last byte received from the primary, any stage (ms) */
  private lastIo = 0;
  /** the received RDB's offset at start of the stream: slave_read_repl_offset's base */
  private streamBase = 0;
  /**
   * the primary answered PSYNC with an error and was synced with the old SYNC (Redis's
   * CLIENT_PRE_PSYNC master): no periodic REPLCONF ACK is sent to it, as Redis
   */
  private preSync = false;
  /**
   * After SYNC with an `$EOF:` framed payload: that primary knows REPLCONF (diskless sync
   * came with it) and, as Redis 7 does for a diskless-synced replica, starts the stream only
   * on an ACK received once it holds the replica online. The one ACK sent after the load can
   * arrive before the primary has handled its RDB child's end and be ignored, so an ACK
   * follows each second until the first stream byte arrives.
   */
  private ackUntilStream = false;
  /**
   * REPLCONF ACK … FACK: the replication offset the local AOF has fsynced (Redis's
   * fsynced_reploff on a replica). After each applied batch, the write feed's command
   * offset is recorded against the replication offset reached; once the AOF's fsyncs cover
   * a batch's commands, its offset is covered. Never above the truth: a mark dropped for
   * room is simply never reported.
   */
  private readonly fsyncMarks: { cmd: number; repl: number }[] = [];
  private fsyncedRepl = 0;
  /** after a full sync with appendonly yes: the sync's offset, FACK 0 until the AOF rewrite ends */
  private rewriteBase: number | null = null;
  private generation = 0;
  private timer: NodeJS.Timeout | null = null;
  /** everything read from the primary (RDB and stream) is replication input, as in Redis */
  private readonly countInput = (d: Buffer): void => {
    this.server.stats.netReplInputBytes += d.length;
  };

  constructor(
    private readonly server: ReplicationHost,
    private readonly replication: ReplicationParts,
  ) {}

  /** Registers the settings this side acts on and starts its once-a-second cron. */
  attach(): void {
    const config = this.server.config;
    // `replicaof` in the config file: a replica from the start, connected once loading is over
    config.onChange('replicaof', (v) => {
      if (v === '' || this.masterHost !== null) return null;
      const at = v.lastIndexOf(' ');
      this.setMaster(v.slice(0, at), Number(v.slice(at + 1)), false);
      return null;
    });
    config.onChange(['replica-read-only', 'replica-serve-stale-data'], () => {
      this.refreshGates();
      return null;
    });
    this.replication.addInfoSource({ roleFields: () => this.roleFields() });
    this.timer = setInterval(() => this.cron(), 1000);
    this.timer.unref();
  }

  /** Server shutdown: the link is closed, the cron stopped. */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.dropLink(false);
  }

  // ---- REPLICAOF ----

  /** REPLICAOF host port (arguments checked): follows that primary. */
  replicaOf(host: string, port: number, by: Client): ReplicaOfOutcome {
    const log = this.server.logger;
    if (this.masterHost !== null && this.masterHost.toLowerCase() === host.toLowerCase() && this.masterPort === port) {
      log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
      return 'already';
    }
    this.setMaster(host, port, true);
    log.notice(`REPLICAOF ${host}:${port} enabled (user request from '${clientInfoLine(this.server.now(), by, null)}')`);
    this.server.security.events.emit('replication-link', { event: 'replicaof', master: `${host}:${port}`, by: by.addr, user: by.user });
    return 'ok';
  }

  /** REPLICAOF NO ONE: promoted, the data kept, a new history whose past replicas may continue. */
  noOne(by: Client): void {
    this.promote(by, 'user');
  }

  /**
   * replicationUnsetMaster for FAILOVER: `by` is the old primary's client sending
   * PSYNC … FAILOVER (this server is the target), or null when this server's own failover
   * is aborted after it started following the target.
   */
  unsetMaster(by: Client | null): void {
    this.promote(by, 'failover');
  }

  /** The stream's database an RDB saved now records (null: no history to continue). */
  streamDbForSave(): number | null {
    if (this.masterClient !== null) return this.masterClient.dbIndex;
    return this.canContinue ? this.streamDb : null;
  }

  /** Start-up: the identity restored from our own RDB may be offered with PSYNC. */
  continueFrom(streamDb: number): void {
    this.canContinue = true;
    this.streamDb = streamDb;
    const st = this.replication.state;
    this.server.logger.notice(`Restored replication ID ${st.replid} and offset ${st.offset} from the RDB file: a partial resynchronization can be attempted.`);
  }

  /** FAILOVER reached `failover-in-progress`: follow the target, offering our own history. */
  failoverTo(host: string, port: number): void {
    this.setMaster(host, port, true);
  }

  private promote(by: Client | null, kind: 'user' | 'failover'): void {
    if (this.masterHost === null) return;
    const master = `${this.masterHost}:${this.masterPort}`;
    this.dropLink(false);
    this.masterHost = null;
    this.masterPort = 0;
    this.state = 'none';
    this.canContinue = false;
    const s = this.replication.state;
    s.shiftIds();
    this.server.logger.notice(
      `Setting secondary replication ID to ${s.replid2}, valid up to offset: ${s.secondReplidOffset}. New replication ID is ${s.replid}`,
    );
    // as Redis 7.2's replicationUnsetMaster: our replicas must learn the new ID, so they are
    // disconnected (they continue partially at once), and the stream we now produce starts
    // with a SELECT — a replica's link may be in any database (slaveseldb = -1)
    this.replication.primary.disconnectReplicas();
    this.replication.primary.stream.resetSelect();
    this.replication.isReplica = false;
    this.replication.roleChanged();
    this.server.logger.role = 'M';
    this.storeReplicaOf('');
    this.refreshGates();
    if (by !== null) this.server.logger.notice(`MASTER MODE enabled (${kind} request from '${clientInfoLine(this.server.now(), by, null)}')`);
    this.server.security.events.emit('replication-link', {
      event: 'promoted',
      master,
      how: kind,
      by: by === null ? 'failover-abort' : by.addr,
      user: by === null ? '' : by.user,
    });
  }

  private setMaster(host: string, port: number, connectNow: boolean): void {
    const wasMaster = this.masterHost === null;
    // a connected link is cached (its history may continue with the new primary)
    this.dropLink(this.state === 'connected');
    // clients blocked on a primary (BLPOP, XREAD, WAIT…) would wait for writes that now come
    // only from the new primary: Redis 7.2 answers them -UNBLOCKED and closes them
    this.server.blocking.disconnectAll();
    this.masterHost = host;
    this.masterPort = port;
    this.replication.isReplica = true;
    this.replication.roleChanged();
    this.server.logger.role = 'S';
    if (wasMaster) {
      // offer our own history: a demoted primary continues partially with the new one
      this.canContinue = connectNow;
      this.streamDb = 0;
    }
    this.state = 'connect';
    this.storeReplicaOf(`${host} ${port}`);
    this.refreshGates();
    if (connectNow) this.connect();
  }

  /** CONFIG GET / REWRITE show the primary REPLICAOF set, as Redis's masterhost. */
  private storeReplicaOf(value: string): void {
    this.server.config.store('replicaof', value);
  }

  /** The dispatcher's flags: READONLY and MASTERDOWN refusals. */
  private refreshGates(): void {
    const r = this.replication;
    const c = this.server.config;
    r.refuseWrites = r.isReplica && c.bool('replica-read-only');
    r.refuseStale = r.isReplica && this.state !== 'connected' && !c.bool('replica-serve-stale-data');
  }

  private setState(state: LinkState): void {
    this.state = state;
    this.refreshGates();
  }

  // ---- the link ----

  private connect(): void {
    const s = this.server;
    const host = this.masterHost;
    if (host === null) return;
    const gen = ++this.generation;
    s.logger.notice(`Connecting to MASTER ${host}:${this.masterPort}`);
    let settings: HandshakeSettings;
    try {
      settings = this.handshakeSettings(host);
    } catch (e) {
      s.logger.warning(`Unable to connect to MASTER: ${(e as Error).message}`);
      return;
    }
    this.lastIo = Date.now();
    this.setState('connecting');
    const link = new MasterLink(
      settings,
      {
        connected: () => {
          if (gen !== this.generation) return;
          this.setState('handshake');
        },
        io: () => {
          this.lastIo = Date.now();
        },
        failed: (_reason, authFailure) => {
          if (gen !== this.generation) return;
          if (authFailure) {
            s.security.events.emit('replication-auth-failure', { master: `${host}:${this.masterPort}`, user: settings.user ?? 'default' });
          }
          this.cancelHandshake();
        },
        psync: (outcome, rest) => {
          if (gen !== this.generation) return;
          this.onPsync(outcome, rest, gen);
        },
      },
      s.logger,
    );
    this.link = link;
    const socket = link.socket;
    this.socket = socket;
    // everything read from the primary (RDB and stream) is replication input, as in Redis
    socket.on('data', this.countInput);
    socket.on('error', (e) => {
      if (gen !== this.generation) return;
      // Redis's lines for a connect, a handshake read and a transfer that failed
      if (this.state === 'connecting') s.logger.warning(`Error condition on socket for SYNC: ${e.message}`);
      else if (this.state === 'handshake') s.logger.warning(`Failed to read response from the server: ${e.message}`);
      else if (this.state === 'sync') s.logger.warning(`I/O error trying to sync with MASTER: ${e.message}`);
      // a certificate refused either way is an authentication failure of the link
      if (settings.tls !== null && this.state !== 'connected' && isTlsFailure(e)) {
        s.security.events.emit('replication-auth-failure', { master: `${host}:${this.masterPort}`, user: settings.user ?? 'default', reason: `tls: ${e.message.slice(0, 200)}` });
      }
    });
    socket.on('close', () => {
      if (gen !== this.generation) return;
      this.onSocketClosed();
    });
    s.logger.notice('MASTER <-> REPLICA sync started');
  }

  private handshakeSettings(host: string): HandshakeSettings {
    const c = this.server.config;
    const password = c.get('masterauth');
    const user = c.get('masteruser');
    const useTls = c.bool('tls-replication');
    const announcePort = c.int('replica-announce-port');
    const tlsPort = this.server.network.port('tls');
    const announceIp = c.get('replica-announce-ip');
    const sourceAddr = c.get('bind-source-addr');
    const st = this.replication.state;
    return {
      host,
      port: this.masterPort,
      user: password !== '' && user !== '' ? user : null,
      password: password !== '' ? password : null,
      listeningPort: announcePort !== 0 ? announcePort : useTls && tlsPort > 0 ? tlsPort : this.server.boundPort(),
      announceIp: announceIp !== '' ? announceIp : null,
      sourceAddr: sourceAddr !== '' ? sourceAddr : null,
      tls: useTls ? this.tlsOptions() : null,
      psync: this.canContinue ? { replid: st.replid, offset: st.offset } : null,
      failover: this.replication.failoverState === 'failover-in-progress',
    };
  }

  /**
   * The outgoing TLS settings (tls-replication yes): the CA files verify the primary's
   * certificate (as Redis: the chain, not the host name); the client certificate is
   * tls-client-cert-file, or the server's own tls-cert-file when none is set.
   */
  private tlsOptions(): tls.ConnectionOptions {
    const c = this.server.config;
    const read = (name: Parameters<typeof c.get>[0]): Buffer | undefined => {
      const f = c.get(name);
      return f === '' ? undefined : readFileSync(f);
    };
    const clientCert = c.get('tls-client-cert-file') !== '';
    const opts: tls.ConnectionOptions = {
      ca: read('tls-ca-cert-file'),
      cert: clientCert ? read('tls-client-cert-file') : read('tls-cert-file'),
      key: clientCert ? read('tls-client-key-file') : read('tls-key-file'),
      rejectUnauthorized: true,
      checkServerIdentity: () => undefined,
    };
    const pass = clientCert ? c.get('tls-client-key-file-pass') : c.get('tls-key-file-pass');
    if (pass !== '') opts.passphrase = pass;
    return opts;
  }

  private onPsync(outcome: PsyncOutcome, rest: Buffer, gen: number): void {
    const s = this.server;
    const st = this.replication.state;
    // our own FAILOVER: the target's answer ends it (a full resync is accepted too, as Redis)
    if (this.replication.failoverState === 'failover-in-progress') {
      const accepted = outcome.kind === 'continue' || outcome.kind === 'full';
      this.replication.failover.psyncAnswered(accepted);
      if (!accepted) return;
    }
    if (outcome.kind === 'later' || outcome.kind === 'failed') {
      this.cancelHandshake();
      return;
    }
    const socket = this.socket!;
    this.preSync = outcome.kind === 'sync';
    if (outcome.kind === 'continue') {
      if (outcome.replid !== null && outcome.replid !== st.replid) {
        s.logger.notice(`Master replication ID changed to ${outcome.replid}`);
        // PSYNC2: the old history stays valid up to here for our own replicas
        st.shiftIds();
        st.replid = outcome.replid;
        // our own replicas must learn the new ID (Redis disconnects them for it)
        this.replication.primary.disconnectReplicas();
      }
      this.replication.primary.ensureBacklog();
      s.logger.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      s.security.events.emit('replication-link', { event: 'sync-partial', master: `${this.masterHost}:${this.masterPort}` });
      this.startStream(socket, rest);
      return;
    }
    if (this.canContinue) s.logger.notice('Discarding previously cached master state.');
    this.canContinue = false;
    this.setState('sync');
    // Redis's useDisklessLoad: from the socket with swapdb, or on-empty-db with no keys
    const load = s.config.get('repl-diskless-load');
    const diskless = load === 'swapdb' || (load === 'on-empty-db' && s.dbs.every((db) => db.size === 0));
    const file = diskless ? null : path.join(s.config.get('dir'), `temp-${Math.floor(Date.now() / 1000)}.${process.pid}.rdb`);
    const receiver = new RdbReceiver(socket, file, s.logger, {
      io: () => {
        this.lastIo = Date.now();
      },
      failed: () => {
        if (gen !== this.generation) return;
        this.cancelHandshake();
      },
      done: (after, payload) => {
        if (gen !== this.generation) return;
        const source = payload ?? file!;
        this.ackUntilStream = outcome.kind === 'sync' && receiver.eofFramed;
        // after SYNC: no ID nor offset were announced; Redis starts the master client's
        // offset at -1 (master_initial_offset), so the stream's offsets match its own
        if (outcome.kind === 'sync') void this.loadReceived(source, newReplicationId(), -1, after, gen);
        else void this.loadReceived(source, outcome.replid, outcome.offset, after, gen);
      },
    });
    this.receiver = receiver;
    if (rest.length > 0) receiver.feed(rest);
  }

  /**
   * The payload is complete — on disk (a file) or in memory (a diskless load): the old
   * dataset goes, the new one is loaded, the primary's identity taken over, the stream
   * applied. With `repl-diskless-load swapdb` the old dataset and functions are only moved
   * aside while loading (Redis's temp db, swapped in when the load succeeded) and come back
   * if it fails; otherwise they are flushed first, and a failed diskless load leaves the
   * dataset empty, as Redis.
   */
  private async loadReceived(source: string | Buffer, replid: string, offset: number, after: Buffer, gen: number): Promise<void> {
    const s = this.server;
    const fromSocket = typeof source !== 'string';
    const size = fromSocket ? source.length : this.receivedBytes(source);
    this.receiver = null;
    // a snapshot running now would save an image older than the primary's
    s.persistence.rdb.cancel();
    const swap = fromSocket && s.config.get('repl-diskless-load') === 'swapdb';
    let kept: Database[] | null = null;
    let keptFunctions: string[] = [];
    if (swap) {
      kept = s.dbs.map((db) => {
        const aside = new Database(db.index, s.keyspace);
        aside.swapContents(db);
        return aside;
      });
      keptFunctions = s.functions.codes();
    } else {
      s.logger.notice('MASTER <-> REPLICA sync: Flushing old data');
      s.tracking.flush(() => {
        for (const db of s.dbs) db.flush();
      });
    }
    s.functions.flush();
    s.logger.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    const name = s.config.get('dbfilename');
    s.loading = true;
    s.persistence.beginLoading(size);
    try {
      if (fromSocket) {
        // as Redis on a replica: keys the primary still holds load even if their time passed
        await loadRdbInto(s, source, name, true);
      } else {
        const target = path.join(s.config.get('dir'), name);
        await rename(source, target);
        await loadRdbInto(s, target, name, true);
      }
    } catch (e) {
      s.loading = false;
      if (fromSocket) {
        s.logger.warning('Failed trying to load the MASTER synchronization DB from socket, check server logs.');
        // what was loaded goes; with swapdb the old dataset comes back
        s.tracking.flush(() => {
          for (const db of s.dbs) db.flush();
        });
        s.functions.flush();
        if (kept !== null) {
          for (const [i, db] of s.dbs.entries()) db.swapContents(kept[i]!);
          if (keptFunctions.length > 0) s.functions.restore(keptFunctions, 'append', { timeoutMs: 0 });
          s.logger.notice('MASTER <-> REPLICA sync: Discarding temporary DB in background');
        }
      } else {
        s.logger.warning(`Failed trying to load the MASTER synchronization DB from disk, check server logs. (${(e as Error).message})`);
        await unlink(source).catch(() => {});
      }
      if (gen === this.generation) this.cancelHandshake();
      return;
    } finally {
      s.loading = false;
    }
    if (kept !== null) {
      s.logger.notice('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
      // the old keys' watchers and trackers learn they changed, as with a flush
      s.tracking.flush(() => {
        for (const db of kept!) db.flush();
      });
      s.logger.notice('MASTER <-> REPLICA sync: Discarding old DB in background');
    }
    // the load's garbage (and a swapped-out dataset) goes now, not at the next major GC
    collectAfterLoad(s);
    s.stats.dirty = 0;
    const st = this.replication.state;
    st.adopt(replid, offset);
    // the AOF is rewritten from the loaded dataset: as Redis (AOF_WAIT_REWRITE), FACK is 0
    // until that rewrite ends, then the sync's offset
    this.fsyncMarks.length = 0;
    this.fsyncedRepl = s.config.bool('appendonly') ? 0 : offset;
    this.rewriteBase = s.config.bool('appendonly') ? offset : null;
    this.replication.primary.ensureBacklog();
    // a new history: our own replicas resynchronise from it (Redis's disconnectSlaves)
    this.replication.primary.disconnectReplicas();
    this.streamDb = 0;
    // the AOF must describe the new dataset: rewritten from it (Redis's restartAOFAfterSYNC)
    if (s.config.bool('appendonly')) s.persistence.aof.rewrite(false);
    s.logger.notice('MASTER <-> REPLICA sync: Finished with success');
    s.security.events.emit('replication-link', { event: 'sync-full', master: `${this.masterHost}:${this.masterPort}` });
    const socket = this.socket;
    if (gen !== this.generation || socket === null || socket.destroyed) {
      // the link dropped while loading: what was loaded is the primary's history up to
      // its offset, so the next connection can continue from there
      if (gen === this.generation) {
        this.dropLink(true);
        this.downSince = Date.now();
        this.setState('connect');
      }
      return;
    }
    this.startStream(socket, after);
    // the first ACK puts a diskless-synced replica online at the primary
    this.applier?.sendAck();
  }

  private receivedBytes(file: string): number {
    const r = this.receiver;
    return r !== null && r.file === file ? r.read : 0;
  }

  /** The master client: registered as a connection (CLIENT LIST / KILL), its input applied. */
  private startStream(socket: net.Socket, initial: Buffer): void {
    const s = this.server;
    const id = s.admission.allocateClientId();
    const addr = `${socket.remoteAddress ?? this.masterHost}:${socket.remotePort ?? this.masterPort}`;
    const laddr = `${socket.localAddress ?? ''}:${socket.localPort ?? 0}`;
    const client = new Client(id, addr, laddr, id + 7, s.now(), s.acl.defaultUser);
    client.role = 'master';
    client.authenticated = true;
    client.dbIndex = this.streamDb;
    s.open(client, socket);
    const conn = s.connections.get(id)!;
    // the connection is the registry entry; its reader is replaced by the stream applier
    socket.removeAllListeners('data');
    socket.on('data', this.countInput);
    this.masterClient = client;
    this.streamBase = this.replication.state.offset;
    const applier = new StreamApplier(socket, conn.ctx, {
      parserLimits: s.limits.parser,
      dispatch: (ctx, argv) => s.dispatcher.dispatch(ctx, argv),
      // verbatim into the shared offset and backlog, and on to this server's own replicas
      feed: (data) => this.replication.primary.relay(data),
      offset: () => this.replication.state.offset,
      beginBatch: () => {
        s.updateTime();
        this.lastIo = Date.now();
        client.lastInteraction = s.now();
        s.current = client;
      },
      endBatch: () => {
        s.current = null;
        this.streamDb = client.dbIndex;
        this.markApplied();
        // the AOF gets the primary's commands this turn, as a client's would
        const barrier = s.persistence.replies;
        if (barrier.pending()) barrier.hold({ flush: () => {} });
      },
      failed: (argv, r) => this.commandFailed(argv, r),
      fsyncedOffset: () => this.fsyncedOffset(),
    });
    this.applier = applier;
    this.downSince = 0;
    this.setState('connected');
    s.security.events.emit('replication-link', { event: 'connected', master: `${this.masterHost}:${this.masterPort}` });
    applier.start(initial);
  }

  /** An applied batch: its commands' feed offset against the replication offset reached. */
  private markApplied(): void {
    const marks = this.fsyncMarks;
    const cmd = this.server.propagator.offset;
    const repl = this.replication.state.offset;
    const last = marks[marks.length - 1];
    // nothing propagated since (PINGs, GETACKs): covered with the same commands
    if (last !== undefined && last.cmd === cmd) last.repl = repl;
    else {
      if (marks.length >= 65536) marks.shift();
      marks.push({ cmd, repl });
    }
  }

  /** FACK's offset; null while appendonly is off (no FACK sent, as Redis). */
  private fsyncedOffset(): number | null {
    const s = this.server;
    if (!s.config.bool('appendonly')) return null;
    const aof = s.persistence.aof.writer;
    if (aof === null || aof.waitingForFirstRewrite) return 0;
    if (this.rewriteBase !== null) {
      const manager = s.persistence.aof;
      if (manager.rewriting || manager.scheduled) return 0;
      // commands applied while it ran are not known fsynced (Redis counts from its start)
      this.fsyncedRepl = Math.max(this.fsyncedRepl, this.rewriteBase);
      this.rewriteBase = null;
      this.fsyncMarks.length = 0;
      return this.fsyncedRepl;
    }
    const durable = s.propagator.offset - aof.unsyncedCommands;
    const marks = this.fsyncMarks;
    let n = 0;
    while (n < marks.length && marks[n]!.cmd <= durable) {
      this.fsyncedRepl = Math.max(this.fsyncedRepl, marks[n]!.repl);
      n++;
    }
    if (n > 0) marks.splice(0, n);
    return this.fsyncedRepl;
  }

  /** Redis 7.2 logs an error the replica would have answered its primary (afterErrorReply). */
  private commandFailed(argv: readonly string[], r: Reply): void {
    if (r.k !== Kind.Error) return;
    this.server.logger.warning(`== CRITICAL == This replica is sending an error to its master: '${r.s}' after processing the command '${argv[0]!.toLowerCase()}'`);
  }

  private onSocketClosed(): void {
    const s = this.server;
    if (this.state === 'connected') {
      s.logger.notice('Connection with master lost.');
      s.logger.notice('Caching the disconnected master state.');
      s.security.events.emit('replication-link', { event: 'lost', master: `${this.masterHost}:${this.masterPort}` });
      this.dropLink(true);
      this.downSince = Date.now();
      this.setState('connect');
      return;
    }
    if (this.state === 'sync' && this.receiver !== null) s.logger.warning('I/O error trying to sync with MASTER: connection lost');
    // while the RDB loads, the load finishes and decides (loadReceived)
    if (this.state === 'sync' && this.receiver === null) return;
    this.cancelHandshake();
  }

  /** A handshake or transfer that failed: dropped, retried by the cron in a second. */
  private cancelHandshake(): void {
    this.dropLink(false);
    if (this.masterHost !== null) this.setState('connect');
  }

  /** Closes the link whatever its stage; `cache` keeps the stream's database for a partial resync. */
  private dropLink(cache: boolean): void {
    this.generation++;
    const receiver = this.receiver;
    if (receiver !== null) {
      receiver.detach();
      if (receiver.file !== null) void unlink(receiver.file).catch(() => {});
    }
    this.receiver = null;
    this.link?.detach();
    this.link = null;
    this.applier?.detach();
    this.applier = null;
    if (this.masterClient !== null) {
      this.streamDb = this.masterClient.dbIndex;
      // the registry entry goes with the socket (Connection.close → connectionClosed)
      this.masterClient.kill();
      this.masterClient = null;
    }
    if (cache) this.canContinue = true;
    this.socket?.destroy();
    this.socket = null;
  }

  // ---- once a second ----

  private cron(): void {
    const s = this.server;
    if (this.masterHost === null || s.shuttingDown) return;
    const timeoutMs = s.config.int('repl-timeout') * 1000;
    const idle = Date.now() - this.lastIo;
    switch (this.state) {
      case 'connect':
        if (!s.loading && s.persistence.started) this.connect();
        return;
      case 'connecting':
      case 'handshake':
        if (idle > timeoutMs) {
          s.logger.warning('Timeout connecting to the MASTER...');
          this.cancelHandshake();
        }
        return;
      case 'sync':
        if (this.receiver !== null && idle > timeoutMs) {
          s.logger.warning("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.");
          this.cancelHandshake();
        }
        return;
      case 'connected':
        if (idle > timeoutMs) {
          s.logger.warning('MASTER timeout: no data nor PING received...');
          this.socket?.destroy();
          return;
        }
        // an old primary synced with SYNC gets no periodic ACKs (it would not understand
        // them), except the ones that wait for its stream to start (ackUntilStream)
        if (!this.preSync || (this.ackUntilStream && this.applier?.readBytes === 0)) this.applier?.sendAck();
        return;
      case 'none':
        return;
    }
  }

  // ---- what clients see ----

  /** INFO replication's fields after `role` (only on a replica). */
  private roleFields(): InfoFields {
    if (this.masterHost === null) return [];
    const s = this.server;
    const now = Date.now();
    const st = this.replication.state;
    const connected = this.state === 'connected';
    const readOffset = connected ? this.streamBase + (this.applier?.readBytes ?? 0) : this.canContinue ? st.offset : 1;
    const fields: InfoFields = [
      ['master_host', this.masterHost],
      ['master_port', this.masterPort],
      ['master_link_status', connected ? 'up' : 'down'],
      ['master_last_io_seconds_ago', connected ? Math.floor((now - this.lastIo) / 1000) : -1],
      ['master_sync_in_progress', this.state === 'sync' ? 1 : 0],
      ['slave_read_repl_offset', readOffset],
      ['slave_repl_offset', connected || this.canContinue ? st.offset : 1],
    ];
    if (this.state === 'sync') {
      const r = this.receiver;
      const size = r === null ? -1 : r.size;
      const read = r === null ? 0 : r.read;
      fields.push(
        ['master_sync_total_bytes', size],
        ['master_sync_read_bytes', read],
        ['master_sync_left_bytes', size - read],
        ['master_sync_perc', (size > 0 ? (read / size) * 100 : 0).toFixed(2)],
        ['master_sync_last_io_seconds_ago', Math.floor((now - this.lastIo) / 1000)],
      );
    }
    if (!connected) fields.push(['master_link_down_since_seconds', this.downSince === 0 ? -1 : Math.floor((now - this.downSince) / 1000)]);
    fields.push(
      ['slave_priority', s.config.int('replica-priority')],
      ['slave_read_only', s.config.bool('replica-read-only') ? 1 : 0],
      ['replica_announced', s.config.bool('replica-announced') ? 1 : 0],
    );
    return fields;
  }

  /** ROLE on a replica: slave, host, port, link state, offset applied (-1 without a link). */
  roleReply(): Reply | null {
    if (this.masterHost === null) return null;
    const state = this.state === 'none' ? 'none' : this.state;
    return reply.array([
      reply.bulk('slave'),
      reply.bulk(this.masterHost),
      reply.int(this.masterPort),
      reply.bulk(state),
      reply.int(this.state === 'connected' ? this.replication.state.offset : -1),
    ]);
  }
}
