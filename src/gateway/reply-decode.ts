/**
 * Decodes one framed upstream reply (reply-framer.ts found its extent) into plain values,
 * for the few replies the gateway reads itself (CLUSTER SLOTS). Client replies are never
 * decoded: they pass through as bytes. Bulk strings are binary strings (latin1); an
 * error reply becomes an Error; RESP3 maps and sets become arrays.
 */
import type { ReplyValue } from './cluster-topology.js';
import { ReplyFramingError } from './reply-framer.js';

export function decodeReply(buf: Buffer): ReplyValue {
  let pos = 0;
  const line = (): string => {
    const cr = buf.indexOf(0x0d, pos);
    if (cr === -1 || buf[cr + 1] !== 0x0a) throw new ReplyFramingError('truncated reply');
    const s = buf.toString('latin1', pos + 1, cr);
    pos = cr + 2;
    return s;
  };
  // explicit stack: an upstream's nesting depth costs no JS stack
  const stack: { items: ReplyValue[]; left: number }[] = [];
  let result: ReplyValue | undefined;
  const put = (v: ReplyValue): void => {
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        result = v;
        return;
      }
      top.items.push(v);
      if (--top.left > 0) return;
      stack.pop();
      v = top.items;
    }
  };
  while (result === undefined) {
    if (pos >= buf.length) throw new ReplyFramingError('truncated reply');
    const type = buf[pos]!;
    const text = line();
    switch (type) {
      case 0x2b: // +
        put(text);
        break;
      case 0x2d: // -
        put(new Error(text));
        break;
      case 0x3a: // :
        put(Number(text));
        break;
      case 0x24: { // $
        const n = Number(text);
        if (n < 0) put(null);
        else {
          put(buf.toString('latin1', pos, pos + n));
          pos += n + 2;
        }
        break;
      }
      case 0x5f: // _
        put(null);
        break;
      case 0x2a: // *
      case 0x3e: // > push
      case 0x7e: // ~
      case 0x25: { // %
        const n = Number(text) * (type === 0x25 ? 2 : 1);
        if (n < 0) put(null);
        else if (n === 0) put([]);
        else stack.push({ items: [], left: n });
        break;
      }
      default:
        throw new ReplyFramingError(`unexpected reply type ${String.fromCharCode(type)}`);
    }
  }
  return result;
}
