/**
 * Where maxmemory meets command admission, as in Redis's processCommand: after the ACL
 * check and before the pub/sub-context check and MULTI queueing, eviction runs; if memory
 * is still above the limit, a `denyoom` command is refused with the OOM error. Inside
 * MULTI every command but EXEC, DISCARD, QUIT and RESET is refused then (queueing costs
 * memory), which dooms the transaction (EXEC answers EXECABORT). EXEC itself is refused
 * when a queued command is `denyoom`. The same refusal (with its own text) applies while
 * the V8 heap is near its limit (server/heap-guard.ts).
 */
import type { Command } from '../command-context/command-spec.js';
import type { Client } from '../server/client.js';
import { EvictResult } from '../keyspace/eviction.js';
import { errors } from '../errors.js';

/**
 * What the gate needs: the evictor (limit, one eviction run), the memory accounting, and
 * a script command's declared flags (scripting/script-command-flags.ts: a shebang's or a
 * function's allow-oom / no-writes decide deny-oom, as Redis's getCommandFlags).
 */
export interface OomGateHost {
  readonly evictor: { readonly maxmemory: number; perform(): EvictResult };
  readonly memory: { settle(): void };
  readonly heapGuard: { readonly pressed: boolean };
  scriptFlags(cmd: Command, argv: readonly string[]): { readonly denyOom: boolean } | null;
}

/** deny-oom as Redis's getCommandFlags sees it: a script command's declared flags first. */
function denyOom(host: OomGateHost, cmd: Command, argv: readonly string[]): boolean {
  return host.scriptFlags(cmd, argv)?.denyOom ?? cmd.flags.includes('denyoom');
}

/** Commands a client in MULTI may still send under OOM (Redis lists them by proc). */
const MULTI_ALLOWED_UNDER_OOM = new Set(['exec', 'discard', 'quit', 'reset']);

/**
 * Runs before a command when memory checks are on (maxmemory set, or accounting work
 * pending). Returns the error to refuse the command with, or null.
 */
export function memoryGate(host: OomGateHost, client: Client, cmd: Command, argv: readonly string[]): string | null {
  // the heap near V8's limit refuses as maxmemory does, whatever maxmemory says: past that
  // limit the process would die
  const heapFull = host.heapGuard.pressed;
  if (!heapFull) {
    if (host.evictor.maxmemory === 0) {
      // only here because the accounting queue grew long: settle it between commands
      host.memory.settle();
      return null;
    }
    if (host.evictor.perform() !== EvictResult.Fail) return null;
  }
  const name = cmd.parent?.name ?? cmd.name;
  let refuse = denyOom(host, cmd, argv);
  if (!refuse && name === 'exec' && client.multi !== null) {
    for (const q of client.multi) {
      if (denyOom(host, q.cmd, q.argv)) {
        refuse = true;
        break;
      }
    }
  }
  if (client.multi !== null && !MULTI_ALLOWED_UNDER_OOM.has(name)) refuse = true;
  if (!refuse) return null;
  return heapFull ? errors.oomHeap : errors.oom;
}
