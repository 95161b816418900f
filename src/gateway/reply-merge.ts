/**
 * Merging the upstream replies of a split or fanned-out command into the one reply the
 * client expects (route-plan.ts names the merge). Works on the framed RESP bytes
 * (reply-framer.ts) and returns RESP bytes: elements are copied, never decoded and
 * re-encoded, so binary values and the client's protocol version pass through untouched.
 *
 * Errors win: if any part answered an error, the merged reply is the first part's error
 * in the client's order (for a split MSET some parts may have been applied — exactly what
 * a Redis Cluster client sees when it splits an MSET itself).
 */
import { errors } from '../errors.js';
import { INCOMPLETE, ReplyFramingError, replyEnd } from './reply-framer.js';
import type { FanoutMerge, SplitMerge, SplitPart } from './route-plan.js';

const OK = Buffer.from('+OK\r\n');

function isErrorReply(b: Buffer): boolean {
  return b[0] === 0x2d || b[0] === 0x21;
}

/** The elements of an array/set reply (`*n` or `~n`), each as its own RESP bytes. */
export function arrayElements(reply: Buffer): Buffer[] {
  if (reply[0] !== 0x2a && reply[0] !== 0x7e) throw new ReplyFramingError('expected an array reply');
  const cr = reply.indexOf(0x0d);
  const n = Number(reply.toString('latin1', 1, cr));
  if (!Number.isSafeInteger(n) || n < 0) throw new ReplyFramingError('expected an array reply');
  const out: Buffer[] = [];
  let pos = cr + 2;
  for (let i = 0; i < n; i++) {
    const end = replyEnd(reply, pos, reply.length);
    if (end === INCOMPLETE) throw new ReplyFramingError('truncated array reply');
    out.push(reply.subarray(pos, end));
    pos = end;
  }
  return out;
}

function integerOf(reply: Buffer): number {
  if (reply[0] !== 0x3a) throw new ReplyFramingError('expected an integer reply');
  return Number(reply.toString('latin1', 1, reply.length - 2));
}

/** The first error reply, in the client's order, or null. */
function firstError(replies: readonly Buffer[]): Buffer | null {
  for (const r of replies) if (isErrorReply(r)) return r;
  return null;
}

/** Integer replies added up, as one integer reply. */
function sumOf(replies: readonly Buffer[]): Buffer {
  let sum = 0;
  for (const r of replies) sum += integerOf(r);
  return Buffer.from(`:${sum}\r\n`);
}

const NULL_BULK = Buffer.from('$-1\r\n');
const NULL_RESP3 = Buffer.from('_\r\n');

function arrayOf(elements: readonly Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(`*${elements.length}\r\n`), ...elements]);
}

/** Merges the replies of a split command; `replies[i]` answers `parts[i]`. */
export function mergeSplit(merge: SplitMerge, parts: readonly SplitPart[], replies: readonly Buffer[], total: number): Buffer {
  const error = firstError(replies);
  if (error !== null) return error;
  switch (merge) {
    case 'sum':
      return sumOf(replies);
    case 'ok':
      return OK;
    case 'array': {
      const slots = new Array<Buffer>(total);
      parts.forEach((part, i) => {
        const elements = arrayElements(replies[i]!);
        if (elements.length !== part.positions.length) throw new ReplyFramingError('a part answered the wrong number of elements');
        part.positions.forEach((pos, j) => {
          slots[pos] = elements[j]!;
        });
      });
      return arrayOf(slots);
    }
  }
}

/** Merges the replies of a command sent to every primary. */
export function mergeFanout(merge: FanoutMerge, replies: readonly Buffer[]): Buffer {
  if (merge === 'any-ok') {
    const ok = replies.find((r) => r[0] === 0x2b);
    return ok ?? replies.find((r) => !r.toString('latin1', 0, 8).startsWith('-NOTBUSY')) ?? replies[0]!;
  }
  const error = firstError(replies);
  if (error !== null) return error;
  switch (merge) {
    case 'sum':
      return sumOf(replies);
    case 'concat':
      return arrayOf(replies.flatMap((r) => arrayElements(r)));
    case 'ok':
      return OK;
    case 'same': {
      const first = replies[0]!;
      for (const r of replies) if (!r.equals(first)) return Buffer.from(`-${errors.gatewayUpstreamsDisagree}\r\n`);
      return first;
    }
    case 'and': {
      const lists = replies.map((r) => arrayElements(r).map(integerOf));
      const n = lists[0]?.length ?? 0;
      const out: Buffer[] = [];
      for (let i = 0; i < n; i++) out.push(Buffer.from(`:${lists.every((l) => l[i] === 1) ? 1 : 0}\r\n`));
      return arrayOf(out);
    }
    case 'first-non-null': {
      for (const r of replies) if (!r.equals(NULL_BULK) && !r.equals(NULL_RESP3)) return r;
      return replies[0] ?? NULL_BULK;
    }
  }
}
