/**
 * The write feed: what the append-only file and the replication stream receive (each a
 * sink; the AOF's slot is `sink`, others are added with `addSink` and get the same
 * commands). Executed write commands reach it in a deterministic form (a relative TTL
 * becomes an absolute one, a random pop names what it popped), and so do the deletions the
 * server makes on its own (expiry, eviction), so that replaying the feed rebuilds the same
 * keyspace.
 *
 * The model is Redis 7's execution unit (server.c call() / propagatePendingCommands):
 *  - the dispatcher opens a unit around each top-level command (`begin` / `end`); EXEC's
 *    queued commands and a served blocked client's command nest inside or open their own;
 *  - during the unit, commands go to a pending list: deletions the server decides on
 *    (lazy expiry), extra commands a handler adds (`also`), and at the end of each call the
 *    command itself, as executed or as its handler rewrote it (`replace`), unless the handler
 *    asked for nothing (`prevent`) or the command changed nothing (the dirty counter);
 *  - when the outermost unit ends, the list goes to the sink, wrapped in MULTI … EXEC when
 *    it holds more than one command, so a replay applies it atomically as it was applied.
 *
 * With no sink attached (no AOF, no replicas) nothing is collected: the dispatcher pays one null check,
 * and handlers test `active` before building a rewritten command.
 *
 * What a sink can rely on:
 *  - commands arrive in execution order, each unit once it completed; a served blocked
 *    client's command is its own unit, after the unit of the write that served it;
 *  - `dbIndex` is the database the command must run in, or NO_DB for the MULTI and EXEC
 *    that wrap a unit: a writer SELECTs on a change of database and never for NO_DB, so a
 *    unit in another database reads MULTI, SELECT n, … (Redis 7.2's propagatePendingCommands
 *    propagates both with dbid -1; 7.0 put the SELECT before the MULTI);
 *  - every command is one a plain client may send (no blocking forms, no LIMIT without ~),
 *    and none depends on the time or chance of its replay.
 * What a loader must do, as Redis does while loading: replay with no sink attached (the
 * feed must not feed itself) and with expiry suspended, since the feed's absolute times
 * may be past by the time it is replayed (a key set with PX and PERSISTed later would
 * otherwise be lost).
 */

/** The database of a command that runs in none (the MULTI / EXEC around a unit): no SELECT for it. */
export const NO_DB = -1;

/** Where propagated commands go (the AOF writer, the replication stream). */
export interface PropagationSink {
  /** one command, to be executed in database `dbIndex` on replay (NO_DB: in whichever is selected) */
  append(dbIndex: number, argv: readonly string[]): void;
}

/** The sinks a command goes to (Redis's PROPAGATE_AOF / PROPAGATE_REPL): the AOF's slot, the others. */
export const TO_AOF = 1;
export const TO_REPLICAS = 2;
export const TO_ALL = TO_AOF | TO_REPLICAS;

interface PendingOp {
  db: number;
  argv: readonly string[];
  /** TO_* bits */
  to: number;
}

/** What a call saves of its caller's per-command state while it runs (nesting). */
interface Frame {
  replacement: readonly string[] | null;
  prevented: boolean;
  forced: boolean;
  dirty: number;
}

const MULTI: readonly string[] = ['MULTI'];
const EXEC: readonly string[] = ['EXEC'];

export class Propagator {
  /** the AOF writer's slot (set and cleared by the AOF layer) */
  private primary: PropagationSink | null = null;
  /** further sinks (the replication stream), after the AOF in order */
  private readonly extra: PropagationSink[] = [];
  /** what commands go to: null (none), the one sink, or a fan-out to all of them */
  private out: PropagationSink | null = null;
  /**
   * Commands handed to the sinks so far, for the server's life (Redis's
   * master_repl_offset, counted in commands rather than bytes): monotonic, so WAIT and
   * WAITAOF can compare a client's last write with what was acknowledged since. It is
   * advanced before each command reaches the sinks, so a sink reading it sees the offset
   * right after that command.
   */
  offset = 0;
  /** Called after a command's unit reached the sink (sets the writer's offset: wait-registry.ts). */
  onUnit: (() => void) | null = null;
  /** commands of the unit under way, in order */
  private pending: PendingOp[] = [];
  /** calls under way (0 = outside any command: cron, eviction before a command) */
  private depth = 0;
  /** the current call's rewritten form (Redis's rewriteClientCommandVector) */
  private replacement: readonly string[] | null = null;
  /** the current call asked not to be propagated itself (preventCommandPropagation) */
  private prevented = false;
  /** the current call is propagated even if it changed nothing (forceCommandPropagation) */
  private forced = false;
  /** the dirty counter when the current call started */
  private dirtyAtStart = 0;
  private readonly frames: Frame[] = [];
  /**
   * Set for a top-level command that may expire keys anywhere (Redis's
   * CMD_TOUCHES_ARBITRARY_KEYS: KEYS, SCAN, RANDOMKEY): its deletions go out unwrapped,
   * like active expiry's.
   */
  private unwrapped = false;
  /**
   * Where a finished call's own entry goes (TO_* bits; `also` entries, the server's
   * deletions and a wrapping MULTI/EXEC go everywhere): a script's redis.set_repl.
   */
  targets = TO_ALL;

  /**
   * Where commands go: every attached sink (null when none). Setting it sets the AOF's
   * slot only; the others are added with `addSink`, so the AOF receives exactly what it
   * received alone.
   */
  get sink(): PropagationSink | null {
    return this.out;
  }

  set sink(s: PropagationSink | null) {
    this.primary = s;
    this.rebuild();
  }

  /** Attaches another sink (the replication stream) beside the AOF's. */
  addSink(s: PropagationSink): void {
    if (!this.extra.includes(s)) this.extra.push(s);
    this.rebuild();
  }

  removeSink(s: PropagationSink): void {
    const i = this.extra.indexOf(s);
    if (i >= 0) this.extra.splice(i, 1);
    this.rebuild();
  }

  /**
   * Detaches every sink until the returned function is called (a replay that must not
   * feed itself: DEBUG LOADAOF).
   */
  suspend(): () => void {
    const primary = this.primary;
    const extra = this.extra.splice(0, this.extra.length);
    this.primary = null;
    this.rebuild();
    return () => {
      this.primary = primary;
      this.extra.push(...extra);
      this.rebuild();
    };
  }

  private rebuild(): void {
    const all = this.primary === null ? [...this.extra] : [this.primary, ...this.extra];
    if (all.length === 0) this.out = null;
    else if (all.length === 1) this.out = all[0]!;
    else {
      this.out = {
        append(dbIndex: number, argv: readonly string[]): void {
          for (const s of all) s.append(dbIndex, argv);
        },
      };
    }
  }

  /** True when something listens: callers skip building commands otherwise. */
  get active(): boolean {
    return this.out !== null;
  }

  /**
   * A command the server itself decided on (an expired or evicted key's DEL). Inside a
   * command it joins that command's unit, before the command itself; outside, it is
   * written at once.
   */
  emit(dbIndex: number, argv: readonly string[]): void {
    const sink = this.out;
    if (sink === null) return;
    if (this.depth > 0) this.pending.push({ db: dbIndex, argv, to: TO_ALL });
    else {
      this.offset++;
      sink.append(dbIndex, argv);
    }
  }

  /** A key the server deleted on its own (expiry, eviction): DEL, or UNLINK when `lazy`. */
  deletion(dbIndex: number, key: string, lazy: boolean): void {
    if (this.sink === null) return;
    this.emit(dbIndex, [lazy ? 'UNLINK' : 'DEL', key]);
  }

  /**
   * The current command is propagated as `argv` instead of as it was sent (if it changed
   * the dataset). Call only when `active`.
   */
  replace(argv: readonly string[]): void {
    this.replacement = argv;
  }

  /** The current command is not propagated itself (what it needs was added with `also`). */
  prevent(): void {
    this.prevented = true;
  }

  /**
   * The current command is propagated even when it changed nothing (FLUSHDB / FLUSHALL on
   * empty databases, as Redis's forceCommandPropagation).
   */
  force(): void {
    this.forced = true;
  }

  /**
   * Adds a command to the unit, before the current command's own entry (Redis's
   * alsoPropagate). Not affected by `prevent`. Call only when `active`.
   */
  also(dbIndex: number, argv: readonly string[]): void {
    this.emit(dbIndex, argv);
  }

  /**
   * A call starts (only with a sink attached). `dirty` is the server's dirty counter now;
   * `unwrapped` marks a top-level command whose unit is not wrapped in MULTI.
   */
  begin(dirty: number, unwrapped = false): void {
    if (this.depth > 0) {
      this.frames.push({ replacement: this.replacement, prevented: this.prevented, forced: this.forced, dirty: this.dirtyAtStart });
    } else {
      this.unwrapped = unwrapped;
    }
    this.depth++;
    this.replacement = null;
    this.prevented = false;
    this.forced = false;
    this.dirtyAtStart = dirty;
  }

  /**
   * The call that `begin` opened ended: it is queued (in database `dbIndex`, the client's
   * database after the command, as Redis's c->db) when it changed the dataset, unless
   * prevented; `self` false (EXEC) never queues the command itself. The outermost call
   * flushes the unit.
   */
  end(dbIndex: number, argv: readonly string[], dirty: number, self = true): void {
    if (self && !this.prevented && this.targets !== 0 && (dirty > this.dirtyAtStart || this.forced)) {
      this.pending.push({ db: dbIndex, argv: this.replacement ?? argv, to: this.targets });
    }
    this.depth--;
    if (this.depth > 0) {
      const f = this.frames.pop()!;
      this.replacement = f.replacement;
      this.prevented = f.prevented;
      this.forced = f.forced;
      this.dirtyAtStart = f.dirty;
      return;
    }
    this.replacement = null;
    this.prevented = false;
    this.forced = false;
    this.flush();
  }

  /** Writes the unit's commands to the sink (MULTI … EXEC around several). */
  private flush(): void {
    const ops = this.pending;
    if (ops.length === 0) return;
    this.pending = [];
    const sink = this.out;
    if (sink === null) return;
    const wrap = ops.length > 1 && !this.unwrapped;
    // MULTI and EXEC in no database: a SELECT the first command needs goes inside (Redis 7.2).
    // (as Redis's propagatePendingCommands, the wrap counts every command, whatever its sinks)
    if (wrap) this.put(sink, NO_DB, MULTI, TO_ALL);
    for (const op of ops) this.put(sink, op.db, op.argv, op.to);
    if (wrap) this.put(sink, NO_DB, EXEC, TO_ALL);
    if (this.onUnit !== null) this.onUnit();
  }

  private put(sink: PropagationSink, dbIndex: number, argv: readonly string[], to: number): void {
    this.offset++;
    if (to === TO_ALL) {
      sink.append(dbIndex, argv);
      return;
    }
    if ((to & TO_AOF) !== 0 && this.primary !== null) this.primary.append(dbIndex, argv);
    if ((to & TO_REPLICAS) !== 0) for (const s of this.extra) s.append(dbIndex, argv);
  }
}

/** One command as the sink received it. */
export interface RecordedCommand {
  db: number;
  argv: string[];
}

/** A sink that keeps every command (tests, tools); `take()` empties it. */
export class RecordingSink implements PropagationSink {
  readonly commands: RecordedCommand[] = [];

  append(dbIndex: number, argv: readonly string[]): void {
    this.commands.push({ db: dbIndex, argv: [...argv] });
  }

  /** The commands recorded so far, removed from the sink. */
  take(): RecordedCommand[] {
    return this.commands.splice(0, this.commands.length);
  }
}

/** Attaches a recording sink to a server's propagator and returns it. */
export function attachRecordingSink(server: { propagator: Propagator }): RecordingSink {
  const sink = new RecordingSink();
  server.propagator.sink = sink;
  return sink;
}
