/**
 * Finds where one RESP reply ends in a buffer of upstream bytes, without decoding it.
 *
 * The gateway forwards an upstream's reply to its client byte for byte (the client asked
 * for it in its own protocol version, and re-encoding would cost time and risk changing
 * it), so all it needs per reply is its extent — plus a look at the first byte to see an
 * error (`-MOVED`, `-ASK`, `-TRYAGAIN`) it must act on. Covers RESP2 and RESP3: simple
 * lines (`+ - : _ # , (`), blobs (`$ ! =`), aggregates (`* ~ >` of n, `% |` of 2n; an
 * attribute `|` is followed by the value it annotates), nulls (`$-1`, `*-1`).
 *
 * Iterative (a count of values still owed), so nesting depth costs no stack. Resumable:
 * a caller that got `INCOMPLETE` calls again with more bytes from the same start. An
 * upstream is trusted less than Redoubt itself: a malformed header or a length past
 * `maxBulkLen` is a `ReplyFramingError` (the caller drops the upstream connection).
 */

export const INCOMPLETE = -1;

export class ReplyFramingError extends Error {}

const CR = 0x0d;
const LF = 0x0a;

/** Parses a signed decimal header value in buf[from, to). */
function headerInt(buf: Uint8Array, from: number, to: number): number {
  let i = from;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
  }
  if (i >= to) throw new ReplyFramingError('empty length in an upstream reply');
  let n = 0;
  for (; i < to; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) throw new ReplyFramingError('malformed length in an upstream reply');
    n = n * 10 + d;
    if (n > Number.MAX_SAFE_INTEGER) throw new ReplyFramingError('length out of range in an upstream reply');
  }
  return neg ? -n : n;
}

/**
 * The offset just past the reply starting at `start`, or INCOMPLETE when `buf[start, end)`
 * holds only part of it.
 */
export function replyEnd(buf: Uint8Array, start: number, end: number, maxBulkLen = 512 * 1024 * 1024): number {
  let pos = start;
  let owed = 1;
  while (owed > 0) {
    if (pos >= end) return INCOMPLETE;
    const type = buf[pos]!;
    // the header line: type byte … CR LF
    let cr = pos + 1;
    while (cr < end && buf[cr] !== CR) cr++;
    if (cr + 1 >= end) return INCOMPLETE;
    if (buf[cr + 1] !== LF) throw new ReplyFramingError('upstream reply line not ended by CRLF');
    const afterLine = cr + 2;
    owed--;
    switch (type) {
      case 0x2b: // + simple string
      case 0x2d: // - error
      case 0x3a: // : integer
      case 0x5f: // _ null
      case 0x23: // # boolean
      case 0x2c: // , double
      case 0x28: // ( big number
        pos = afterLine;
        break;
      case 0x24: // $ bulk string
      case 0x21: // ! blob error
      case 0x3d: {
        // = verbatim string
        const len = headerInt(buf, pos + 1, cr);
        if (len < 0) {
          if (len !== -1 || type !== 0x24) throw new ReplyFramingError('negative length in an upstream reply');
          pos = afterLine;
          break;
        }
        if (len > maxBulkLen) throw new ReplyFramingError('upstream reply larger than proto-max-bulk-len');
        const next = afterLine + len + 2;
        if (next > end) return INCOMPLETE;
        if (buf[next - 2] !== CR || buf[next - 1] !== LF) throw new ReplyFramingError('upstream bulk not ended by CRLF');
        pos = next;
        break;
      }
      case 0x2a: // * array
      case 0x7e: // ~ set
      case 0x3e: // > push
      case 0x25: // % map
      case 0x7c: {
        // | attribute
        const n = headerInt(buf, pos + 1, cr);
        if (n < 0) {
          if (n !== -1 || type !== 0x2a) throw new ReplyFramingError('negative count in an upstream reply');
        } else {
          const elements = type === 0x25 || type === 0x7c ? 2 * n : n;
          if (elements > maxBulkLen) throw new ReplyFramingError('upstream aggregate too long');
          owed += elements;
          // an attribute annotates the value that follows it, which is still owed
          if (type === 0x7c) owed++;
        }
        pos = afterLine;
        break;
      }
      default:
        throw new ReplyFramingError(`unknown type byte 0x${type.toString(16)} in an upstream reply`);
    }
  }
  return pos;
}
