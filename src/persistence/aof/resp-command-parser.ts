/**
 * Incremental parser of the command stream in an AOF: RESP multibulk commands and `#…`
 * annotation lines (Redis writes `#TS:<unix time>` there), fed in chunks of any size.
 *
 * Completed arguments are kept as they arrive and only the element in progress is
 * buffered, so a command of many large arguments never gets re-copied; a large bulk is
 * assembled in a buffer of its exact size, which keeps the work linear (a 512 MB bulk is
 * copied once). Every command reports its byte range in the file, which is what torn-tail
 * truncation and error messages need.
 */

/** RESP header lines longer than this are garbage (Redis reads them with a 1024-byte fgets). */
const LINE_MAX = 1024;
/** Bulks beyond this are gathered in a dedicated buffer instead of the chunk buffer. */
const BIG_BULK = 64 * 1024;
/** V8's longest string: a longer argument cannot be represented. */
const MAX_ARG_LEN = (1 << 29) - 24;

export interface ParsedCommand {
  argv: string[];
  /** absolute offset of the command's first byte */
  start: number;
  /** absolute offset just past the command */
  end: number;
}

/** Bytes that are not a valid AOF command stream. */
export class RespFormatError extends Error {
  constructor(
    /** absolute offset of the offending element */
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${detail} at offset ${offset}`);
  }
}

const EMPTY = Buffer.alloc(0);

export class RespCommandParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** absolute offset of buf[0] */
  private bufAbs: number;
  /** arguments expected by the command in progress; -1 between commands */
  private argc = -1;
  private args: string[] = [];
  /** length of the bulk in progress; -1 when its `$` line is expected */
  private bulkLen = -1;
  private bulkBuf: Buffer | null = null;
  private bulkFill = 0;
  private cmdStart = 0;
  /** absolute offset just past the last complete command or annotation */
  private doneAbs: number;

  constructor(startOffset = 0) {
    this.bufAbs = startOffset;
    this.doneAbs = startOffset;
  }

  /** End of the last complete item: everything before it parsed cleanly. */
  get offset(): number {
    return this.doneAbs;
  }

  /** Offset where the command in progress (if any) begins. */
  get pendingStart(): number {
    return this.argc === -1 ? this.doneAbs : this.cmdStart;
  }

  /** Adds bytes that follow the ones given so far. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.bulkBuf !== null && this.pos >= this.buf.length) {
      const take = Math.min(chunk.length, this.bulkBuf.length - this.bulkFill);
      chunk.copy(this.bulkBuf, this.bulkFill, 0, take);
      this.bulkFill += take;
      this.bufAbs += this.buf.length + take;
      this.buf = chunk.subarray(take);
      this.pos = 0;
      return;
    }
    if (this.pos >= this.buf.length) {
      this.bufAbs += this.buf.length;
      this.buf = chunk;
    } else {
      const rest = this.buf.subarray(this.pos);
      this.bufAbs += this.pos;
      this.buf = Buffer.concat([rest, chunk]);
    }
    this.pos = 0;
  }

  private abs(): number {
    return this.bufAbs + this.pos;
  }

  /** Index of the '\n' ending the line at pos, or -1 when more bytes are needed. */
  private lineEnd(): number {
    const limit = Math.min(this.buf.length, this.pos + LINE_MAX);
    const nl = this.buf.indexOf(0x0a, this.pos);
    if (nl === -1 || nl >= limit) {
      if (this.buf.length - this.pos >= LINE_MAX) throw new RespFormatError(this.abs(), 'line too long');
      return -1;
    }
    return nl;
  }

  /**
   * `<prefix><digits>\r\n` at pos, ending at `nl`: the number (without building a string
   * on the common path).
   */
  private count(nl: number, prefix: number, what: string): number {
    const b = this.buf;
    let v = 0;
    let i = this.pos + 1;
    const digitsEnd = nl - 1;
    let ok = b[this.pos] === prefix && b[digitsEnd] === 0x0d && digitsEnd > i && digitsEnd - i <= 18;
    for (; ok && i < digitsEnd; i++) {
      const c = b[i]!;
      if (c < 0x30 || c > 0x39) ok = false;
      else v = v * 10 + (c - 0x30);
    }
    if (!ok) {
      const s = b.toString('latin1', this.pos, Math.min(nl + 1, this.pos + 24));
      throw new RespFormatError(this.abs(), `expected ${what} ('${String.fromCharCode(prefix)}<count>\\r\\n'), got '${printable(s)}'`);
    }
    return v;
  }

  /**
   * The next complete command, or null when the bytes so far end inside one (or between
   * commands). Annotation lines are skipped. Throws RespFormatError on garbage.
   */
  next(): ParsedCommand | null {
    for (;;) {
      if (this.argc === -1) {
        if (this.pos >= this.buf.length) return null;
        const first = this.buf[this.pos]!;
        if (first === 0x23 /* # */) {
          const nl = this.lineEnd();
          if (nl === -1) return null;
          this.pos = nl + 1;
          this.doneAbs = this.abs();
          continue;
        }
        if (first !== 0x2a /* * */) {
          throw new RespFormatError(this.abs(), `expected '*' or '#', got '${printable(String.fromCharCode(first))}'`);
        }
        const nl = this.lineEnd();
        if (nl === -1) return null;
        const n = this.count(nl, 0x2a, 'a command');
        if (n < 1) throw new RespFormatError(this.abs(), `invalid argument count ${n}`);
        this.cmdStart = this.abs();
        this.pos = nl + 1;
        this.argc = n;
        this.args = [];
        this.bulkLen = -1;
      }
      while (this.args.length < this.argc) {
        if (this.bulkLen === -1) {
          if (this.pos >= this.buf.length) return null;
          const nl = this.lineEnd();
          if (nl === -1) return null;
          const n = this.count(nl, 0x24, 'a bulk length');
          if (n > MAX_ARG_LEN) throw new RespFormatError(this.abs(), `argument of ${n} bytes is longer than this server can hold`);
          this.pos = nl + 1;
          this.bulkLen = n;
        }
        const need = this.bulkLen + 2;
        if (this.bulkBuf !== null) {
          if (this.bulkFill < need) return null;
          this.finishBulk(this.bulkBuf, 0);
          this.bulkBuf = null;
          continue;
        }
        const avail = this.buf.length - this.pos;
        if (avail >= need) {
          this.finishBulk(this.buf, this.pos);
          this.pos += need;
          continue;
        }
        if (need > BIG_BULK) {
          this.bulkBuf = Buffer.allocUnsafe(need);
          this.buf.copy(this.bulkBuf, 0, this.pos);
          this.bulkFill = avail;
          this.pos = this.buf.length;
        }
        return null;
      }
      const cmd: ParsedCommand = { argv: this.args, start: this.cmdStart, end: this.abs() };
      this.argc = -1;
      this.args = [];
      this.bulkLen = -1;
      this.doneAbs = cmd.end;
      return cmd;
    }
  }

  private finishBulk(b: Buffer, at: number): void {
    const n = this.bulkLen;
    if (b[at + n] !== 0x0d || b[at + n + 1] !== 0x0a) {
      const bulkEnd = this.bulkBuf !== null ? this.abs() - 2 : this.abs() + n;
      throw new RespFormatError(bulkEnd, `expected '\\r\\n' after a bulk of ${n} bytes`);
    }
    this.args.push(b.toString('latin1', at, at + n));
    this.bulkLen = -1;
  }

  /**
   * Called at end of input: 'clean' when the input ended between commands; 'truncated'
   * when it ended inside a command (or inside its first line); throws RespFormatError when
   * the unfinished tail is garbage rather than the start of a command.
   */
  finish(): 'clean' | 'truncated' {
    const tail = this.pos < this.buf.length ? this.buf.toString('latin1', this.pos, Math.min(this.buf.length, this.pos + LINE_MAX)) : '';
    if (this.argc !== -1) {
      // a partial `$` line must still look like one
      if (this.bulkLen === -1 && this.bulkBuf === null && tail.length > 0 && !/^\$\d*\r?$/.test(tail)) {
        throw new RespFormatError(this.abs(), `expected a bulk length ('$<count>\\r\\n'), got '${printable(tail.slice(0, 24))}'`);
      }
      return 'truncated';
    }
    if (tail.length === 0) return 'clean';
    if (tail[0] === '#') return 'clean';
    if (/^\*\d*\r?$/.test(tail)) return 'truncated';
    throw new RespFormatError(this.abs(), `expected '*' or '#', got '${printable(tail.slice(0, 24))}'`);
  }
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}
