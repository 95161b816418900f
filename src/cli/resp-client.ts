/**
 * A minimal RESP2 client for the `redoubt` CLI: one request at a time over a plain or TLS
 * socket. The audit sends a handful of introspection commands, so a dependency-free client
 * that reports errors as values (not exceptions) keeps the grading code simple.
 */
import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';

export type RespValue = string | number | null | RespError | RespValue[];

export class RespError {
  constructor(readonly message: string) {}
}

/** A cleartext connection to a port that speaks TLS. */
export class TlsPortError extends Error {}

/** A reset before any reply is how some TLS servers refuse cleartext: say so. */
function withTlsHint(e: Error): Error {
  return (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? new Error(`${e.message} before any reply (if this port speaks TLS, use --tls)`) : e;
}

export interface ConnectOptions {
  host: string;
  port: number;
  tls?: boolean;
  cacert?: string;
  cert?: string;
  key?: string;
  timeoutMs?: number;
}

export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private pending: { resolve: (v: RespValue) => void; reject: (e: Error) => void } | null = null;
  private closedError: Error | null = null;
  /** whether the server has sent anything yet (a TLS port refuses cleartext before that) */
  private answered = false;

  private constructor(
    private readonly socket: net.Socket,
    private readonly tls: boolean,
  ) {
    const fail = (e: Error): void => {
      if (this.closedError === null) this.closedError = e;
      const p = this.pending;
      this.pending = null;
      p?.reject(this.closedError);
    };
    socket.on('data', (d: Buffer) => {
      // A TLS record (alert 0x15, handshake 0x16) where RESP was expected: the port speaks
      // TLS and answered our cleartext with a TLS error. No RESP reply starts with them.
      if (!this.tls && !this.answered && (d[0] === 0x15 || d[0] === 0x16)) {
        fail(new TlsPortError('this port speaks TLS: use --tls (with --cacert, and --cert/--key for mTLS)'));
        socket.destroy();
        return;
      }
      this.answered = true;
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      try {
        this.drain();
      } catch (e) {
        fail(e as Error);
        socket.destroy();
      }
    });
    socket.on('error', (e) => fail(this.tls || this.answered ? e : withTlsHint(e)));
    socket.on('close', () => fail(this.tls || this.answered ? new Error('connection closed by server') : new Error('connection closed by server without a reply (if this port speaks TLS, use --tls)')));
  }

  static connect(opts: ConnectOptions): Promise<RespClient> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      let socket: net.Socket;
      const onError = (e: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      };
      const onReady = (): void => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new RespClient(socket, opts.tls === true));
      };
      if (opts.tls === true) {
        socket = tls.connect({
          host: opts.host,
          port: opts.port,
          // SNI must not be an IP address; certificate checks still cover IP SANs.
          servername: net.isIP(opts.host) === 0 ? opts.host : undefined,
          ca: opts.cacert !== undefined ? fs.readFileSync(opts.cacert) : undefined,
          cert: opts.cert !== undefined ? fs.readFileSync(opts.cert) : undefined,
          key: opts.key !== undefined ? fs.readFileSync(opts.key) : undefined,
          rejectUnauthorized: true,
        });
        socket.once('secureConnect', onReady);
      } else {
        socket = net.connect(opts.port, opts.host);
        socket.once('connect', onReady);
      }
      socket.once('error', onError);
      const timer = setTimeout(() => onError(new Error(`timed out connecting to ${opts.host}:${opts.port}`)), timeoutMs);
    });
  }

  /** Sends one command and resolves with its reply; error replies resolve as RespError. */
  call(...argv: string[]): Promise<RespValue> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    if (this.pending !== null) return Promise.reject(new Error('one request at a time'));
    let out = `*${argv.length}\r\n`;
    for (const a of argv) out += `$${Buffer.byteLength(a, 'utf8')}\r\n${a}\r\n`;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(out, 'utf8');
      this.drain();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    if (this.pending === null) return;
    const parsed = parseReply(this.buf, 0);
    if (parsed === null) return;
    this.buf = this.buf.subarray(parsed.end);
    const p = this.pending;
    this.pending = null;
    p.resolve(parsed.value);
  }
}

/** Parses one RESP2 reply starting at `pos`; null when more bytes are needed. */
export function parseReply(buf: Buffer, pos: number): { value: RespValue; end: number } | null {
  if (pos >= buf.length) return null;
  const nl = buf.indexOf('\r\n', pos);
  if (nl === -1) return null;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString('utf8', pos + 1, nl);
  const next = nl + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RespError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return null;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (item === null) return null;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected reply type byte ${JSON.stringify(type)}`);
  }
}
