/**
 * Builds RESP multibulk commands (`*N\r\n$len\r\narg\r\n…`) into one growing buffer:
 * the AOF writer's pending buffer and the rewrite encoder's output. Arguments are binary
 * strings written as latin1, one byte per char.
 */
export class RespCommandBuilder {
  private buf: Buffer;
  private len = 0;

  constructor(initial = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.len;
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }

  private header(prefix: string, n: number): void {
    const s = prefix + n + '\r\n';
    this.ensure(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  /** Appends one command. */
  command(argv: readonly string[]): void {
    this.header('*', argv.length);
    for (const a of argv) this.bulk(a);
  }

  /** Starts a command of `n` arguments; follow with exactly `n` bulk() calls. */
  arrayHeader(n: number): void {
    this.header('*', n);
  }

  bulk(a: string): void {
    this.header('$', a.length);
    this.ensure(a.length + 2);
    this.len += this.buf.write(a, this.len, 'latin1');
    this.buf[this.len++] = 0x0d;
    this.buf[this.len++] = 0x0a;
  }

  /** Raw bytes (an annotation line). */
  raw(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  /** The bytes so far (a view: valid until the next append or reset). */
  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** Drops the first `n` bytes (after a partial write). */
  consume(n: number): void {
    if (n >= this.len) {
      this.reset();
      return;
    }
    this.buf.copy(this.buf, 0, n, this.len);
    this.len -= n;
  }

  /** Empties the buffer; a big one is released rather than kept. */
  reset(): void {
    this.len = 0;
    if (this.buf.length > 1024 * 1024) this.buf = Buffer.allocUnsafe(16 * 1024);
  }
}

/** One command as bytes. */
export function encodeCommand(argv: readonly string[]): Buffer {
  const b = new RespCommandBuilder(64);
  b.command(argv);
  return Buffer.from(b.view());
}
