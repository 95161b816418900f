/**
 * Binary strings: Redoubt's representation of keys and values.
 *
 * A binary string is a JS string in which each char code (0..255) is one byte. It is
 * what Buffer's 'latin1' encoding produces and consumes, so the mapping is exact and
 * never decodes UTF-8. Rules for all code:
 *  - bytes → binary string: `buf.toString('latin1')`; back: `Buffer.from(s, 'latin1')`
 *  - never `Buffer.from(s)` / `toString()` without 'latin1' on user data
 *  - `s.length` is the byte length
 * Strings are compact in V8 (one byte per char), hash fast as Map keys and encode
 * straight into the output buffer.
 */
export type BinaryString = string;

export function toBytes(s: BinaryString): Buffer {
  return Buffer.from(s, 'latin1');
}

export function fromBytes(b: Buffer): BinaryString {
  return b.toString('latin1');
}

/** Server-made text (UTF-8) as a binary string, e.g. for a log line echoed in a reply. */
export function utf8ToBinary(s: string): BinaryString {
  return Buffer.from(s, 'utf8').toString('latin1');
}
