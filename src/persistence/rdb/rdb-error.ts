/**
 * The one error an RDB file or DUMP payload that cannot be loaded produces: what is wrong
 * and the byte offset where the reader found it. Nothing in a dump is ever skipped
 * silently; anything the loader does not understand ends here.
 */
export class RdbFormatError extends Error {
  constructor(
    /** what is wrong, without the offset */
    readonly reason: string,
    /** byte offset in the file (or payload) where the problem was found */
    readonly offset: number,
  ) {
    super(`${reason} (at offset ${offset})`);
    this.name = 'RdbFormatError';
  }
}

/**
 * A structural problem inside an encoded blob (listpack, ziplist, intset…), thrown by the
 * blob decoders with an offset relative to the blob; the reader rethrows it as an
 * RdbFormatError at the blob's file offset.
 */
export class BlobFormatError extends Error {
  constructor(
    readonly reason: string,
    readonly at: number,
  ) {
    super(`${reason} (byte ${at} of the blob)`);
  }
}
