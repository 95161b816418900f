/**
 * SLOWLOG: commands slower than `slowlog-log-slower-than` µs (negative = off), newest
 * first, at most `slowlog-max-len` entries (0 = keep none). Arguments are cut as Redis
 * does (32 arguments, 128 bytes each) so huge payloads are not kept in full, and secrets
 * (AUTH and HELLO AUTH passwords, ACL SETUSER rules, MIGRATE credentials, sensitive
 * CONFIG SET values) are replaced by "(redacted)" before anything is stored.
 */
import type { ConfigStore } from '../config/config-store.js';
import type { CommandEntry } from '../command-model/command-data.js';
import type { Client } from './client.js';

export interface SlowLogEntry {
  id: number;
  /** unix time, seconds */
  time: number;
  usec: number;
  argv: string[];
  peer: string;
  clientName: string;
}

const MAX_ARGC = 32;
const MAX_ARG_LEN = 128;
export const REDACTED = '(redacted)';

/** What recording needs of the server: the command's time and the config (sensitive names). */
export interface SlowLogHost {
  now(): number;
  readonly config: ConfigStore;
}

export class SlowLog {
  entries: SlowLogEntry[] = [];
  private nextId = 0;
  /** cached config, read on every command (kept current by the hooks of registerConfig) */
  threshold = 10000;
  maxLen = 128;

  /** slowlog-log-slower-than and slowlog-max-len are the slow log's: it keeps them current. */
  registerConfig(config: ConfigStore): void {
    config.onChange('slowlog-log-slower-than', (v) => {
      this.threshold = Number(v);
      return null;
    });
    config.onChange('slowlog-max-len', (v) => {
      this.maxLen = Number(v);
      this.trim();
      return null;
    });
  }

  maybeRecord(server: SlowLogHost, client: Client, cmd: CommandEntry, argv: string[], usec: number): void {
    if (this.threshold < 0 || this.maxLen === 0 || usec < this.threshold) return;
    if (cmd.flags.includes('skip_slowlog')) return;
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(server.now() / 1000),
      usec,
      argv: trimArgs(redactArgv(server, cmd, argv)),
      peer: client.addr,
      clientName: client.name,
    });
    this.trim();
  }

  /** Applies a smaller slowlog-max-len right away. */
  trim(): void {
    if (this.entries.length > this.maxLen) this.entries.length = Math.max(0, this.maxLen);
  }

  reset(): void {
    this.entries = [];
  }
}

function trimArgs(argv: string[]): string[] {
  const n = Math.min(argv.length, MAX_ARGC);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (n !== argv.length && i === n - 1) {
      out.push(`... (${argv.length - MAX_ARGC + 1} more arguments)`);
      break;
    }
    const a = argv[i]!;
    out.push(a.length > MAX_ARG_LEN ? `${a.slice(0, MAX_ARG_LEN)}... (${a.length - MAX_ARG_LEN} more bytes)` : a);
  }
  return out;
}

/**
 * The arguments with secrets replaced, as Redis redacts them before the slow log or
 * MONITOR sees a command. Returns `argv` itself when nothing needs hiding.
 */
export function redactArgv(server: SlowLogHost, cmd: CommandEntry, argv: readonly string[]): string[] {
  const hide = new Set<number>();
  switch (cmd.fullName) {
    case 'auth':
      for (let i = 1; i < argv.length; i++) hide.add(i);
      break;
    case 'hello':
      for (let j = 2; j < argv.length; j++) {
        const opt = argv[j]!.toLowerCase();
        const more = argv.length - j - 1;
        if (opt === 'auth' && more >= 2) {
          hide.add(j + 1);
          hide.add(j + 2);
          j += 2;
        } else if (opt === 'setname' && more >= 1) j += 1;
        else break;
      }
      break;
    case 'migrate':
      for (let i = 6; i < argv.length; i++) {
        const opt = argv[i]!.toLowerCase();
        if (opt === 'auth' && i + 1 < argv.length) hide.add(++i);
        else if (opt === 'auth2' && i + 2 < argv.length) {
          hide.add(i + 1);
          hide.add(i + 2);
          i += 2;
        } else if (opt === 'keys') break;
      }
      break;
    case 'acl|setuser':
      // the user name too: the whole rule set says too much about the account
      for (let i = 2; i < argv.length; i++) hide.add(i);
      break;
    case 'config|set':
      for (let i = 2; i + 1 < argv.length; i += 2) {
        const def = server.config.def(argv[i]!);
        if (def?.flags?.includes('sensitive') === true) hide.add(i + 1);
      }
      break;
    default:
      return argv as string[];
  }
  if (hide.size === 0) return argv as string[];
  return argv.map((a, i) => (hide.has(i) ? REDACTED : a));
}
