/**
 * One client connection: bytes in → request parser → dispatcher → reply writer → one
 * socket write per batch. A protocol error gets its reply and the connection closes;
 * a command error only gets its reply.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { RequestParser, isLoginName, type AuthLimits } from '../protocol/request-parser.js';
import { ReplyWriter } from '../protocol/reply-writer.js';
import { reply, type Reply } from '../protocol/reply.js';
import { CommandContext } from '../command-context/context.js';
import type { Client } from './client.js';
import type { ConnectionHost as Server } from './connection-host.js';
import { monitorLimit, OutputLimitState } from './output-limits.js';
import { cachingAfterRequest } from './tracking.js';
import { errors } from '../errors.js';
import { outputMemory, type ClientEviction } from './client-eviction.js';

/** Output bytes an unauthenticated client may leave unread before it is disconnected. */
const UNAUTHENTICATED_OUTPUT_LIMIT = 64 * 1024;
/**
 * Input an unauthenticated client may have waiting (received, not yet run). Parsed as it
 * arrives, its input never exceeds one request within the unauthenticated caps (10
 * arguments of 16 KiB); only while its replies are held (AUTH throttle delay, CLIENT
 * PAUSE ALL) could valid requests pile up. 1 MiB is Redis's smallest client-query-buffer-limit.
 */
const UNAUTHENTICATED_INPUT_LIMIT = 1024 * 1024;
/**
 * A connection closed after its last reply stops reading, as Redis closes the socket: a
 * peer must not keep streaming into a half-closed connection. For a moment (or this many
 * bytes) input is still read and dropped, so the last reply is not lost to a reset.
 */
const LINGER_BYTES = 64 * 1024;
const LINGER_MS = 2000;
/**
 * Request and reply bytes below which the time spent on them is left inside the next
 * command's duration instead of paying a clock reading to exclude it (dispatcher.ts
 * nextStart): a few hundred nanoseconds at most.
 */
const CHAIN_BYTES = 4096;

export class Connection {
  readonly parser: RequestParser;
  readonly writer = new ReplyWriter();
  readonly ctx: CommandContext;
  private closed = false;
  /** closed (or closing): no more replies, nothing left to check */
  get isClosed(): boolean {
    return this.closed;
  }
  /** replies are being produced (a 'data' event is running): flush at the end */
  private processing = false;
  /** a command held by CLIENT PAUSE; input after it waits in the parser */
  private held: string[] | null = null;
  /**
   * Set while a failed AUTH's reply is held back (brute-force throttling): the reply and
   * everything after it wait; input keeps being buffered, within the usual limits.
   */
  private delayTimer: NodeJS.Timeout | null = null;
  /** closing after the last reply: input still dropped before the socket is destroyed */
  private lingerBytesLeft = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  /** reading is stopped until processing reaches input whose fate depends on a login ahead */
  private readingStopped = false;
  /** a TLS connection (its writes complete asynchronously: see flush) */
  private readonly encrypted: boolean;

  constructor(
    readonly server: Server,
    readonly client: Client,
    readonly socket: Socket,
  ) {
    this.ctx = new CommandContext(server, client);
    this.encrypted = socket instanceof TLSSocket;
    this.parser = new RequestParser(server.limits.parser, new LoginState(client));
    client.kill = () => this.close();
    client.replySlot = () => this.openReplySlot();
    client.queryBufferBytes = () => this.parser.pendingBytes;
    client.outputBufferBytes = () => this.writer.size + socket.writableLength;
    client.unparsedBytes = () => this.parser.bufferedBytes;
    client.readBytes = () => this.parser.readBytes;
    client.partialArgvBytes = () => this.parser.argvBytes;
    client.replyBufferSize = () => this.writer.buf.length;
    client.queryBufferAllocated = () => this.parser.allocatedBytes;
    client.queryBufferCapacity = () => this.parser.capacity;
    client.replyBufferKept = () => this.writer.keptSize;
    client.replyBufferPeak = () => this.writer.peak;
    client.partialArgvCount = () => this.parser.argvCount;
    client.replyBufferUsed = () => this.writer.size;
    client.pendingWrites = () => this.writesPending;
    client.socketQueuedBytes = () => socket.writableLength;
    this.eviction = server.limits.eviction;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    // a Lua debugger session's client hung up: its script goes on at once (as Redis's
    // blocking read sees the end), before other clients' input waiting in this turn
    socket.on('end', () => this.client.debugger?.gone(true));
    socket.on('close', () => this.onClosed());
  }

  /** client eviction (maxmemory-clients): this client's memory is re-measured as it changes */
  private readonly eviction: ClientEviction;
  /** socket writes not yet completed (`oll`); completions arrive in order */
  private writesPending = 0;
  private readonly onWritten = (): void => {
    this.writesPending--;
    // output reached the kernel: the client uses less
    if (!this.closed) this.eviction.update(this.client);
  };

  private onData(chunk: Buffer): void {
    if (this.closed) {
      this.linger(chunk.length);
      return;
    }
    this.client.netIn += chunk.length;
    this.server.stats.netInputBytes += chunk.length;
    this.server.stats.totalReadsProcessed++;
    this.parser.feed(chunk);
    // Every chunk is checked against the input limits, whatever holds the replies: the
    // throttle delay here, CLIENT PAUSE and blocking at the end of processInput.
    if (this.delayTimer === null) {
      this.guardedProcessInput();
    } else if (this.enforceInputLimits()) {
      // input held behind a throttled reply still counts against maxmemory-clients
      this.eviction.update(this.client);
      this.eviction.evict();
    }
  }

  private guardedProcessInput(): void {
    try {
      this.processInput();
    } catch (e) {
      // A bug outside a command handler (handlers are already guarded by the dispatcher)
      // must cost this connection, never the server and its other clients.
      this.server.logger.warning(`Internal error serving client ${this.client.addr}, closing it: ${(e as Error).stack ?? String(e)}`);
      this.close();
    }
  }

  /** CLIENT PAUSE ended: run the held command and the input that queued up behind it. */
  resumeAfterPause(): void {
    if (this.closed || this.held === null) return;
    // runs from a setImmediate: an exception here would reach the event loop
    this.guardedProcessInput();
  }

  /** Runs the complete requests in the buffer, unless CLIENT PAUSE holds this client. */
  private processInput(): void {
    const stats = this.server.stats;
    const pause = this.server.pause;
    const dispatcher = this.server.dispatcher;
    this.processing = true;
    // One cached time per batch of pipelined input: expiry decisions and idle times in a
    // batch agree, and the clock is read once instead of per command.
    this.server.updateTime();
    const started = performance.now();
    this.client.lastInteraction = this.server.now();
    // the client whose commands run now (CLIENT NO-TOUCH is read through it)
    this.server.current = this.client;
    let commands = 0;
    // Clock chaining (dispatcher.ts nextStart): the last clock reading of this batch, the
    // calls ended when it was taken, and the reply bytes then; a small command whose
    // request and preceding replies since then are small starts at that reading.
    let mark = started;
    let markCalls = dispatcher.callsEnded;
    let markReplyBytes = this.writer.size;
    let parsedSinceMark = 0;
    try {
      for (;;) {
        // a client blocked on keys reads nothing more until it is unblocked; one whose
        // script is stopped in the Lua debugger sends it debugger commands
        if (this.client.blocked) {
          const dbg = this.client.debugger;
          if (dbg === null || !dbg.waiting) break;
          const cmd = this.parser.next();
          if (cmd === null) break;
          for (const r of dbg.input(cmd)) this.emit(r);
          if (this.client.closeAfterReply || this.closed) break;
          continue;
        }
        // gateway mode: at most gateway-max-inflight replies pending, then reading stops
        if (this.slots !== null && this.slots.length >= this.server.limits.gatewayInflight) {
          this.stallInput();
          break;
        }
        let argv: string[] | null;
        if (this.held !== null) {
          if (pause.holds(this.client, this.held)) {
            pause.hold(this);
            break;
          }
          argv = this.held;
          this.held = null;
          this.client.postponed = false;
        } else {
          argv = this.parser.next();
          if (argv === null) break;
          if (pause.active && pause.holds(this.client, argv)) {
            this.held = argv;
            this.client.postponed = true;
            pause.hold(this);
            break;
          }
        }
        if (isCrossProtocolAttack(argv[0]!)) {
          this.server.admission.crossProtocolAttack(this.client);
          this.close();
          break;
        }
        let parsed = parsedSinceMark + 16 * argv.length;
        for (let i = 0; i < argv.length; i++) parsed += argv[i]!.length;
        const encoded = this.writer.size - markReplyBytes;
        dispatcher.nextStart = parsed < CHAIN_BYTES && encoded >= 0 && encoded < CHAIN_BYTES ? mark : NaN;
        const r = dispatcher.dispatch(this.ctx, argv);
        dispatcher.nextStart = NaN;
        if (dispatcher.callsEnded !== markCalls) {
          mark = dispatcher.lastEnd;
          markCalls = dispatcher.callsEnded;
          markReplyBytes = this.writer.size;
          parsedSinceMark = 0;
        } else {
          parsedSinceMark = parsed;
        }
        commands++;
        this.emit(r);
        // CLIENT CACHING YES/NO covers one request (client-side caching)
        if (this.client.tracking !== null) cachingAfterRequest(this.client, this.server.commands, argv);
        if (this.deferred !== null) {
          for (const m of this.deferred) this.writer.write(m, this.client.resp);
          this.deferred = null;
        }
        if (this.client.closeAfterReply || this.closed) break;
        if (this.client.replyDelayMs > 0) {
          this.holdReplies(this.client.replyDelayMs);
          break;
        }
      }
    } finally {
      this.processing = false;
      this.server.current = null;
      stats.countCycle(Math.round((performance.now() - started) * 1000), commands);
    }
    if (this.parser.error !== null && !this.client.closeAfterReply && this.held === null) this.answerProtocolError();
    if (!this.enforceInputLimits()) return;
    if (this.delayTimer === null) {
      this.flush();
      if (this.client.closeAfterReply && this.slots === null) this.closeAfterFlush();
    }
    // Between commands is client eviction's safe point: the batch's input, arguments,
    // MULTI queue and output are measured once, and the largest clients go if the total
    // is over maxmemory-clients (this one included).
    if (!this.closed) this.eviction.update(this.client);
    this.eviction.evict();
  }

  /** Queues the parser's protocol error; the connection closes once it is written. */
  private answerProtocolError(): void {
    // both callers run only once the parser has failed, so the text is set
    const text = this.parser.error;
    if (text === null) return;
    const err = reply.error(errors.plain(text));
    this.server.countError(err);
    this.server.logger.verbose(`Protocol error (${text}) from client: ${this.client.addr}`);
    this.writer.write(err, this.client.resp);
    this.client.closeAfterReply = true;
  }

  /**
   * The input limits, checked after every chunk in every state: client-query-buffer-limit
   * on everything pending, a tighter cap for a client that has not logged in, and, for
   * input waiting behind a held reply, the parser's limits (parser.checkAhead) as if it
   * were parsed now. Returns false when the connection was closed.
   */
  private enforceInputLimits(): boolean {
    if (this.closed) return false;
    if (this.client.closeAfterReply) return true;
    const parser = this.parser;
    const pending = parser.pendingBytes;
    if (pending > this.server.limits.queryBuffer) {
      this.server.logger.warning(`Closing client that reached max query buffer length: addr=${this.client.addr}`);
      this.server.stats.clientQueryBufferLimitDisconnections++;
      this.close();
      return false;
    }
    if (!this.client.authenticated && pending > UNAUTHENTICATED_INPUT_LIMIT) {
      this.server.logger.verbose(`Closing unauthenticated client that reached max query buffer length: addr=${this.client.addr}`);
      this.server.stats.clientQueryBufferLimitDisconnections++;
      this.close();
      return false;
    }
    if (parser.error === null) {
      // a no-op unless input waits unparsed behind a held reply
      const verdict = parser.checkAhead(this.held !== null && isLoginName(this.held[0]!));
      if (parser.error !== null) {
        this.failHeldInput();
      } else if ((verdict === 'wait') !== this.readingStopped) {
        // an unauthenticated cap broken after a pending AUTH/HELLO/RESET: whether it is an
        // error depends on that login, so nothing more is read until it has run
        this.readingStopped = verdict === 'wait';
        if (this.readingStopped) this.socket.pause();
        else this.socket.resume();
      }
    }
    return !this.closed;
  }

  /**
   * Input waiting behind a held reply broke a limit. The stream cannot be resynchronised,
   * so nothing more is read; the protocol error is the last reply. Under the AUTH throttle
   * it goes out after the held replies, when the delay ends (an early answer would let a
   * brute-forcer skip the delay); a command held by CLIENT PAUSE or blocked is dropped and
   * the error goes out now.
   */
  private failHeldInput(): void {
    this.socket.pause();
    if (this.delayTimer !== null) return;
    if (this.held !== null) {
      this.held = null;
      this.client.postponed = false;
      this.server.pause.forget(this);
    }
    this.answerProtocolError();
    this.flush();
    this.closeAfterFlush();
  }

  /** Holds the replies so far (and further input) for `ms`, then goes on. */
  private holdReplies(ms: number): void {
    this.client.replyDelayMs = 0;
    this.delayTimer = setTimeout(() => {
      this.delayTimer = null;
      if (this.closed) return;
      this.flush();
      if (this.client.closeAfterReply) this.closeAfterFlush();
      else this.guardedProcessInput();
    }, ms);
  }

  /** Queues a reply, honouring CLIENT REPLY OFF/SKIP. */
  emit(r: Reply | null): void {
    if (r === null || this.replyDropped()) return;
    // gateway mode: behind a forwarded command's pending reply, replies wait their turn
    if (this.slots !== null) this.slots.push({ r });
    else this.writer.write(r, this.client.resp);
  }

  /** CLIENT REPLY OFF/SKIP: whether the reply of the command that just ran is dropped. */
  private replyDropped(): boolean {
    const c = this.client;
    if (c.replyMode === 'off') return true;
    // a reply is dropped when the previous command was CLIENT REPLY SKIP...
    let drop = c.skipNext;
    c.skipNext = false;
    if (c.replyMode === 'skip') {
      // ...and CLIENT REPLY SKIP itself is not answered; it arms skipping for the next one
      c.replyMode = 'on';
      c.skipNext = true;
      drop = true;
    }
    return drop;
  }

  /**
   * Gateway mode's ordered replies (docs/gateway-design.md): a forwarded command's place
   * is reserved when it is sent; replies after it queue here until it is filled, so a
   * pipeline's replies stay in order while several commands are upstream at once. Null
   * when nothing is pending: the common path writes straight to the writer.
   */
  private slots: { r: Reply | null; dropped?: true }[] | null = null;
  private inputStalled = false;

  private openReplySlot(): (r: Reply) => void {
    const slot: { r: Reply | null; dropped?: true } = { r: null };
    if (this.replyDropped()) slot.dropped = true;
    (this.slots ??= []).push(slot);
    return (r) => {
      slot.r = r;
      this.drainSlots();
    };
  }

  /** Writes the filled head of the reply queue; resumes input stalled by the in-flight bound. */
  private drainSlots(): void {
    const q = this.slots;
    if (q === null || this.closed) return;
    let n = 0;
    for (; n < q.length && q[n]!.r !== null; n++) {
      if (q[n]!.dropped !== true) this.writer.write(q[n]!.r!, this.client.resp);
    }
    if (n === 0) return;
    q.splice(0, n);
    if (q.length === 0) this.slots = null;
    if (this.processing) return;
    this.flush();
    if (this.client.closeAfterReply && this.slots === null) {
      this.closeAfterFlush();
      return;
    }
    if (this.inputStalled && (this.slots === null || this.slots.length < this.server.limits.gatewayInflight)) {
      this.inputStalled = false;
      this.socket.resume();
      setImmediate(() => {
        if (!this.closed) this.guardedProcessInput();
      });
    }
  }

  /** Too many replies pending upstream: stop reading until some arrive. */
  private stallInput(): void {
    this.inputStalled = true;
    this.socket.pause();
  }

  /**
   * The blocking layer answered this client's blocked command (served, timed out or
   * CLIENT UNBLOCK): the reply goes out now; pipelined input that waited behind the
   * command runs on a later turn of the event loop, never inside another client's command.
   */
  unblocked(r: Reply | null): void {
    if (this.closed) return;
    this.emit(r);
    if (!this.processing) this.flush();
    // a force-unblock by a role change, or the end of a Lua debugger session: the reply is
    // the last thing this client gets
    if (this.client.closeAfterReply) {
      if (!this.processing && this.slots === null) this.closeAfterFlush();
      return;
    }
    if (this.parser.bufferedBytes > 0) {
      setImmediate(() => {
        if (!this.closed && !this.client.blocked) this.guardedProcessInput();
      });
    }
  }

  /** Input that waited is read again (a Lua debugger stop waits for a command). */
  resumeInput(): void {
    if (this.processing || this.parser.bufferedBytes === 0) return;
    setImmediate(() => {
      if (!this.closed) this.guardedProcessInput();
    });
  }

  /**
   * Sends an out-of-band message (pub/sub push, unblocked reply): queued now, written
   * once the current piece of work is over (one socket write per batch). `afterOwnReply`
   * false: a message caused before this client's command ran (a key evicted for it) goes
   * before that command's reply, as in Redis.
   */
  push(r: Reply, afterOwnReply = true): void {
    if (this.closed) return;
    // A message caused by this client's own command (PUBLISH to itself, a keyspace event
    // of its write) goes after that command's reply, never inside it (Redis 7.2).
    if (afterOwnReply && this.server.current === this.client) {
      (this.deferred ??= []).push(r);
      return;
    }
    // gateway mode: a message relayed from upstream waits behind replies still pending
    // upstream (a SUBSCRIBE's confirmation goes out before the channel's first message)
    if (this.slots !== null) {
      this.slots.push({ r });
      return;
    }
    this.writer.write(r, this.client.resp);
    // messages published in one batch of the publisher's input leave in one write
    if (!this.processing && !this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.flush();
        // a microtask runs once the current callback is over, never inside a command: a
        // safe point, and before the next request is read (Redis evicts before it too)
        this.eviction.evict();
      });
    }
    this.enforceOutputLimit();
    if (!this.closed) {
      this.eviction.update(this.client);
      this.eviction.evictSoon();
    }
  }

  private flushQueued = false;

  /** Pushes held back while this client's own command ran. */
  private deferred: Reply[] | null = null;
  private readonly outputLimit = new OutputLimitState();

  /**
   * client-output-buffer-limit for the client's class: over it, the client is closed. Also
   * run by the cron (Redis's clientsCron does), so a soft limit expires without traffic.
   */
  enforceOutputLimit(): void {
    if (this.closed) return;
    const limits = this.server.limits.output;
    // as Redis's getClientOutputBufferMemoryUsage, the reply list only, not the client's own
    // reply buffer (`rbs`, 16 KiB at first; a '+OK' never trips `normal 5 6 7`): what a batch
    // grew the reply buffer to beyond it (as Redis counts whole reply blocks), and what
    // waits in the socket — the same figure as CLIENT LIST `omem`
    const w = this.writer;
    const used = (w.size > w.keptSize ? w.buf.length - w.keptSize : 0) + outputMemory(this.client);
    // the common case, well under every limit: no class lookup
    if (used < limits.floor) {
      this.outputLimit.reset();
      return;
    }
    const limit = this.client.inPubSub ? limits.pubsub : this.client.monitoring ? monitorLimit(limits) : limits.normal;
    if (limit.hard === 0 && limit.soft === 0) return;
    if (!this.outputLimit.check(used, limit, this.server.now())) return;
    this.server.logger.warning(`Client ${this.client.addr} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    this.server.stats.clientOutputBufferLimitDisconnections++;
    this.close();
  }

  flush(): void {
    if (this.writer.size === 0 || this.closed) return;
    // The commands behind these replies go to the AOF first (on disk, under appendfsync
    // always). Replies of every client served in this turn of the event loop wait for one
    // AOF write (and one fsync, off the loop) together (persistence/reply-barrier.ts); a
    // closing client's last reply cannot wait, so the AOF is written (and synced) right away for it.
    const barrier = this.server.persistence.replies;
    if (barrier.pending(this)) {
      if (!this.client.closeAfterReply) {
        barrier.hold(this);
        return;
      }
      barrier.writeNow();
    }
    // As Redis checks the limit when a reply is added (before any of it is written), the
    // replies count whole: what the kernel would accept at once must not hide them.
    this.enforceOutputLimit();
    if (this.closed) return;
    // Issue 17: a socket with nothing queued usually takes the whole write at once (the
    // kernel copies it), so the working buffer is written without a copy and reused when
    // the write finished synchronously (Writable's contract: a chunk whose callback ran is
    // released; writableLength 0 = every callback ran). A backed-up socket gets a copy of
    // exactly the bytes, so a slow reader never holds a whole working buffer per flush.
    // A TLS socket's write never completes synchronously (its callback runs in a later
    // turn, after the record went to the TCP socket), so the direct path would always end in
    // handedOff(): a fresh 16 KiB working buffer per flush, outside Node's pool. A batch
    // within the kept buffer is copied instead (exactly its bytes; a small one comes from
    // the pool); a larger one is handed off, as the copy would be as big. Issue 17 goal 5.
    const socket = this.socket;
    const direct = socket.writableLength === 0 && (!this.encrypted || this.writer.size > this.writer.keptSize);
    const out = direct ? this.writer.view() : this.writer.take();
    this.client.netOut += out.length;
    this.server.stats.netOutputBytes += out.length;
    this.server.stats.totalWritesProcessed++;
    this.writesPending++;
    socket.write(out, this.onWritten);
    if (direct) {
      if (socket.writableLength === 0) this.writer.written();
      else this.writer.handedOff();
    }
    // An unauthenticated client only ever gets short error replies; one that keeps sending
    // without reading them would pile output up in memory (the CVE-2025-21605 class).
    if (!this.client.authenticated && this.socket.writableLength > UNAUTHENTICATED_OUTPUT_LIMIT) {
      this.server.stats.clientOutputBufferLimitDisconnections++;
      this.server.logger.verbose(`Closing unauthenticated client that does not read its replies: addr=${this.client.addr}`);
      this.close();
      return;
    }
    // ordinary replies count against client-output-buffer-limit too (normal / pubsub class)
    this.enforceOutputLimit();
    // the output now waits in the socket (omem): maxmemory-clients sees it at once
    if (!this.closed) this.eviction.update(this.client);
  }

  private closeAfterFlush(): void {
    if (this.closed) return;
    this.closed = true;
    this.lingerBytesLeft = LINGER_BYTES;
    // the timer starts once the last reply is handed to the kernel: a slow reader still gets it whole
    this.socket.end(() => {
      this.lingerTimer = setTimeout(() => this.socket.destroy(), LINGER_MS);
      this.lingerTimer.unref();
    });
    this.socket.resume();
    this.eviction.forget(this.client);
    this.server.connectionClosed(this);
  }

  /** Input after the last reply is dropped; past LINGER_BYTES the socket is destroyed. */
  private linger(bytes: number): void {
    this.lingerBytesLeft -= bytes;
    if (this.lingerBytesLeft < 0) this.socket.destroy();
  }

  /** Closes now, dropping pending output (CLIENT KILL, limits). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.delayTimer !== null) clearTimeout(this.delayTimer);
    this.socket.destroy();
    this.eviction.forget(this.client);
    this.server.connectionClosed(this);
  }

  private onClosed(): void {
    if (this.delayTimer !== null) clearTimeout(this.delayTimer);
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    if (!this.closed) {
      this.closed = true;
      this.eviction.forget(this.client);
      this.server.connectionClosed(this);
    }
  }
}

/**
 * The parser's view of the login (read once per request). One class for every
 * connection: an object literal with a getter made a new accessor per connection,
 * so the read became a megamorphic lookup once many clients were connected.
 */
class LoginState implements AuthLimits {
  constructor(private readonly client: Client) {}
  get unauthenticated(): boolean {
    return !this.client.authenticated;
  }
}

/**
 * An HTTP request sent to the port (a browser tricked into talking to us: "cross protocol
 * scripting") starts with `POST` or carries a `Host:` line. Redis drops such connections
 * without a reply before any command runs; so do we.
 */
function isCrossProtocolAttack(name: string): boolean {
  const n = name.length;
  if (n !== 4 && n !== 5) return false;
  const lower = name.toLowerCase();
  return lower === 'post' || lower === 'host:';
}
