/**
 * Redis Cluster's key → hash slot mapping (the cluster specification: HASH_SLOT =
 * CRC16(key) mod 16384, with CRC16-CCITT "XMODEM": polynomial 0x1021, initial value 0, no
 * reflection, no final XOR). Only the hash tag is hashed when the key has one: the bytes
 * between the first `{` and the first `}` after it, if there is at least one byte between
 * them — so `{user1}.a` and `{user1}.b` share a slot, and `{}x` hashes whole.
 *
 * Keys are binary strings (one char per byte, protocol/binary.ts); nothing is decoded.
 */

export const SLOT_COUNT = 16384;

/** CRC16/XMODEM by byte, built once. */
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[i] = crc;
  }
  return t;
})();

/** CRC16/XMODEM of the bytes `s[from, to)` of a binary string. */
export function crc16(s: string, from = 0, to = s.length): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff]!;
  return crc;
}

/** The hash slot of a key (0 … 16383). */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) & (SLOT_COUNT - 1);
  }
  return crc16(key) & (SLOT_COUNT - 1);
}
