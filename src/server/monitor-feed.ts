/**
 * MONITOR's feed: every command that ran, from every client, as one status line per
 * command to every monitoring client, in Redis 7.2's format:
 *
 *   +<unix seconds>.<µs, 6 digits> [<db> <peer>] "arg" "arg"...
 *
 * where <peer> is the client's ip:port, `unix:<unixsocket>` for a unix-socket client and
 * `lua` for a command a script ran; every argument is quoted as Redis's sdscatrepr quotes.
 *
 * What is shown, as Redis's call() decides: a command that ran (a rejected one is not),
 * after it ran (so SELECT shows the database it selected), not when it is flagged `admin`
 * or `skip_monitor`, never while the dataset loads. Queued commands appear when EXEC runs
 * them, each one, then EXEC; an EXEC rejected by its checks still shows "exec" so the
 * transaction is seen to end. Secrets are redacted before the line is built (slowlog.ts
 * redactArgv: AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2; ACL SETUSER and CONFIG SET are admin
 * commands, never shown).
 *
 * A monitor is an ordinary client whose output grows with everyone's traffic: lines are
 * queued on its connection without ever waiting for it, and its output buffer limit
 * (output-limits.ts monitorLimit) disconnects a monitor that does not read.
 *
 * Hook for scripting: `scriptCommand(dbIndex, argv)` shows a command a script called, as
 * `[<db> lua]`, after the EVAL/FCALL line (which the scripting layer feeds itself, before
 * the script runs, through `commandLine`, since those commands are `skip_monitor`).
 */
import { performance } from 'node:perf_hooks';
import type { Command } from '../command-context/command-spec.js';
import type { Client } from './client.js';
import { reply, type Reply } from '../protocol/reply.js';
import { redactArgv, type SlowLogHost } from './slowlog.js';

/** Where lines go: a monitoring connection (connection.ts). */
export interface MonitorTarget {
  readonly client: Client;
  push(r: Reply): void;
}

export class MonitorFeed {
  private readonly targets = new Map<number, MonitorTarget>();

  constructor(private readonly server: SlowLogHost & { readonly loading: boolean }) {}

  /** Any monitor connected: the one test on the command path when none is. */
  get active(): boolean {
    return this.targets.size > 0;
  }

  get count(): number {
    return this.targets.size;
  }

  /** MONITOR: false when the client already monitors (Redis then answers nothing). */
  add(target: MonitorTarget): boolean {
    if (this.targets.has(target.client.id)) return false;
    this.targets.set(target.client.id, target);
    target.client.monitoring = true;
    return true;
  }

  /** The client disconnected or sent RESET. */
  remove(client: Client): void {
    if (this.targets.delete(client.id)) client.monitoring = false;
  }

  /** A command ran (dispatcher's afterCommand): shown unless admin / skip_monitor. */
  commandRan(client: Client, cmd: Command, argv: readonly string[]): void {
    if (cmd.flags.includes('admin') || cmd.flags.includes('skip_monitor')) return;
    this.commandLine(client, cmd, argv);
  }

  /** An EXEC refused by its checks: "exec" is still shown, ending the MULTI seen before. */
  execAborted(client: Client, argv: readonly string[]): void {
    if (!this.active) return;
    this.send(client.dbIndex, this.peerOf(client), argv);
  }

  /** Feeds a command's line whatever its flags (EVAL & co. feed themselves before running). */
  commandLine(client: Client, cmd: Command, argv: readonly string[]): void {
    if (!this.active || this.server.loading) return;
    this.send(client.dbIndex, this.peerOf(client), redactArgv(this.server, cmd, argv));
  }

  /** A command called by a script (redis.call): shown as `[<db> lua]`. */
  scriptCommand(dbIndex: number, cmd: Command, argv: readonly string[]): void {
    if (!this.active || this.server.loading) return;
    this.send(dbIndex, 'lua', redactArgv(this.server, cmd, argv));
  }

  private peerOf(client: Client): string {
    // a command a script called runs as the script's client: Redis shows it as `lua`
    if (client.inScript) return 'lua';
    return client.isUnix ? `unix:${this.server.config.get('unixsocket')}` : client.addr;
  }

  private send(dbIndex: number, peer: string, argv: readonly string[]): void {
    const line = reply.simple(`${timestamp()} [${dbIndex} ${peer}] ${argv.map(quoteRepr).join(' ')}`);
    for (const t of this.targets.values()) t.push(line);
  }
}

/** gettimeofday as "<seconds>.<microseconds, 6 digits>". */
function timestamp(): string {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const sec = Math.floor(us / 1e6);
  return `${sec}.${String(us - sec * 1e6).padStart(6, '0')}`;
}

/**
 * Redis's sdscatrepr: the bytes in double quotes; backslash and quote escaped, \n \r \t
 * \a \b by name, other printable ASCII as is, every other byte as \xhh (lower-case hex).
 */
export function quoteRepr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += c >= 0x20 && c <= 0x7e ? s[i] : `\\x${(c & 0xff).toString(16).padStart(2, '0')}`;
    }
  }
  return out + '"';
}
