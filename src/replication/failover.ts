/**
 * FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] (Redis 7.2 failoverCommand,
 * updateFailoverStatus, abortFailover): a coordinated hand-over from this primary to one
 * of its replicas, with no acknowledged write lost.
 *
 *  1. `waiting-for-sync`: client writes are held (CLIENT PAUSE WRITE semantics, a pause
 *     purpose of its own: CLIENT UNPAUSE does not end it: no expiry, no GETACK until it
 *     ends) and, with a TIMEOUT, no PING either, so the stream stops growing; replicas
 *     acknowledge once a second. Without a TIMEOUT the PINGs go on, as in Redis.
 *  2. When the target (the one named with TO, else the first replica whose acknowledged
 *     offset equals master_repl_offset) has caught up — or the TIMEOUT passed with FORCE —
 *     `failover-in-progress`: this server becomes a replica of the target and sends it
 *     `PSYNC <replid> <offset+1> FAILOVER`, which makes the target promote itself and
 *     continue this server's history (replica-side.ts, primary-side.ts).
 *  3. The target's PSYNC answer (+CONTINUE or +FULLRESYNC) ends the failover; any other
 *     answer aborts it and this server is a primary again. Either way the held writes
 *     resume (on a demoted server they meet -READONLY, as in Redis).
 * A TIMEOUT without FORCE aborts while waiting; FAILOVER ABORT aborts at either stage.
 */
import type { Client } from '../server/client.js';
import { reply, type Reply } from '../protocol/reply.js';
import { errors } from '../errors.js';
import { parseInteger } from '../protocol/number-format.js';
import type { FailoverState, ReplicationHost, ReplicationParts } from './replication-host.js';
import type { ReplicaClient } from './replica-client.js';


/** Redis runs its replication cron every 100 ms while failing over. */
const CHECK_MS = 100;

/** getLongFromObjectOrReply: a signed 64-bit integer, else null. */
function readLong(s: string): number | null {
  const v = parseInteger(s);
  if (v === null) return null;
  return Number(v);
}

export class Failover {
  state: FailoverState = 'no-failover';
  private targetHost: string | null = null;
  private targetPort = 0;
  /** wall-clock ms when the wait ends (0: no TIMEOUT) */
  private endTime = 0;
  private force = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repl: ReplicationParts,
    private readonly server: Pick<ReplicationHost, 'logger' | 'pause' | 'security'>,
  ) {}

  /** FAILOVER's arguments checked and the wait started, in Redis's order and texts. */
  command(argv: readonly string[], by: Client): Reply {
    const log = this.server.logger;
    if (argv.length === 2 && argv[1]!.toLowerCase() === 'abort') {
      if (this.state === 'no-failover') return reply.error(errors.failoverNotInProgress);
      this.abort('Failover manually aborted');
      return reply.ok;
    }
    let timeout = 0;
    let force = false;
    let port = 0;
    let host: string | null = null;
    for (let j = 1; j < argv.length; j++) {
      const opt = argv[j]!.toLowerCase();
      if (opt === 'timeout' && j + 1 < argv.length && timeout === 0) {
        const t = readLong(argv[j + 1]!);
        if (t === null) return reply.error(errors.notInteger);
        if (t <= 0) return reply.error(errors.failoverTimeoutNotPositive);
        timeout = t;
        j++;
      } else if (opt === 'to' && j + 2 < argv.length && host === null) {
        const p = readLong(argv[j + 2]!);
        if (p === null) return reply.error(errors.notInteger);
        port = p;
        host = argv[j + 1]!;
        j += 2;
      } else if (opt === 'force' && !force) {
        force = true;
      } else {
        return reply.error(errors.syntax);
      }
    }
    if (this.state !== 'no-failover') return reply.error(errors.failoverAlreadyInProgress);
    if (this.repl.isReplica) return reply.error(errors.failoverOnReplica);
    if (this.repl.primary.replicas.length === 0) return reply.error(errors.failoverNoReplicas);
    if (force && (timeout === 0 || host === null)) return reply.error(errors.failoverForceNeedsTimeoutAndTarget);
    if (host !== null) {
      const target = this.find(host, port);
      if (target === undefined) return reply.error(errors.failoverTargetNotReplica);
      if (target.state !== 'online') return reply.error(errors.failoverTargetNotOnline);
      this.targetHost = host;
      this.targetPort = port;
      log.notice(`FAILOVER requested to ${host}:${port}.`);
    } else {
      log.notice('FAILOVER requested to any replica.');
    }
    if (timeout > 0) this.endTime = Date.now() + timeout;
    this.force = force;
    this.state = 'waiting-for-sync';
    this.server.pause.setFailoverPause(true);
    this.server.security.events.emit('replication-link', {
      event: 'failover-requested',
      target: host === null ? 'any' : `${host}:${port}`,
      by: by.addr,
      user: by.user,
    });
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.timer.unref();
    return reply.ok;
  }

  /**
   * Redis 7.2's replicationCron skips the PING to replicas while a FAILOVER with a TIMEOUT
   * (failover_end_time) holds replica traffic paused; without a TIMEOUT the PINGs go on.
   */
  get withholdsPing(): boolean {
    return this.state !== 'no-failover' && this.endTime !== 0;
  }

  /**
   * updateFailoverStatus: while waiting, the timeout (abort, or fail over with FORCE) and
   * the target's catch-up. Called on every ACK and every 100 ms.
   */
  check(): void {
    if (this.state !== 'waiting-for-sync') return;
    const log = this.server.logger;
    if (this.endTime !== 0 && this.endTime <= Date.now()) {
      if (this.force) {
        log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} time out exceeded, failing over.`);
        this.begin();
      } else {
        this.abort('Replica never caught up before timeout');
      }
      return;
    }
    const offset = this.repl.state.offset;
    let target: ReplicaClient | undefined;
    if (this.targetHost !== null) {
      target = this.find(this.targetHost, this.targetPort);
    } else {
      target = this.repl.primary.replicas.find((r) => r.ackOffset === offset);
      if (target !== undefined) {
        this.targetHost = target.ip;
        this.targetPort = target.listeningPort;
      }
    }
    if (target !== undefined && target.ackOffset === offset) {
      log.notice(`Failover target ${this.targetHost}:${this.targetPort} is synced, failing over.`);
      this.begin();
    }
  }

  /** The replica side's PSYNC to the target was answered: accepted ends the failover. */
  psyncAnswered(accepted: boolean): void {
    if (this.state !== 'failover-in-progress') return;
    if (accepted) {
      this.server.security.events.emit('replication-link', { event: 'failover-done', target: `${this.targetHost}:${this.targetPort}` });
      this.clear();
    } else {
      this.abort('Failover target rejected psync request');
    }
  }

  /** abortFailover: logged; a server already following the target is a primary again. */
  abort(why: string): void {
    if (this.state === 'no-failover') return;
    const log = this.server.logger;
    const target = this.targetHost !== null ? `${this.targetHost}:${this.targetPort}` : 'any replica';
    log.notice(`FAILOVER to ${target} aborted: ${why}`);
    this.server.security.events.emit('replication-link', { event: 'failover-aborted', target, reason: why });
    if (this.state === 'failover-in-progress') this.repl.replica?.unsetMaster(null);
    this.clear();
  }

  /** Server shutdown. */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private begin(): void {
    this.state = 'failover-in-progress';
    this.repl.replica!.failoverTo(this.targetHost!, this.targetPort);
  }

  /** clearFailoverState: back to no-failover, held writes released. */
  private clear(): void {
    this.endTime = 0;
    this.force = false;
    this.targetHost = null;
    this.targetPort = 0;
    this.state = 'no-failover';
    this.close();
    this.server.pause.setFailoverPause(false);
  }

  /** findReplica: by the address and listening port it announced (or its peer address). */
  private find(host: string, port: number): ReplicaClient | undefined {
    const h = host.toLowerCase();
    return this.repl.primary.replicas.find((r) => r.ip.toLowerCase() === h && r.listeningPort === port);
  }
}
