/**
 * A byte-level client: sends exactly the bytes a test writes and collects exactly the
 * bytes the server answers, so tests can assert on the wire format itself.
 */
import net from 'node:net';

export class RawClient {
  private chunks: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.chunks.push(d);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** `localAddress`: the source address to connect from (e.g. 127.0.0.2, another loopback address). */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host, localAddress }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Writes a binary string (latin1) or raw bytes. */
  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Encodes argv as a RESP multibulk request. */
  static encode(argv: string[]): string {
    let out = `*${argv.length}\r\n`;
    for (const a of argv) out += `$${a.length}\r\n${a}\r\n`;
    return out;
  }

  /** Everything received so far, as a binary string. */
  get received(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  /** Waits until at least `n` bytes arrived (or the socket closed, or the timeout passed). */
  async readBytes(n: number, timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Buffer.concat(this.chunks).length < n && !this.closed && Date.now() < deadline) {
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, Math.max(1, deadline - Date.now()));
      });
    }
    const all = Buffer.concat(this.chunks);
    this.chunks = [all.subarray(Math.min(n, all.length))];
    return all.subarray(0, n).toString('latin1');
  }

  /** Reads exactly one complete RESP reply (any type, nested), as its raw bytes. */
  async readReply(timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = Buffer.concat(this.chunks).toString('latin1');
      const end = replyEnd(all, 0);
      if (end !== -1) {
        this.chunks = [Buffer.from(all.slice(end), 'latin1')];
        return all.slice(0, end);
      }
      if (this.closed || Date.now() >= deadline) throw new Error(`incomplete reply: ${JSON.stringify(all)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, Math.max(1, deadline - Date.now()));
      });
    }
  }

  /** Sends one command and returns its raw reply. */
  async call(...argv: string[]): Promise<string> {
    this.write(RawClient.encode(argv));
    return this.readReply();
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed(timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, Math.max(1, deadline - Date.now()));
      });
    }
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Index just past the RESP2/RESP3 value starting at `i`, or -1 if incomplete. */
export function replyEnd(s: string, i: number): number {
  if (i >= s.length) return -1;
  const nl = s.indexOf('\r\n', i);
  if (nl === -1) return -1;
  const type = s[i]!;
  const head = s.slice(i + 1, nl);
  const after = nl + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return after;
    case '$':
    case '=':
    case '!': {
      const n = Number(head);
      if (n < 0) return after;
      return s.length >= after + n + 2 ? after + n + 2 : -1;
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      let n = Number(head);
      if (n < 0) return after;
      if (type === '%') n *= 2;
      let p = after;
      for (let k = 0; k < n; k++) {
        p = replyEnd(s, p);
        if (p === -1) return -1;
      }
      return p;
    }
    default:
      throw new Error(`bad reply type ${JSON.stringify(type)} in ${JSON.stringify(s.slice(i, i + 40))}`);
  }
}
