/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis's order-aware SHA-1 digest of a value and of
 * the whole dataset, computed the same way so the hex strings equal redis-server's for the
 * same data (tests compare a dataset before and after a reload, or across servers).
 *
 * Two primitives, as Redis defines them (debug.c):
 *  - xor(d, bytes): d ^= SHA1(bytes) — order-free (set members, hash fields, keys);
 *  - mix(d, bytes): d = SHA1(d ^ SHA1(bytes)) — order-aware (list elements, stream entries).
 * A value's digest starts with its type number (big-endian u32), then its contents; a key
 * with a TTL also gets "!!expire!!" xored in. Sorted-set scores are written as fpconv_dtoa
 * prints them. Bytes are binary strings (latin1), hashed as the same bytes.
 */
import { createHash } from 'node:crypto';
import type { Database } from './database.js';
import type { Value } from './value-types.js';
import { fpconvText } from '../protocol/number-format.js';
import { MAX_ID, MIN_ID } from '../types/stream-id.js';

const DIGEST_LEN = 20;

/** Redis's OBJ_* type numbers, hashed first. */
const TYPE_NUMBER: Record<Value['type'], number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}

function xorInto(digest: Buffer, data: Buffer): void {
  const h = sha1(data);
  for (let i = 0; i < DIGEST_LEN; i++) digest[i]! ^= h[i]!;
}

function mixInto(digest: Buffer, data: Buffer): void {
  xorInto(digest, data);
  sha1(digest).copy(digest);
}

const bin = (s: string): Buffer => Buffer.from(s, 'latin1');

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Mixes the digest of one value (and its TTL flag) into `digest`. */
export function mixValueDigest(digest: Buffer, v: Value, hasExpire: boolean): void {
  mixInto(digest, u32(TYPE_NUMBER[v.type]));
  switch (v.type) {
    case 'string':
      mixInto(digest, bin(v.value));
      break;
    case 'list':
      for (let i = 0; i < v.value.length; i++) mixInto(digest, bin(v.value.at(i)));
      break;
    case 'set':
      for (const m of v.value.members()) xorInto(digest, bin(m));
      break;
    case 'zset':
      v.value.walk(0, false, (member, score) => {
        const ele = Buffer.alloc(DIGEST_LEN);
        mixInto(ele, bin(member));
        mixInto(ele, bin(fpconvText(score)));
        xorInto(digest, ele);
        return true;
      });
      break;
    case 'hash':
      for (const f of v.value.fields()) {
        const ele = Buffer.alloc(DIGEST_LEN);
        mixInto(ele, bin(f));
        mixInto(ele, bin(v.value.get(f)!));
        xorInto(digest, ele);
      }
      break;
    case 'stream':
      v.value.scan(MIN_ID, MAX_ID, false, (e) => {
        mixInto(digest, bin(`${e.id.ms}.${e.id.seq}`));
        for (const part of e.fv) mixInto(digest, bin(part));
        return true;
      });
      break;
  }
  if (hasExpire) xorInto(digest, bin('!!expire!!'));
}

/** DEBUG DIGEST-VALUE of one key (expired or not): 40 hex digits, all zeros when absent. */
export function keyDigest(db: Database, key: string): string {
  const digest = Buffer.alloc(DIGEST_LEN);
  const e = db.rawEntry(key);
  if (e !== undefined) mixValueDigest(digest, e.v, db.getExpireExact(key) !== undefined);
  return digest.toString('hex');
}

/** DEBUG DIGEST: every database's keys and values; all zeros for an empty dataset. */
export function datasetDigest(dbs: readonly Database[]): string {
  const final = Buffer.alloc(DIGEST_LEN);
  for (const db of dbs) {
    if (db.size === 0) continue;
    // the database number is mixed in: the same data in another database differs
    mixInto(final, u32(db.index));
    for (const [key, e] of db.entries()) {
      const d = Buffer.alloc(DIGEST_LEN);
      mixInto(d, bin(key));
      mixValueDigest(d, e.v, db.getExpireExact(key) !== undefined);
      xorInto(final, d);
    }
  }
  return final.toString('hex');
}
