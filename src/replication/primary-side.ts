/**
 * The primary side of replication (Redis 7.2 replication.c, master half): the replicas
 * attached to this server, PSYNC / SYNC (partial resync from the backlog, or a full one
 * by RDB), REPLCONF, the replication stream's delivery, acknowledgements for WAIT and
 * WAITAOF, min-replicas-to-write, and the once-a-second work of replicationCron (PING,
 * the newlines that keep a waiting replica's link alive, repl-timeout, the backlog's TTL).
 *
 * Invariants:
 *  - the stream sink is attached to the write feed exactly while a backlog exists (from
 *    the first replica until repl-backlog-ttl after the last one); without it the feed
 *    costs nothing here;
 *  - every stream byte reaches the shared state (offset, backlog) first, then every
 *    replica past `wait-start` (held until it may stream): so a replica's snapshot at
 *    offset O plus its held bytes is exactly the stream from O on;
 *  - one background snapshot at a time, shared with BGSAVE and the AOF rewrite: a full
 *    sync waits while another one runs, and they wait for it (persistence.ts);
 *  - a replica gets no replies (its client's reply mode is off), only raw stream bytes.
 */
import type { Client } from '../server/client.js';
import type { CommandContext } from '../command-context/context.js';
import type { InfoFields } from '../server/info-registry.js';
import type { ReplicaAcks } from '../server/wait-registry.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { parseInteger } from '../protocol/number-format.js';
import { readLongLong, readRangeLong } from '../command-model/argument-reader.js';
import type { ReplicationHost, ReplicationParts } from './replication-host.js';
import { OffsetMap } from './offset-map.js';
import { ReplicationStream } from './replication-stream.js';
import { ReplicaClient, type RdbFilter } from './replica-client.js';
import { DisklessTransfer, replicationRdbEncoder, sendSnapshotFile } from './full-sync.js';

/** What a client announced with REPLCONF before PSYNC / SYNC. */
interface Announced {
  listeningPort: number;
  ip: string;
  capaEof: boolean;
  capaPsync2: boolean;
  rdbOnly: boolean;
  filter: RdbFilter;
}

/** How often the side's timer runs (diskless delay, start of pending syncs), ms. */
const TICK_MS = 100;

export class PrimarySide implements ReplicaAcks {
  /** attached replicas, in attach order (Redis's server.slaves) */
  readonly replicas: ReplicaClient[] = [];
  private readonly byClient = new Map<number, ReplicaClient>();
  private readonly announced = new Map<number, Announced>();
  private readonly offsets = new OffsetMap();
  readonly stream: ReplicationStream;
  private sinkAttached = false;
  private diskless: DisklessTransfer | null = null;
  /** a BGSAVE started for replicas is running (replicas in wait-end wait for its file) */
  private diskSync = false;
  private timer: NodeJS.Timeout | null = null;
  private lastSecond = 0;
  private cronLoops = 0;
  /** ms since when no replica is attached (repl_no_slaves_since) */
  private noReplicasSince: number;
  private getAckQueued = false;
  /** a GETACK asked for while writes were paused, sent when the pause ends */
  private getAckDeferred = false;
  /** min-replicas-to-write / min-replicas-max-lag, kept for the dispatcher's per-write test */
  private minToWrite = 0;
  private maxLag = 10;
  /** online replicas within min-replicas-max-lag (repl_good_slaves_count) */
  goodReplicas = 0;
  /** INFO stats */
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;

  constructor(
    private readonly repl: ReplicationParts,
    private readonly server: ReplicationHost,
  ) {
    this.noReplicasSince = server.clock.now();
    this.stream = new ReplicationStream(
      {
        state: repl.state,
        get isReplica() {
          return repl.isReplica;
        },
        commandOffset: () => server.propagator.offset,
        deliver: (bytes) => this.deliver(bytes),
      },
      this.offsets,
    );
    server.persistence.rdb.replicationSnapshotRunning = () => this.diskless !== null;
    server.persistence.rdb.onBackgroundDone = (error) => this.diskSaveDone(error);
    server.config.onChange('repl-backlog-size', (v) => {
      repl.state.backlog?.resize(Number(v));
      return null;
    });
    server.config.onChange(['min-replicas-to-write', 'min-replicas-max-lag'], () => {
      this.minToWrite = server.config.int('min-replicas-to-write');
      this.maxLag = server.config.int('min-replicas-max-lag');
      this.refreshGoodReplicas();
      return null;
    });
  }

  // ---- ReplicaAcks (WAIT / WAITAOF) ----

  get isReplica(): boolean {
    return this.repl.isReplica;
  }

  countAcks(commandOffset: number): number {
    const need = this.offsets.bytesFor(commandOffset);
    let n = 0;
    for (const r of this.replicas) if (r.state === 'online' && r.ackOffset >= need) n++;
    return n;
  }

  countAofAcks(commandOffset: number): number {
    const need = this.offsets.bytesFor(commandOffset);
    let n = 0;
    for (const r of this.replicas) if (r.state === 'online' && r.aofOffset >= need) n++;
    return n;
  }

  /** REPLCONF GETACK * to every replica, once per turn of the event loop (Redis's get_ack_from_slaves). */
  requestAcks(): void {
    if (this.getAckQueued) return;
    this.getAckQueued = true;
    setImmediate(() => {
      this.getAckQueued = false;
      if (this.replicas.length === 0 || this.repl.isReplica) return;
      // as Redis 7.2's beforeSleep: not while writes are paused (CLIENT PAUSE WRITE/ALL, a
      // FAILOVER waiting for its target), since it would move the offset; it goes once the
      // pause is over (pauseEnded)
      if (this.server.pause.active) {
        this.getAckDeferred = true;
        return;
      }
      this.stream.appendOwn(['REPLCONF', 'GETACK', '*']);
    });
  }

  /** The last write pause ended: a GETACK asked for meanwhile is sent now. */
  pauseEnded(): void {
    if (!this.getAckDeferred) return;
    this.getAckDeferred = false;
    this.requestAcks();
  }

  /** -NOREPLICAS applies now (checked by the dispatcher for writes). */
  get refusesWrites(): boolean {
    return this.minToWrite > 0 && this.maxLag > 0 && this.goodReplicas < this.minToWrite && !this.repl.isReplica;
  }

  // ---- commands ----

  /** PSYNC replid offset / SYNC (Redis's syncCommand). */
  sync(ctx: CommandContext, argv: string[]): Reply | null {
    const c = ctx.client;
    const server = this.server;
    // a replica sending it again is ignored
    if (c.role === 'replica') return null;
    const isPsync = argv[0]!.toLowerCase() === 'psync';
    // PSYNC replid offset FAILOVER from our primary (its FAILOVER to us): we promote
    // ourselves, then the PSYNC continues against our new history (replid2 = theirs)
    if (isPsync && argv.length > 3 && argv[3]!.toLowerCase() === 'failover') {
      server.logger.notice(`Failover request received for replid ${argv[1]!}.`);
      if (!this.repl.isReplica) return reply.error(errors.psyncFailoverToMaster);
      if (argv[1]!.toLowerCase() !== this.repl.state.replid) return reply.error(errors.psyncFailoverReplidMismatch);
      this.repl.replica!.unsetMaster(c);
    }
    if (this.repl.failoverState !== 'no-failover') return reply.error(errors.syncWhileFailingOver);
    if (this.repl.isReplica && !this.repl.masterLinkUp) return reply.error(errors.syncWithoutMasterLink);
    // only a connected client can be streamed to (PSYNC is noscript and no-multi, so the
    // client running it always has its connection)
    const conn = server.connections.get(c.id);
    if (conn === undefined) return null;
    if (conn.writer.size > 0) return reply.error(errors.syncPendingOutput);
    const r = new ReplicaClient(c, conn.socket, server.clock.now(), server.stats);
    const a = this.announced.get(c.id);
    if (a !== undefined) {
      r.listeningPort = a.listeningPort;
      r.announcedIp = a.ip;
      r.capaEof = a.capaEof;
      r.capaPsync2 = a.capaPsync2;
      r.rdbOnly = a.rdbOnly;
      r.filter = a.filter;
    }
    const filtered = r.filter.excludeData || r.filter.excludeFunctions;
    if (filtered && !r.capaEof) return reply.error(errors.filteredReplicaNeedsEof);
    server.logger.notice(`Replica ${r.name} asks for synchronization`);
    if (isPsync) {
      const parsed = parseInteger(argv[2]!);
      if (parsed === null) {
        server.logger.warning(`Replica ${r.name} asks for synchronization but with a wrong offset`);
        return reply.error(errors.notInteger);
      }
      const offset = Number(parsed);
      if (this.tryPartial(r, argv[1]!, offset)) {
        this.syncPartialOk++;
        return null;
      }
      if (argv[1] !== '?') this.syncPartialErr++;
    } else {
      r.prePsync = true;
    }
    this.syncFull++;
    this.attach(r);
    const state = this.repl.state;
    if (this.replicas.length === 1 && state.backlog === null) {
      // a backlog created from scratch starts a history no replica can share
      state.changeId();
      state.clearSecondId();
      this.ensureBacklog();
      server.logger.notice(`Replication backlog created, my new replication IDs are '${state.replid}' and '${state.replid2}'`);
    }
    if (this.diskSync) {
      // a BGSAVE for replicas is running: attach to it when another replica records its differences
      const peer = this.replicas.find((p) => p !== r && p.state === 'wait-end');
      if (peer !== undefined && (r.capaEof || !peer.capaEof)) {
        r.copyHeldFrom(peer);
        this.setupFullResync(r, peer.initialOffset);
        server.logger.notice('Waiting for end of BGSAVE for SYNC');
      } else {
        server.logger.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
      }
    } else if (this.diskless !== null) {
      server.logger.notice('Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC');
    } else if (server.config.bool('repl-diskless-sync') && r.capaEof && server.config.int('repl-diskless-sync-delay') > 0) {
      server.logger.notice('Delay next BGSAVE for diskless SYNC');
    } else if (this.backgroundBusy()) {
      server.logger.notice('No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed');
    } else {
      this.startFullSync();
    }
    return null;
  }

  /** REPLCONF option value … (Redis's replconfCommand). */
  replconf(ctx: CommandContext, argv: string[]): Reply | null {
    if (argv.length % 2 === 0) return reply.error(errors.syntax);
    const c = ctx.client;
    const replica = this.byClient.get(c.id);
    for (let j = 1; j < argv.length; j += 2) {
      const opt = argv[j]!.toLowerCase();
      const value = argv[j + 1]!;
      switch (opt) {
        case 'listening-port': {
          const port = readLongLong(value);
          this.announce(c).listeningPort = port;
          if (replica !== undefined) replica.listeningPort = port;
          break;
        }
        case 'ip-address':
          // NET_HOST_STR_LEN (256) including the terminator
          if (value.length >= 256) return reply.error(errors.replconfIpTooLong(value.length));
          this.announce(c).ip = value;
          if (replica !== undefined) replica.announcedIp = value;
          break;
        case 'capa': {
          const capa = value.toLowerCase();
          const a = this.announce(c);
          if (capa === 'eof') a.capaEof = true;
          else if (capa === 'psync2') a.capaPsync2 = true;
          break;
        }
        case 'ack':
          if (replica !== undefined) this.ack(replica, argv, j);
          // no reply, whoever sent it
          return null;
        case 'getack':
          // a primary asks its replica; the replica side's stream applier answers it before
          // dispatch (replication/stream-applier.ts), so here it is a no-op, as in Redis
          // for a client that is not this server's primary
          return null;
        case 'rdb-only':
          this.announce(c).rdbOnly = readRangeLong(value, 0n, 1n) === 1;
          break;
        case 'rdb-filter-only': {
          // by default every part is left out; "functions" brings the libraries back
          const filter: RdbFilter = { excludeData: true, excludeFunctions: true };
          for (const f of value.split(' ').filter((x) => x !== '')) {
            if (f.toLowerCase() === 'functions') filter.excludeFunctions = false;
            else return reply.error(errors.replconfRdbFilterUnsupported(f));
          }
          this.announce(c).filter = filter;
          break;
        }
        default:
          return reply.error(errors.replconfUnknownOption(argv[j]!));
      }
    }
    return reply.ok;
  }

  /** ROLE's master form: master <offset> [[ip port offset] …] of the online replicas. */
  roleReply(): Reply {
    const items: Reply[] = [];
    for (const r of this.replicas) {
      if (r.state !== 'online') continue;
      items.push(reply.array([reply.bulk(r.ip), reply.bulk(String(r.listeningPort)), reply.bulk(String(r.ackOffset))]));
    }
    return reply.array([reply.bulk('master'), reply.int(this.repl.state.offset), reply.array(items)]);
  }

  /** INFO replication: connected_slaves, min_slaves_good_slaves, slaveN lines (Redis 7.2). */
  replicaFields(): InfoFields {
    const fields: InfoFields = [['connected_slaves', this.replicas.length]];
    const config = this.server.config;
    if (config.int('min-replicas-to-write') > 0 && config.int('min-replicas-max-lag') > 0) {
      fields.push(['min_slaves_good_slaves', this.goodReplicas]);
    }
    const now = this.server.clock.now();
    let i = 0;
    for (const r of this.replicas) {
      const lag = Math.floor((now - r.ackTime) / 1000);
      fields.push([`slave${i++}`, `ip=${r.ip},port=${r.listeningPort},state=${r.infoState},offset=${r.ackOffset},lag=${lag}`]);
    }
    return fields;
  }

  /**
   * For the replica side: bytes of this server's primary's stream, taken verbatim into the
   * shared state (offset, backlog) and passed on to this server's own replicas, so a
   * chain of replicas sees one stream at the same offsets.
   */
  relay(bytes: Buffer): void {
    this.repl.state.feed(bytes);
    this.deliver(bytes);
  }

  /** Closes every replica link (they reconnect and resynchronise: a new primary, a new history). */
  disconnectReplicas(): void {
    for (const r of [...this.replicas]) r.client.kill();
  }

  /** The server closes: timers stop, a running transfer is dropped. */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.diskless?.cancel('server closing');
  }

  // ---- partial and full resync ----

  /** masterTryPartialResynchronization: true when the replica continues from the backlog. */
  private tryPartial(r: ReplicaClient, replid: string, offset: number): boolean {
    const state = this.repl.state;
    const log = this.server.logger;
    const sameId = replid.toLowerCase() === state.replid.toLowerCase();
    const prevId = replid.toLowerCase() === state.replid2.toLowerCase();
    if (!sameId && !(prevId && offset <= state.secondReplidOffset)) {
      if (replid[0] !== '?') {
        if (!sameId && !prevId) {
          log.notice(`Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${state.replid}' and '${state.replid2}')`);
        } else {
          log.notice(`Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${state.secondReplidOffset}`);
        }
      } else {
        log.notice(`Full resync requested by replica ${r.name}`);
      }
      return false;
    }
    if (!state.canContinue(replid, offset)) {
      log.notice(`Unable to partial resync with replica ${r.name} for lack of backlog (Replica request was: ${offset}).`);
      if (offset > state.offset) log.warning(`Warning: replica ${r.name} tried to PSYNC with an offset that is greater than the master replication offset.`);
      return false;
    }
    this.attach(r);
    r.state = 'online';
    r.ackTime = this.server.clock.now();
    r.write(r.capaPsync2 ? `+CONTINUE ${state.replid}\r\n` : '+CONTINUE\r\n');
    const data = state.backlog!.readFrom(offset);
    r.startStreaming();
    if (data.length > 0) r.write(data);
    log.notice(`Partial resynchronization request from ${r.name} accepted. Sending ${data.length} bytes of backlog starting from offset ${offset}.`);
    this.refreshGoodReplicas();
    return true;
  }

  /** The client becomes a replica: no replies from now on, listed with flag S. */
  private attach(r: ReplicaClient): void {
    const c = r.client;
    c.role = 'replica';
    c.replyMode = 'off';
    this.replicas.push(r);
    this.byClient.set(c.id, r);
    this.server.security.events.emit('replica-attached', { addr: c.addr, user: c.user, replica: r.name });
    r.socket.once('close', () => this.detach(r));
    this.startTimer();
  }

  private detach(r: ReplicaClient): void {
    if (r.closed) return;
    r.closed = true;
    const i = this.replicas.indexOf(r);
    if (i >= 0) this.replicas.splice(i, 1);
    this.byClient.delete(r.client.id);
    this.announced.delete(r.client.id);
    this.diskless?.drop(r);
    this.server.logger.notice(`Connection with replica ${r.name} lost.`);
    this.server.security.events.emit('replica-detached', { addr: r.client.addr, replica: r.name });
    if (this.replicas.length === 0) this.noReplicasSince = this.server.clock.now();
    this.refreshGoodReplicas();
  }

  private announce(c: Client): Announced {
    let a = this.announced.get(c.id);
    if (a === undefined) {
      a = { listeningPort: 0, ip: '', capaEof: false, capaPsync2: false, rdbOnly: false, filter: { excludeData: false, excludeFunctions: false } };
      this.announced.set(c.id, a);
      const conn = this.server.connections.get(c.id);
      conn?.socket.once('close', () => {
        if (!this.byClient.has(c.id)) this.announced.delete(c.id);
      });
    }
    return a;
  }

  /** REPLCONF ACK <offset> [FACK <aofoffset>] from replica `r`, the ACK at argv[j]. */
  private ack(r: ReplicaClient, argv: string[], j: number): void {
    const off = parseInteger(argv[j + 1]!);
    if (off === null) return;
    if (Number(off) > r.ackOffset) r.ackOffset = Number(off);
    if (argv.length > j + 3 && argv[j + 2]!.toLowerCase() === 'fack') {
      const fack = parseInteger(argv[j + 3]!);
      if (fack === null) return;
      if (Number(fack) > r.aofOffset) r.aofOffset = Number(fack);
    }
    r.ackTime = this.server.clock.now();
    if (r.startOnAck && r.state === 'online') {
      r.startOnAck = false;
      r.startStreaming();
    }
    let lowest = Infinity;
    for (const x of this.replicas) if (x.state === 'online' && x.ackOffset < lowest) lowest = x.ackOffset;
    if (lowest !== Infinity) this.offsets.prune(lowest);
    this.refreshGoodReplicas();
    this.repl.waits?.recheck();
    // FAILOVER waits for exactly this (Redis checks it before sleeping, outside the command)
    if (this.repl.failover.state === 'waiting-for-sync') setImmediate(() => this.repl.failover.check());
  }

  /** Whether the background snapshot slot is taken (BGSAVE, AOF rewrite, a sync). */
  private backgroundBusy(): boolean {
    const p = this.server.persistence;
    return this.diskless !== null || p.rdb.inProgress || p.aof.rewriting || this.server.keyWriteHook !== null;
  }

  /** replicationSetupSlaveForFullResync: the snapshot at `offset` is this replica's. */
  private setupFullResync(r: ReplicaClient, offset: number): void {
    r.initialOffset = offset;
    r.state = 'wait-end';
    this.stream.resetSelect();
    if (!r.prePsync) r.write(`+FULLRESYNC ${this.repl.state.replid} ${offset}\r\n`);
  }

  /** startBgsaveForReplication for every replica waiting for a snapshot to start. */
  private startFullSync(): void {
    const server = this.server;
    const first = this.replicas.find((r) => r.state === 'wait-start');
    if (first === undefined) return;
    // one snapshot serves the replicas that want the same parts (Redis's slave_req)
    const f = first.filter;
    const waiting = this.replicas.filter((r) => r.state === 'wait-start' && r.filter.excludeData === f.excludeData && r.filter.excludeFunctions === f.excludeFunctions);
    // a filtered RDB always goes to the sockets (it must not replace the dump file)
    const filtered = f.excludeData || f.excludeFunctions;
    const socket = (server.config.bool('repl-diskless-sync') || filtered) && waiting.every((r) => r.capaEof);
    server.logger.notice(`Starting BGSAVE for SYNC with target: ${socket ? 'replicas sockets' : 'disk'}`);
    const offset = this.repl.state.offset;
    if (socket) {
      for (const r of waiting) this.setupFullResync(r, offset);
      const encoder = replicationRdbEncoder(server, this.repl.state.replid, offset, f);
      this.diskless = new DisklessTransfer(server, encoder, waiting, server.config.int('rdb-key-save-delay'), (error, targets) => this.disklessDone(error, targets));
      this.diskless.start();
      for (const r of waiting) this.fullSyncEvent(r, 'replicas sockets');
      return;
    }
    const err = server.persistence.rdb.startBackground();
    if (err !== null) {
      server.logger.warning('BGSAVE for replication failed');
      for (const r of waiting) {
        r.write(`-${errors.replicationBgsaveFailed}\r\n`);
        r.client.kill();
      }
      return;
    }
    this.diskSync = true;
    for (const r of waiting) {
      this.setupFullResync(r, offset);
      this.fullSyncEvent(r, 'disk');
    }
  }

  private fullSyncEvent(r: ReplicaClient, target: string): void {
    this.server.security.events.emit('replica-full-sync', { addr: r.client.addr, replica: r.name, target });
  }

  /** A diskless transfer ended (updateSlavesWaitingBgsave, socket target). */
  private disklessDone(error: string | null, targets: ReplicaClient[]): void {
    this.diskless = null;
    const log = this.server.logger;
    for (const r of targets) {
      if (r.closed || r.state !== 'wait-end') continue;
      if (error !== null) {
        log.warning('SYNC failed. BGSAVE child returned an error');
        r.client.kill();
        continue;
      }
      log.notice(`Streamed RDB transfer with replica ${r.name} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`);
      r.startOnAck = true;
      this.putOnline(r);
    }
    if (error !== null && targets.length === 0) log.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
  }

  /** A BGSAVE ended: replicas waiting for its file get it (updateSlavesWaitingBgsave, disk). */
  private diskSaveDone(error: string | null): void {
    if (!this.diskSync) return;
    this.diskSync = false;
    const path = this.server.persistence.rdb.path;
    for (const r of this.replicas) {
      if (r.state !== 'wait-end') continue;
      if (error !== null) {
        this.server.logger.warning('SYNC failed. BGSAVE child returned an error');
        r.client.kill();
        continue;
      }
      r.state = 'send-bulk';
      sendSnapshotFile(path, r, (e) => {
        if (r.closed) return;
        if (e !== null) {
          this.server.logger.warning(`SYNC failed. ${e}`);
          r.client.kill();
          return;
        }
        this.putOnline(r);
        r.startStreaming();
      });
    }
  }

  /** replicaPutOnline */
  private putOnline(r: ReplicaClient): void {
    if (r.rdbOnly) {
      this.server.logger.notice(`RDB transfer completed, rdb only replica (${r.name}) should be disconnected asap`);
      r.socket.end();
      return;
    }
    r.state = 'online';
    r.ackTime = this.server.clock.now();
    this.refreshGoodReplicas();
    this.server.logger.notice(`Synchronization with replica ${r.name} succeeded`);
  }

  // ---- the stream ----

  /**
   * The backlog exists and the stream is attached to the write feed (Redis's
   * createReplicationBacklog). The replica side calls it too: a replica keeps a backlog of
   * its primary's stream, and once promoted its own writes must go on into that backlog.
   */
  ensureBacklog(): void {
    const state = this.repl.state;
    state.ensureBacklog(this.server.config.int('repl-backlog-size'));
    if (!this.sinkAttached) {
      this.sinkAttached = true;
      this.offsets.reset(this.server.propagator.offset, state.offset);
      this.server.propagator.addSink(this.stream);
    }
  }

  private freeBacklog(): void {
    const state = this.repl.state;
    // as Redis: with the backlog gone no replica can continue this history
    state.changeId();
    state.clearSecondId();
    state.freeBacklog();
    if (this.sinkAttached) {
      this.sinkAttached = false;
      this.server.propagator.removeSink(this.stream);
    }
  }

  /** Stream bytes to every replica whose snapshot is taken; output limits enforced. */
  private deliver(bytes: Buffer): void {
    const limit = this.server.limits.output.replica;
    const now = this.server.clock.now();
    for (const r of this.replicas) {
      if (r.state === 'wait-start' || r.rdbOnly) continue;
      r.feed(bytes);
      if (r.overLimit(limit, now)) {
        this.server.logger.warning(`Client ${r.client.addr} scheduled to be closed ASAP for overcoming of output buffer limits.`);
        this.server.stats.clientOutputBufferLimitDisconnections++;
        r.client.kill();
      }
    }
  }

  private refreshGoodReplicas(): void {
    const maxLag = this.maxLag;
    const now = this.server.clock.now();
    let good = 0;
    for (const r of this.replicas) if (r.state === 'online' && (now - r.ackTime) / 1000 <= maxLag) good++;
    this.goodReplicas = good;
  }

  // ---- replicationCron ----

  private startTimer(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (e) {
        this.server.logger.warning(`Internal error in the replication cron: ${(e as Error).stack ?? String(e)}`);
      }
    }, TICK_MS);
    this.timer.unref();
  }

  private tick(): void {
    const server = this.server;
    const config = server.config;
    const now = server.clock.now();
    // a snapshot for the replicas waiting for one, once the slot is free and the diskless delay passed
    const waiting = this.replicas.filter((r) => r.state === 'wait-start');
    if (waiting.length > 0 && !this.backgroundBusy()) {
      const diskless = config.bool('repl-diskless-sync') && waiting.every((r) => r.capaEof);
      const oldest = Math.min(...waiting.map((r) => r.waitingSince));
      const max = config.int('repl-diskless-sync-max-replicas');
      if (!diskless || (max > 0 && waiting.length >= max) || now - oldest >= config.int('repl-diskless-sync-delay') * 1000) this.startFullSync();
    }
    if (now - this.lastSecond < 1000) return;
    this.lastSecond = now;
    this.cronLoops++;
    const period = config.int('repl-ping-replica-period');
    // as Redis 7.2: no PING while a FAILOVER with a TIMEOUT waits for the target to reach
    // our offset (it would move it); without a TIMEOUT the PINGs go on (the target then
    // has to catch up with them too)
    if (this.replicas.length > 0 && this.cronLoops % period === 0 && !this.repl.isReplica && !this.repl.failover.withholdsPing) {
      this.stream.appendOwn(['PING']);
    }
    // replicas waiting for a snapshot get a newline now and then, so their link does not time out
    for (const r of this.replicas) {
      if (r.state === 'wait-start' || (r.state === 'wait-end' && this.diskless === null)) r.write('\n');
    }
    const timeoutMs = config.int('repl-timeout') * 1000;
    for (const r of [...this.replicas]) {
      if (r.state === 'online' && !r.prePsync && now - r.ackTime > timeoutMs) {
        server.logger.warning(`Disconnecting timedout replica (streaming sync): ${r.name}`);
        r.client.kill();
      }
    }
    const ttl = config.int('repl-backlog-ttl');
    if (this.replicas.length === 0 && this.repl.state.backlog !== null && ttl > 0 && !this.repl.isReplica && now - this.noReplicasSince > ttl * 1000) {
      this.freeBacklog();
      server.logger.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
    }
    this.refreshGoodReplicas();
    if (this.replicas.length === 0 && this.repl.state.backlog === null && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
