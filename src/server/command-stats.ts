/**
 * The statistics side of command execution: what is counted and recorded after each
 * command, for each error reply and for each ACL denial.
 *
 * Contract:
 *  - `afterCommand` runs once per executed command (inside EXEC, once per queued command),
 *    after its reply was produced: memory accounting settles the command's keys; the slow
 *    log and the latency monitor record it above their thresholds; a successful
 *    @dangerous command is a security event; the duration counts in INFO's
 *    eventloop_duration_cmd_sum; clients a command made ready are served once it (or the
 *    whole EXEC) completed;
 *  - `countError` counts an error reply in INFO errorstats by its first word;
 *  - `countAclDenial` counts a denial by reason (acl_access_denied_*), and every denial but
 *    a login's is a security event (logins report their own outcome).
 * Synchronous and allocation-free unless something is recorded: it runs on the hot path.
 */
import type { AclDenialReason, AclLogContext } from '../acl/acl-log.js';
import type { Command } from '../command-context/command-spec.js';
import type { CommandTable } from '../command-context/command-table.js';
import type { CommandContext } from '../command-context/context.js';
import type { ConfigStore } from '../config/config-store.js';
import type { MemoryAccounting } from '../keyspace/memory-accounting.js';
import { Kind, type Reply } from '../protocol/reply.js';
import type { SecurityMonitor } from '../security/security-monitor.js';
import { actorOf } from './auth-login.js';
import type { BlockingRegistry } from './blocking.js';
import type { Client } from './client.js';
import type { Connection } from './connection.js';
import { tracksKeysOf, type TrackingTable } from './tracking.js';
import { extractKeyNames } from '../command-model/key-extraction.js';
import type { LatencyMonitor } from './latency.js';
import type { SlowLog } from './slowlog.js';
import type { ServerStats } from './stats.js';

export interface CommandStatsHost {
  readonly config: ConfigStore;
  readonly commands: CommandTable;
  readonly stats: ServerStats;
  readonly slowlog: SlowLog;
  readonly latency: LatencyMonitor;
  readonly memory: MemoryAccounting;
  readonly security: SecurityMonitor;
  readonly blocking: BlockingRegistry;
  readonly tracking: TrackingTable;
  readonly connections: ReadonlyMap<number, Connection>;
  /** the client whose request is executing (Redis's current_client) */
  readonly current: Client | null;
  now(): number;
}

export class CommandStats {
  /** Command.id → 1 for commands in @dangerous (their successful runs become security events) */
  private readonly dangerous: Uint8Array;

  constructor(private readonly host: CommandStatsHost) {
    this.dangerous = new Uint8Array(host.commands.all.length + 1);
    for (const c of host.commands.all) if (c.aclCategories.includes('dangerous')) this.dangerous[c.id] = 1;
  }

  countError(r: Reply): void {
    if (r.k !== Kind.Error) return;
    this.host.stats.countError(r.s);
  }

  countAclDenial(client: Client, reason: AclDenialReason, object: string, context: AclLogContext): void {
    const stats = this.host.stats;
    if (reason === 'auth' || reason === 'tls-cert') stats.aclDeniedAuth++;
    else if (reason === 'command') stats.aclDeniedCmd++;
    else if (reason === 'key') stats.aclDeniedKey++;
    else stats.aclDeniedChannel++;
    if (reason !== 'auth' && reason !== 'tls-cert') this.host.security.aclDenied(actorOf(client), reason, object, context);
  }

  afterCommand(ctx: CommandContext, cmd: Command, argv: string[], usec: number, failed: boolean): void {
    const h = this.host;
    h.memory.afterCommand(ctx.db, cmd, argv);
    // a command that blocked is logged once answered, with its whole run time (blocking.ts)
    if (ctx.client.blocked && h.blocking.size > 0) h.blocking.addDuration(ctx.client.id, usec);
    else h.slowlog.maybeRecord(h, ctx.client, cmd, argv, usec);
    if (this.dangerous[cmd.id] === 1 && !failed) h.security.dangerousCommand(actorOf(ctx.client), cmd.fullName);
    if (h.latency.threshold !== 0 && usec >= h.latency.threshold * 1000) {
      h.latency.maybeRecord(h, cmd.flags.includes('fast') ? 'fast-command' : 'command', Math.floor(usec / 1000));
    }
    h.latency.recordCommand(cmd.id, usec);
    h.stats.commandDurationUsec += usec;
    if (h.tracking.active && tracksKeysOf(cmd)) {
      // the keys are remembered for the client whose request ran the command (Redis's
      // current_client): a script's caller, or a blocked client being served
      const conn = h.connections.get(ctx.client.id);
      const tracker = conn !== undefined && conn.client === ctx.client ? ctx.client : h.current;
      if (tracker !== null && tracker.tracking !== null) h.tracking.rememberKeys(tracker, extractKeyNames(cmd, argv));
    }
    // keys a command made ready are served once it (or the whole EXEC) completed
    if (!ctx.client.inExec && h.blocking.hasReady) h.blocking.handleReady();
    // invalidations held while the request (an EXEC, not its parts; a served blocked
    // client's command) ran go out after its reply
    if (!ctx.client.inExec) h.tracking.afterRequest();
  }
}
