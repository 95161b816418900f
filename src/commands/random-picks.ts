/**
 * Replies of repeated random picks: SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with a negative
 * count. Their size is the count times the size of the picked elements, unrelated to the size
 * of the data or of the request: a 30-byte request naming a 3-member set could otherwise make
 * the server build gigabytes (redis-server does, until memory runs out or the client goes
 * away; arrays of 200 million reply objects also exceeded V8's array limit, which surfaced as
 * "internal error").
 *
 * Such a reply is encoded straight into bytes (no reply object is kept per pick), in chunks,
 * and is limited to MAX_PICKS_REPLY_BYTES of encoded reply. A count that could not fit even
 * with the smallest elements is refused before anything is built; otherwise the picks are
 * encoded until the reply is complete or passes the limit, in which case the chunks are
 * dropped and the request refused. Whatever the count, a refused call holds at most the limit
 * (plus the last pick) and a completed one the limit twice (the chunks and the joined reply).
 * A single pick is never refused: it is one element the data already holds, as HGET would
 * send. Below the limit the reply is exactly Redis's.
 */
import { errors } from '../errors.js';
import { reply, type Reply } from '../protocol/reply.js';
import { ReplyWriter } from '../protocol/reply-writer.js';

/** Largest encoded reply of repeated picks (the catalogue's randomPicksTooLarge names it). */
export const MAX_PICKS_REPLY_BYTES = 32 * 1024 * 1024;

/** The smallest encoding of any reply item a pick can add: an empty bulk, `$0\r\n\r\n`. */
export const MIN_ITEM_BYTES = 6;

/** Encoded bytes are set aside in chunks of about this size (the encoder's buffer stays small). */
const CHUNK_BYTES = 1024 * 1024;

/**
 * `count` picks as one array of `arrayLength(count)` items; `pick` writes one pick's items.
 * The encoding is final: it is made for the client's protocol at the time the command runs,
 * as Redis writes a reply into the client's buffer when the command runs.
 *
 * @param minPickBytes a lower bound of one pick's encoding (refuses hopeless counts up front)
 */
export function repeatedPicks(
  count: number | bigint,
  arrayLength: (count: number) => number,
  minPickBytes: number,
  pick: (w: ReplyWriter) => void,
): Reply {
  if (count > Math.floor(MAX_PICKS_REPLY_BYTES / minPickBytes)) return reply.error(errors.randomPicksTooLarge);
  const n = Number(count);
  const header = Buffer.from(`*${arrayLength(n)}\r\n`, 'latin1');
  const chunks: Buffer[] = [header];
  let total = header.length;
  const w = new ReplyWriter();
  for (let i = 0; i < n; i++) {
    pick(w);
    if (w.size >= CHUNK_BYTES) {
      total += w.size;
      if (total > MAX_PICKS_REPLY_BYTES && n > 1) return reply.error(errors.randomPicksTooLarge);
      chunks.push(w.take());
    }
  }
  total += w.size;
  if (total > MAX_PICKS_REPLY_BYTES && n > 1) return reply.error(errors.randomPicksTooLarge);
  chunks.push(w.take());
  return reply.raw(Buffer.concat(chunks, total));
}
