/**
 * Per-connection state that commands may read or change. The socket side lives in
 * connection.ts; this object has no I/O so commands stay synchronous and testable.
 * Layers that own some client state (pub/sub, blocking, replication) report it through
 * the hooks below, so CLIENT LIST / INFO can show it without knowing those layers.
 */
import type { User } from '../acl/user.js';
import type { CommandEntry } from '../command-model/command-data.js';
import type { ClientTracking } from './client-tracking.js';
import type { Reply } from '../protocol/reply.js';

export type ReplyMode = 'on' | 'off' | 'skip';

/** CLIENT LIST / CLIENT KILL TYPE values (`slave` is accepted as an alias of `replica`). */
export type ClientType = 'normal' | 'master' | 'replica' | 'pubsub';

/** A Lua debugger session reading a client's commands (server/script-busy.ts). */
export interface ClientDebugger {
  /** the script is stopped and waits for a debugger command (else input waits) */
  readonly waiting: boolean;
  /** a debugger command: the replies to send (none while the script runs on) */
  input(argv: string[]): Reply[];
  /**
   * The client's connection ended; `now`: called from the socket's own event (no
   * command is running), so the script may go on at once instead of on a later turn.
   */
  gone(now: boolean): void;
}

export interface QueuedCommand {
  argv: string[];
  cmd: CommandEntry;
}

/**
 * Where the reply of a script that paused past busy-reply-threshold goes when the
 * client's command is not the script itself: EXEC goes on with its queued commands,
 * AOF loading with the file. Called inside the script's last slice (the server's
 * current client is this one).
 */
export interface ScriptContinuation {
  resumeAfterScript(r: Reply | null): void;
}

export class Client {
  name = '';
  libName = '';
  libVer = '';
  dbIndex = 0;
  resp: 2 | 3 = 2;
  /** ACL user this connection acts as (the same object while the user exists: SETUSER edits it in place) */
  aclUser: User;
  authenticated: boolean;
  replyMode: ReplyMode = 'on';
  /** CLIENT REPLY SKIP: suppress only the next command's reply */
  skipNext = false;
  noEvict = false;
  noTouch = false;
  /** last command run, lower case full name (CLIENT LIST cmd=) */
  lastCommand = 'NULL';
  lastInteraction: number;
  readonly createdAt: number;
  commandsProcessed = 0;
  netIn = 0;
  netOut = 0;
  /** MULTI state (transactions issue) */
  multi: QueuedCommand[] | null = null;
  /** argument bytes plus one pointer per argument of the queued commands, kept as they are queued (multi-mem) */
  multiArgvBytes = 0;
  /** keys this client WATCHes, kept by the watch registry (multi-mem counts them) */
  watchedKeys = 0;
  /**
   * Client eviction's bookkeeping (client-eviction.ts): the memory last measured and
   * added to a per-class total, that class (0 none, 1 normal or pub/sub, 2 master or
   * replica), and the memory-usage bucket (-1: not evictable).
   */
  memUsage = 0;
  memClass = 0;
  memBucket = -1;
  multiDirty = false;
  /** connected through the TLS listener */
  tls = false;
  /** the AUTH throttle delayed this client's last failed login, or made a login wait (CLIENT LIST flag 'h') */
  authThrottled = false;
  /** set by a failed AUTH under throttling: hold this command's reply back so long (ms) */
  replyDelayMs = 0;
  /** a watched key changed since WATCH: EXEC answers a null array (Redis's DIRTY_CAS, flag 'd') */
  watchDirty = false;
  /** true while EXEC runs the queued commands: blocking commands then act non-blocking */
  inExec = false;
  /** set while EXEC runs or AOF loading replays: a script may pause and answer here */
  scriptContinuation: ScriptContinuation | null = null;
  /** the client a script's redis.call commands run on (Redis's CLIENT_SCRIPT) */
  inScript = false;
  /** set by CLIENT KILL / QUIT: the connection closes once pending replies are written */
  closeAfterReply = false;
  /** a command of this client is held by CLIENT PAUSE (flag 'b', counted as blocked) */
  postponed = false;
  /** set by the blocking-commands layer while the client waits (flag 'b') */
  blocked = false;
  /** SCRIPT DEBUG: its next EVAL runs in the Lua debugger ('yes': refused there, Redoubt cannot fork) */
  luaDebug: 'no' | 'yes' | 'sync' = 'no';
  /** while its script is stopped in the Lua debugger: where its commands go (server/script-busy.ts) */
  debugger: ClientDebugger | null = null;
  /** client-side caching state (tracking.ts); null until CLIENT TRACKING ON was first used */
  tracking: ClientTracking | null = null;
  /**
   * The write feed's offset right after this client's last command that propagated
   * something (Redis's c->woff): what WAIT / WAITAOF wait for (server/wait-registry.ts).
   */
  woff = 0;
  /** in MONITOR mode (CLIENT LIST flag 'O'; server/monitor-feed.ts) */
  monitoring = false;
  /** replication role of the connection, when the replication layer marks it */
  role: 'normal' | 'replica' | 'master' = 'normal';
  /** closes the connection now (bound by the connection layer) */
  kill: () => void = () => {};
  /**
   * Gateway mode: reserves this command's place among the client's replies and returns
   * the function that fills it once the upstream answered (bound by the connection
   * layer; null for a client without a connection).
   */
  replySlot: (() => (r: Reply) => void) | null = null;
  /** query buffer and output sizes, bound by the connection layer for CLIENT LIST */
  queryBufferBytes: () => number = () => 0;
  outputBufferBytes: () => number = () => 0;
  /** what used_memory's last sum of client buffers counted of this client (memory-accounting.ts) */
  bufferCounted = 0;
  /** unparsed input only (`qbuf`) and arguments of a command still being read (`argv-mem`) */
  unparsedBytes: () => number = () => 0;
  /** the last read's input still held, executed or not (the caller's own `qbuf`) */
  readBytes: () => number = () => 0;
  partialArgvBytes: () => number = () => 0;
  /** reply buffer size (`rbs`) and whether output is waiting for the socket (`events=rw`) */
  replyBufferSize: () => number = () => 0;
  /** capacity of the input buffers (client eviction's measure) and arguments of a partial command */
  queryBufferAllocated: () => number = () => 0;
  /**
   * What CLIENT LIST shows as Redis sizes its buffers: `qbuf` + `qbuf-free` the query buffer
   * Redis would hold (emulated: protocol/request-parser.ts), `rbs` / `rbp` the reply buffer
   * kept between writes and its recent peak (protocol/reply-writer.ts)
   */
  queryBufferCapacity: () => number = () => 0;
  replyBufferKept: () => number = () => 0;
  replyBufferPeak: () => number = () => 0;
  partialArgvCount: () => number = () => 0;
  /** encoded replies not yet handed to the socket (`obl`), writes the socket still queues (`oll`), their bytes */
  replyBufferUsed: () => number = () => 0;
  pendingWrites: () => number = () => 0;
  socketQueuedBytes: () => number = () => 0;
  /** channel / pattern / shard-channel subscription counts, bound by the pub/sub layer */
  subscriptionCount: () => number = () => 0;
  patternSubscriptionCount: () => number = () => 0;
  shardSubscriptionCount: () => number = () => 0;

  constructor(
    readonly id: number,
    /** "ip:port" of the peer ("/path:0" for unix sockets) */
    readonly addr: string,
    /** "ip:port" of our end */
    readonly laddr: string,
    readonly fd: number,
    now: number,
    /** the default user: the connection starts authenticated if it is on and nopass */
    user: User,
    /** true for unix socket connections */
    readonly isUnix = false,
  ) {
    this.createdAt = now;
    this.lastInteraction = now;
    this.aclUser = user;
    this.authenticated = user.enabled && user.nopass;
  }

  /** name of the ACL user (CLIENT LIST user=) */
  get user(): string {
    return this.aclUser.name;
  }

  /** True while subscribed to anything (Redis's CLIENT_PUBSUB flag). */
  get inPubSub(): boolean {
    return this.subscriptionCount() + this.patternSubscriptionCount() + this.shardSubscriptionCount() > 0;
  }

  /** The type CLIENT LIST TYPE / CLIENT KILL TYPE filter on (Redis getClientType). */
  get type(): ClientType {
    if (this.role === 'master') return 'master';
    if (this.role === 'replica') return 'replica';
    return this.inPubSub ? 'pubsub' : 'normal';
  }
}

/** Client type by the name CLIENT LIST/KILL accept, or null (Redis getClientTypeByName). */
export function clientTypeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}
