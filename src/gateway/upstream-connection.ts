/**
 * One pipelined connection from the gateway to an upstream node: commands are written as
 * RESP as soon as they are sent, replies are framed (reply-framer.ts) and handed, in order,
 * to the callback of the command they answer (Redis answers a connection's commands in the
 * order it received them).
 *
 * Guarantees a caller relies on:
 *  - every `send` gets exactly one callback: the upstream's reply bytes, or a gateway error
 *    when the connection is lost, times out, or was refused at login;
 *  - a command lost with its connection after it was written is answered with
 *    LOST_REPLY and never resent: whether it ran upstream is unknown, and only the client
 *    may decide to retry a write;
 *  - a command is written only once the upstream has answered on this connection (the
 *    login's reply, or a PING's when there is no login): a connection that closes before
 *    that answers its commands with UNREACHABLE_REPLY — they were never written, and the
 *    gateway may send them elsewhere. A completed TCP handshake proves nothing: a redis-server
 *    killed by SIGKILL has its client sockets closed before its listening socket (the kernel
 *    releases a dying process's files highest descriptor first), so for a moment a new
 *    connection is still accepted by the kernel, then reset unread; and a connection to a
 *    loopback port nobody listens on can be given that very port as its source and connect
 *    to itself (refused here as unreachable: it would read its own commands back as replies);
 *  - a reply's bytes are copied out of the read buffer once, so the callback may keep them;
 *  - the login (AUTH with the configured user, then SELECT-free: clusters have one
 *    database) is written first; if it fails, the connection closes and every pending
 *    command gets the refusal, unwritten (the upstream's text is not shown to clients: it
 *    could name the gateway's upstream user).
 */
import net from 'node:net';
import tls from 'node:tls';
import { errors } from '../errors.js';
import { INCOMPLETE, ReplyFramingError, replyEnd } from './reply-framer.js';

export interface UpstreamOptions {
  host: string;
  port: number;
  /** AUTH [user] password before the first command (none when password is undefined) */
  user?: string;
  password?: string;
  /** the connection's own source port (tests: a connection to itself); the kernel picks one when undefined */
  localPort?: number;
  /** TLS client options (certificate, CA, servername); plain TCP when undefined */
  tls?: tls.ConnectionOptions;
  /** a command unanswered this long fails, and the connection with it (ms) */
  timeoutMs: number;
  /** largest reply accepted (proto-max-bulk-len) */
  maxReplyLen?: number;
  /** speak RESP3 (HELLO 3 as the login): replies pass through to RESP3 clients unchanged */
  resp3?: boolean;
  /** told when the upstream refuses the login (the gateway logs it; the upstream's text goes nowhere) */
  onLoginRefused?: () => void;
  /**
   * Subscriber mode (gateway/subscriber.ts): after the login, every frame (pushes, the
   * answers to PING, errors) goes here instead of to a command's callback; commands are
   * written with `sendRaw` and have no callback or timeout of their own.
   */
  onFrame?: (frame: Buffer) => void;
}

/** What a command's callback receives: the reply's RESP bytes, and whether it is an error reply. */
export type ReplyCallback = (reply: Buffer, isError: boolean) => void;

const errorReply = (text: string): Buffer => Buffer.from(`-${text}\r\n`);
export const LOST_REPLY = errorReply(errors.gatewayUpstreamLost);
export const TIMEOUT_REPLY = errorReply(errors.gatewayUpstreamTimeout);
export const UNREACHABLE_REPLY = errorReply(errors.gatewayUpstreamUnreachable);
export const LOGIN_REFUSED_REPLY = errorReply(errors.gatewayUpstreamLoginRefused);
export const UNCONFIRMED_REPLY = errorReply(errors.gatewayFailoverUnconfirmed);

/**
 * Replies held back until it is known whether they may be passed on (`gate`): the
 * commands in flight on a primary that is being failed over.
 */
export interface Gate {
  /** null until decided; true: pass the replies on; false: their fate is unknown */
  verdict: boolean | null;
  held: { callback: ReplyCallback; bytes: Buffer; isError: boolean }[];
}

function encodeCommand(argv: readonly string[]): Buffer {
  let size = 16;
  for (const a of argv) size += a.length + 16;
  const out = Buffer.allocUnsafe(size);
  let n = out.write(`*${argv.length}\r\n`, 0, 'latin1');
  for (const a of argv) {
    n += out.write(`$${a.length}\r\n`, n, 'latin1');
    n += out.write(a, n, 'latin1');
    out[n++] = 0x0d;
    out[n++] = 0x0a;
  }
  return out.subarray(0, n);
}

interface Pending {
  callback: ReplyCallback;
  /** performance.now() when written, for the timeout */
  sentAt: number;
  /** how long this command may go unanswered (ms): the connection's timeout, or a blocking command's own */
  timeoutMs: number;
  /**
   * the connection's own first command, written at once: the login (AUTH or HELLO; a
   * refusal closes the connection) or, without one, a PING (any answer will do)
   */
  opening: 'login' | 'probe' | null;
  /** on the socket; false while it waits for the upstream's first answer */
  written: boolean;
  /** its reply waits for this gate's verdict */
  gate: Gate | null;
}

export class UpstreamConnection {
  private readonly socket: net.Socket;
  private readonly pending: Pending[] = [];
  private head = 0;
  private input: Buffer = Buffer.alloc(0);
  private inputLen = 0;
  private connected = false;
  /** the upstream has answered on this connection: commands are written as they come */
  private answered: boolean;
  /** commands waiting for that first answer, encoded */
  private unsent: Buffer[] = [];
  private closedReply: Buffer | null = null;
  private readonly timer: NodeJS.Timeout;
  /** gates not decided yet */
  private readonly gates = new Set<Gate>();
  /** called once when the connection is gone, whatever the reason */
  onClose: (() => void) | null = null;

  constructor(private readonly opts: UpstreamOptions) {
    const connectOpts = { host: opts.host, port: opts.port, ...(opts.localPort !== undefined ? { localPort: opts.localPort, localAddress: opts.host } : {}) };
    this.socket = opts.tls !== undefined ? tls.connect({ ...opts.tls, ...connectOpts }) : net.connect(connectOpts);
    this.socket.setNoDelay(true);
    this.socket.once(opts.tls !== undefined ? 'secureConnect' : 'connect', () => {
      if (connectedToItself(this.socket)) return this.fail(UNREACHABLE_REPLY);
      this.connected = true;
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => this.fail(this.connected ? LOST_REPLY : UNREACHABLE_REPLY));
    this.socket.on('close', () => this.fail(this.connected ? LOST_REPLY : UNREACHABLE_REPLY));
    this.timer = setInterval(() => this.checkTimeouts(), Math.max(10, Math.min(1000, opts.timeoutMs / 4)));
    this.timer.unref();
    // a subscriber link's requests are written as they come (sendRaw): nothing waits
    this.answered = opts.onFrame !== undefined;
    if (opts.resp3 === true) {
      const auth = opts.password !== undefined ? ['AUTH', opts.user ?? 'default', opts.password] : [];
      this.write(['HELLO', '3', ...auth], () => undefined, 'login');
    } else if (opts.password !== undefined) {
      const argv = opts.user !== undefined ? ['AUTH', opts.user, opts.password] : ['AUTH', opts.password];
      this.write(argv, () => undefined, 'login');
    } else if (!this.answered) {
      this.write(['PING'], () => undefined, 'probe');
    }
  }

  /** Commands written and not yet answered. */
  get inFlight(): number {
    return this.pending.length - this.head;
  }

  /** Whether the connection is gone (every later send is answered with the reason at once). */
  get closed(): boolean {
    return this.closedReply !== null;
  }

  /**
   * Sends one command; `callback` is called exactly once with its reply. `timeoutMs`
   * replaces the connection's timeout for this command (a blocking command waits its own
   * timeout plus the connection's; Infinity for one that may block forever).
   */
  send(argv: readonly string[], callback: ReplyCallback, timeoutMs = this.opts.timeoutMs): void {
    if (this.closedReply !== null) {
      const reason = this.closedReply;
      queueMicrotask(() => callback(reason, true));
      return;
    }
    this.write(argv, callback, null, timeoutMs);
  }

  /**
   * Holds the replies of every command now in flight until `decide` is called on the
   * returned gate (null when none is in flight): then they go on as they came (true), or,
   * but for error replies, as UNCONFIRMED_REPLY (false). A connection lost meanwhile gives
   * the held ones its loss reply. Commands sent after the gate are not held.
   */
  gate(): Gate | null {
    if (this.inFlight === 0 || this.closedReply !== null) return null;
    const gate: Gate = { verdict: null, held: [] };
    for (let i = this.head; i < this.pending.length; i++) if (this.pending[i]!.opening === null) this.pending[i]!.gate = gate;
    this.gates.add(gate);
    return gate;
  }

  /** The verdict on a gate's replies (once: a later call changes nothing). */
  decide(gate: Gate, pass: boolean): void {
    if (gate.verdict !== null) return;
    gate.verdict = pass;
    this.gates.delete(gate);
    for (const h of gate.held.splice(0)) deliverGated(pass, h.callback, h.bytes, h.isError);
  }

  /** Subscriber mode: writes a command whose answers arrive through `onFrame` (false once closed). */
  sendRaw(argv: readonly string[]): boolean {
    if (this.closedReply !== null) return false;
    this.socket.write(encodeCommand(argv));
    return true;
  }

  /** Closes the connection; commands in flight get LOST_REPLY. */
  close(): void {
    this.fail(LOST_REPLY);
  }

  private write(argv: readonly string[], callback: ReplyCallback, opening: Pending['opening'], timeoutMs = this.opts.timeoutMs): void {
    const written = this.answered || opening !== null;
    this.pending.push({ callback, sentAt: performance.now(), timeoutMs, opening, written, gate: null });
    if (written) this.socket.write(encodeCommand(argv));
    else this.unsent.push(encodeCommand(argv));
  }

  /** The upstream's first answer: the commands that waited for it are written, in order. */
  private writeUnsent(): void {
    this.answered = true;
    for (let i = this.head; i < this.pending.length; i++) this.pending[i]!.written = true;
    const unsent = this.unsent;
    this.unsent = [];
    if (unsent.length > 0) this.socket.write(unsent.length === 1 ? unsent[0]! : Buffer.concat(unsent));
  }

  private onData(chunk: Buffer): void {
    if (this.closedReply !== null) return;
    const need = this.inputLen + chunk.length;
    if (need > this.input.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.input.length * 2, 16 * 1024));
      this.input.copy(grown, 0, 0, this.inputLen);
      this.input = grown;
    }
    chunk.copy(this.input, this.inputLen);
    this.inputLen = need;
    let start = 0;
    for (;;) {
      let end: number;
      try {
        end = replyEnd(this.input, start, this.inputLen, this.opts.maxReplyLen);
      } catch (e) {
        if (!(e instanceof ReplyFramingError)) throw e;
        this.fail(LOST_REPLY);
        return;
      }
      if (end === INCOMPLETE) break;
      const p = this.pending[this.head];
      if (p === undefined) {
        const onFrame = this.opts.onFrame;
        if (onFrame === undefined) {
          // a reply nobody asked for: the stream is out of step, nothing after it can be trusted
          this.fail(LOST_REPLY);
          return;
        }
        const frame = Buffer.from(this.input.subarray(start, end));
        start = end;
        onFrame(frame);
        if (this.closedReply !== null) return;
        continue;
      }
      this.head++;
      const bytes = Buffer.from(this.input.subarray(start, end));
      const isError = bytes[0] === 0x2d || bytes[0] === 0x21;
      start = end;
      if (p.opening !== null) {
        if (isError && p.opening === 'login') {
          this.fail(LOGIN_REFUSED_REPLY);
          this.opts.onLoginRefused?.();
          return;
        }
        if (!this.answered) this.writeUnsent();
      } else if (p.gate === null) {
        p.callback(bytes, isError);
      } else if (p.gate.verdict === null) {
        p.gate.held.push({ callback: p.callback, bytes, isError });
      } else {
        deliverGated(p.gate.verdict, p.callback, bytes, isError);
      }
      if (this.closedReply !== null) return;
    }
    // keep the unframed tail at the front
    if (start > 0) {
      this.input.copy(this.input, 0, start, this.inputLen);
      this.inputLen -= start;
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
  }

  private checkTimeouts(): void {
    const p = this.pending[this.head];
    if (p !== undefined && performance.now() - p.sentAt > p.timeoutMs) this.fail(TIMEOUT_REPLY);
  }

  /**
   * Ends the connection once: every command still pending gets `reason`, but a lost
   * connection's unwritten commands get UNREACHABLE_REPLY (they never left the gateway).
   */
  private fail(reason: Buffer): void {
    if (this.closedReply !== null) return;
    this.closedReply = reason;
    clearInterval(this.timer);
    this.socket.destroy();
    this.unsent = [];
    const waiting = this.pending.slice(this.head).filter((p) => p.opening === null);
    this.pending.length = 0;
    this.head = 0;
    // replies held at a gate: whether the command will survive is unknown now
    for (const gate of this.gates) {
      gate.verdict = false;
      for (const h of gate.held.splice(0)) h.callback(reason, true);
    }
    this.gates.clear();
    for (const p of waiting) p.callback(p.written || reason !== LOST_REPLY ? reason : UNREACHABLE_REPLY, true);
    this.onClose?.();
  }
}

/**
 * A loopback connection whose source is its destination: nothing listened on the port, and
 * the kernel gave the connection that port as its own (TCP's simultaneous open); what it
 * writes comes back to it.
 */
function connectedToItself(socket: net.Socket): boolean {
  return socket.localPort !== undefined && socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
}

function deliverGated(pass: boolean, callback: ReplyCallback, bytes: Buffer, isError: boolean): void {
  if (pass || isError) callback(bytes, isError);
  else callback(UNCONFIRMED_REPLY, true);
}
