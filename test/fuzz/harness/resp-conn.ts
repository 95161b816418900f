/**
 * A minimal RESP connection for fuzzing: one request in flight, the raw reply collected
 * until it is complete (RESP2 or RESP3), a time bound per request. Replies are binary
 * strings; `null` means no complete reply arrived in time (a blocked client, CLIENT
 * REPLY OFF, a closed connection).
 */
import net from 'node:net';

/** End offset of the complete reply starting at `pos`, or -1 when more bytes are needed. */
export function replyEnd(s: string, pos: number): number {
  if (pos >= s.length) return -1;
  const t = s[pos]!;
  const eol = s.indexOf('\r\n', pos);
  if (eol === -1) return -1;
  const head = s.slice(pos + 1, eol);
  let end = eol + 2;
  if (t === '$' || t === '=' || t === '!') {
    const n = Number(head);
    if (n < 0) return end;
    return s.length >= end + n + 2 ? end + n + 2 : -1;
  }
  if (t === '*' || t === '~' || t === '>' || t === '%' || t === '|') {
    const n = Number(head);
    if (n < 0) return end;
    const total = t === '%' || t === '|' ? n * 2 : n;
    for (let i = 0; i < total; i++) {
      end = replyEnd(s, end);
      if (end === -1) return -1;
    }
    // an attribute precedes the reply it describes
    return t === '|' ? replyEnd(s, end) : end;
  }
  return end;
}

export function encodeRequest(argv: readonly string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

export class RespConn {
  private buf = '';
  private waiter: (() => void) | null = null;
  closed = false;
  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => {
      // 'close' follows
    });
  }

  static connect(port: number): Promise<RespConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new RespConn(s)));
      s.once('error', reject);
    });
  }

  /** Sends one request and waits up to `timeoutMs` for its complete reply. */
  async call(argv: readonly string[], timeoutMs: number): Promise<string | null> {
    this.buf = '';
    if (this.closed) return null;
    this.socket.write(encodeRequest(argv));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = replyEnd(this.buf, 0);
      if (end !== -1) {
        const r = this.buf.slice(0, end);
        this.buf = this.buf.slice(end);
        return r;
      }
      const left = deadline - Date.now();
      if (this.closed || left <= 0) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, left);
        this.waiter = () => {
          clearTimeout(t);
          this.waiter = null;
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
