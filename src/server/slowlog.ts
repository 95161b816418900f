/**
 * SLOWLOG: commands slower than `slowlog-log-slower-than` µs, newest first, at most
 * `slowlog-max-len` entries. Arguments are cut as Redis does so secrets in long
 * arguments and huge payloads are not kept in full.
 */
import type { Command } from '../commands/command-spec.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

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

export class SlowLog {
  entries: SlowLogEntry[] = [];
  private nextId = 0;

  maybeRecord(server: Server, client: Client, cmd: Command, argv: string[], usec: number): void {
    const threshold = server.config.int('slowlog-log-slower-than');
    if (threshold < 0 || usec < threshold) return;
    if (cmd.flags.includes('skip_slowlog')) return;
    const max = server.config.int('slowlog-max-len');
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(server.now() / 1000),
      usec,
      argv: trimArgs(argv),
      peer: client.addr,
      clientName: client.name,
    });
    if (this.entries.length > max) this.entries.length = max;
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
