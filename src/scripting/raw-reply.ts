/**
 * Pre-encoded replies (Kind.Raw: random picks, GEO coordinates, DEBUG PROTOCOL attrib/push)
 * read back into reply values for a script. Redis hands every reply to Lua by parsing the
 * protocol its command wrote (resp_parser.c); this does the same for the few replies
 * Redoubt keeps as bytes. An attribute is read and dropped, its reply kept (Redis does not
 * expose attributes to scripts). The bytes come from this server's own encoder, so they are
 * well formed; a truncated buffer still ends in an error, never a crash.
 */
import { reply, type Reply } from '../protocol/reply.js';

class RawReader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  /** The text up to the next CRLF (the line's tag excluded), moving past the CRLF. */
  line(): string {
    const end = this.buf.indexOf('\r\n', this.pos, 'latin1');
    if (end < 0) throw new RangeError('truncated reply');
    const s = this.buf.toString('latin1', this.pos, end);
    this.pos = end + 2;
    return s;
  }

  /** `n` bytes then CRLF. */
  bytes(n: number): string {
    if (this.pos + n + 2 > this.buf.length) throw new RangeError('truncated reply');
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n + 2;
    return s;
  }

  tag(): string {
    if (this.pos >= this.buf.length) throw new RangeError('truncated reply');
    return String.fromCharCode(this.buf[this.pos++]!);
  }
}

/** strtod on a RESP3 double's text (inf / -inf / nan as C reads them). */
function readDouble(text: string): number {
  const t = text.toLowerCase();
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  return Number(text);
}

function items(r: RawReader, n: number): Reply[] {
  const out: Reply[] = new Array<Reply>(n);
  for (let i = 0; i < n; i++) out[i] = readReply(r);
  return out;
}

function readReply(r: RawReader): Reply {
  const tag = r.tag();
  switch (tag) {
    case '+':
      return reply.simple(r.line());
    case '-':
      return reply.error(r.line());
    case ':': {
      const text = r.line();
      const n = Number(text);
      return reply.int(Number.isSafeInteger(n) ? n : BigInt(text));
    }
    case '$': {
      const n = Number(r.line());
      return n < 0 ? reply.nil : reply.bulk(r.bytes(n));
    }
    case '*': {
      const n = Number(r.line());
      return n < 0 ? reply.nilArray : reply.array(items(r, n));
    }
    case '~':
      return reply.set(items(r, Number(r.line())));
    case '%':
      return reply.map(items(r, 2 * Number(r.line())));
    case '>':
      return reply.push(items(r, Number(r.line())));
    case '|': {
      items(r, 2 * Number(r.line()));
      return readReply(r);
    }
    case '_':
      r.line();
      return reply.nil;
    case '#':
      return reply.bool(r.line() === 't');
    case ',':
      return reply.double(readDouble(r.line()));
    case '(':
      return reply.bigNumber(r.line());
    case '=': {
      const text = r.bytes(Number(r.line()));
      return reply.verbatim(text.slice(4), text.slice(0, 3));
    }
    default:
      throw new RangeError(`unknown reply type ${JSON.stringify(tag)}`);
  }
}

/** The first reply in `bytes` as a reply value; null when the bytes do not hold one. */
export function parseRawReply(bytes: Buffer): Reply | null {
  try {
    return readReply(new RawReader(bytes));
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}
