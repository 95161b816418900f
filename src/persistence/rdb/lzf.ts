/**
 * LZF, the compression Redis applies to strings in RDB files and DUMP payloads.
 *
 * The stream is a sequence of
 * - literal runs: a control byte 0..31 (run length - 1) followed by that many bytes;
 * - back references: a control byte `LLLooooo` (L = length - 2 when < 7, else 7 and one
 *   more length byte adds to it), one more offset byte; the match copies length bytes
 *   from (offset + 1) bytes back, possibly overlapping the output being written.
 * Any valid stream decompresses with Redis's lzf_decompress, so the compressor only has
 * to produce valid, reasonably small output; it finds matches with a hash of the next
 * three bytes, as LZF does.
 */

const MAX_LIT = 32;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);
const MAX_HASH_BITS = 16;

/**
 * Positions + 1 of recent 3-byte sequences by hash (0 = none), reused between calls. Only
 * the part a call uses is cleared, sized to the input, so short strings stay cheap.
 */
const table = new Int32Array(1 << MAX_HASH_BITS);

/**
 * Compresses `input` into at most `maxOut` bytes; returns null when the result would not
 * fit (Redis then stores the string uncompressed).
 */
export function lzfCompress(input: Uint8Array, maxOut: number): Buffer | null {
  const n = input.length;
  if (n === 0) return null;
  let bits = 8;
  while (bits < MAX_HASH_BITS && 1 << bits < n) bits++;
  const shift = 32 - bits;
  table.fill(0, 0, 1 << bits);
  // worst case: one control byte per 32 literals
  const out = Buffer.allocUnsafe(Math.min(maxOut, n + Math.ceil(n / MAX_LIT) + 1));
  const outEnd = out.length;
  let op = 1; // room for the first literal control byte
  let lit = 0;
  let ip = 0;
  while (ip + 2 < n) {
    const h = Math.imul((input[ip]! << 16) | (input[ip + 1]! << 8) | input[ip + 2]!, 0x9e3779b1) >>> shift;
    const ref = table[h]! - 1;
    table[h] = ip + 1;
    const off = ip - ref - 1;
    if (
      ref >= 0 &&
      off < MAX_OFF &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1] &&
      input[ref + 2] === input[ip + 2]
    ) {
      let len = 3;
      const maxLen = Math.min(MAX_REF, n - ip);
      while (len < maxLen && input[ref + len] === input[ip + len]) len++;
      // close the literal run (or drop its unused control byte)
      if (lit > 0) out[op - lit - 1] = lit - 1;
      else op--;
      if (op + 3 + 1 > outEnd) return null;
      const l = len - 2;
      if (l < 7) {
        out[op++] = (off >>> 8) + (l << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = l - 7;
      }
      out[op++] = off & 0xff;
      // reserve the next literal control byte
      op++;
      lit = 0;
      // index the positions inside the match so later data can refer to them
      const stop = ip + len;
      ip++;
      while (ip < stop && ip + 2 < n) {
        const hh = Math.imul((input[ip]! << 16) | (input[ip + 1]! << 8) | input[ip + 2]!, 0x9e3779b1) >>> shift;
        table[hh] = ip + 1;
        ip++;
      }
      ip = stop;
      continue;
    }
    if (op >= outEnd) return null;
    out[op++] = input[ip++]!;
    if (++lit === MAX_LIT) {
      out[op - lit - 1] = MAX_LIT - 1;
      lit = 0;
      op++;
    }
  }
  while (ip < n) {
    if (op >= outEnd) return null;
    out[op++] = input[ip++]!;
    if (++lit === MAX_LIT) {
      out[op - lit - 1] = MAX_LIT - 1;
      lit = 0;
      op++;
    }
  }
  if (lit > 0) out[op - lit - 1] = lit - 1;
  else op--;
  if (op > outEnd) return null;
  return out.subarray(0, op);
}

/** Thrown for input that is not a valid LZF stream of the announced size. */
export class LzfError extends Error {}

/** Decompresses `input` that must expand to exactly `outLen` bytes. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer {
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  const n = input.length;
  while (ip < n) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const len = ctrl + 1;
      if (op + len > outLen) throw new LzfError('LZF literal run overflows the output');
      if (ip + len > n) throw new LzfError('LZF literal run beyond the input');
      for (let k = 0; k < len; k++) out[op++] = input[ip++]!;
    } else {
      let len = ctrl >>> 5;
      if (len === 7) {
        if (ip >= n) throw new LzfError('LZF back reference truncated');
        len += input[ip++]!;
      }
      if (ip >= n) throw new LzfError('LZF back reference truncated');
      const ref = op - ((ctrl & 0x1f) << 8) - input[ip++]! - 1;
      len += 2;
      if (op + len > outLen) throw new LzfError('LZF back reference overflows the output');
      if (ref < 0) throw new LzfError('LZF back reference before the start of the output');
      for (let k = 0; k < len; k++) out[op++] = out[ref + k]!;
    }
  }
  if (op !== outLen) throw new LzfError(`LZF data expands to ${op} bytes, ${outLen} announced`);
  return out;
}
