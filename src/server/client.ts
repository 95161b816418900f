/**
 * Per-connection state that commands may read or change. The socket side lives in
 * connection.ts; this object has no I/O so commands stay synchronous and testable.
 */
export type ReplyMode = 'on' | 'off' | 'skip';

export interface QueuedCommand {
  argv: string[];
}

export class Client {
  name = '';
  libName = '';
  libVer = '';
  dbIndex = 0;
  resp: 2 | 3 = 2;
  /** ACL user this connection acts as */
  user = 'default';
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
  multiDirty = false;
  /** set by CLIENT KILL / QUIT: the connection closes once pending replies are written */
  closeAfterReply = false;
  /** closes the connection now (bound by the connection layer) */
  kill: () => void = () => {};
  /** query buffer and output sizes, bound by the connection layer for CLIENT LIST */
  queryBufferBytes: () => number = () => 0;
  outputBufferBytes: () => number = () => 0;
  /** 'N' normal, 'P' pubsub, 'x' multi… flags letters for CLIENT LIST */
  readonly kind: 'normal' | 'pubsub' | 'replica' | 'master' = 'normal';

  constructor(
    readonly id: number,
    /** "ip:port" of the peer ("/path:0" for unix sockets) */
    readonly addr: string,
    /** "ip:port" of our end */
    readonly laddr: string,
    readonly fd: number,
    now: number,
    authenticated: boolean,
    /** true for unix socket connections */
    readonly isUnix = false,
  ) {
    this.createdAt = now;
    this.lastInteraction = now;
    this.authenticated = authenticated;
  }
}
