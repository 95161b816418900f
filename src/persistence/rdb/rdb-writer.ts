/**
 * A streaming RDB writer (version 10, the format of Redis 7.0): each call returns the
 * next chunk of the file as a Buffer and feeds it to a running CRC-64, so a caller can
 * write a keyspace of any size incrementally (to a temp file, yielding between keys).
 *
 *   const w = new RdbWriter({ compression: true, checksum: true });
 *   out(w.header({ ctime, usedMem }));
 *   out(w.selectDb(0, keys, expires));
 *   for (...) out(w.entry(key, entry, expireAt));
 *   out(w.footer());
 *
 * SELECTDB may be repeated for the same database (a snapshot may write one key early and
 * come back to the rest later): both Redis's loader and RdbReader accept that.
 */
import type { Entry, Value } from '../../keyspace/value-types.js';
import { REDIS_COMPAT_VERSION } from '../../version.js';
import { ByteSink } from './byte-sink.js';
import { Crc64 } from './crc64.js';
import { RDB_WRITE_VERSION, RdbOpcode } from './rdb-constants.js';
import { encodeValue } from './value-encoder.js';

export interface RdbWriterOptions {
  /** rdbcompression: LZF on strings longer than 20 bytes (default true) */
  compression?: boolean;
  /** rdbchecksum: a CRC-64 after EOF; 8 zero bytes when false (default true) */
  checksum?: boolean;
  /**
   * Per-key eviction metadata, as Redis saves it under an LRU or LFU maxmemory-policy:
   * 'lru' writes each key's idle seconds (IDLE opcode), 'lfu' its counter (FREQ).
   */
  evictionMeta?: 'none' | 'lru' | 'lfu';
}

/** The AUX fields Redis 7.0 writes in its header. */
export interface RdbAuxFields {
  /** redis-ver (default: the Redis version Redoubt reports) */
  redisVer?: string;
  /** redis-bits (default 64) */
  redisBits?: number;
  /** ctime: seconds since the epoch (default now) */
  ctime?: number;
  /** used-mem: bytes (default 0) */
  usedMem?: number;
  /** aof-base: 1 when the file is an AOF's RDB preamble (default 0) */
  aofBase?: boolean;
  /** any further fields, written after the standard ones */
  extra?: ReadonlyArray<readonly [string, string]>;
}

export class RdbWriter {
  private readonly sink: ByteSink;
  private readonly crc: Crc64 | null;
  private readonly meta: 'none' | 'lru' | 'lfu';
  private written = 0;
  private finished = false;

  constructor(opts: RdbWriterOptions = {}) {
    this.sink = new ByteSink(opts.compression !== false, 1 << 16);
    this.crc = opts.checksum === false ? null : new Crc64();
    this.meta = opts.evictionMeta ?? 'none';
  }

  /**
   * Streams large values (issue 17): while set, a value whose encoding passes `spillAt`
   * bytes goes to `out` in pieces as it is encoded, each counted in the checksum in order,
   * and `entry()` returns only the last piece. Every piece must reach the file before that
   * return value, in the order given. The bytes are the same as without streaming.
   */
  streamTo(out: ((chunk: Buffer) => void) | null, spillAt = 1 << 20): void {
    this.sink.spillTo(
      out === null
        ? null
        : (b) => {
            this.crc?.update(b);
            this.written += b.length;
            out(b);
          },
      spillAt,
    );
  }

  /** Bytes produced so far. */
  get bytesWritten(): number {
    return this.written;
  }

  private chunk(): Buffer {
    const b = this.sink.take();
    this.crc?.update(b);
    this.written += b.length;
    return b;
  }

  private aux(key: string, value: string): void {
    this.sink.u8(RdbOpcode.AUX);
    this.sink.string(key);
    this.sink.string(value);
  }

  /** The magic `REDIS0010` and the AUX fields. */
  header(aux: RdbAuxFields = {}): Buffer {
    this.sink.bytes(Buffer.from(`REDIS${String(RDB_WRITE_VERSION).padStart(4, '0')}`, 'latin1'));
    this.aux('redis-ver', aux.redisVer ?? REDIS_COMPAT_VERSION);
    this.aux('redis-bits', String(aux.redisBits ?? 64));
    this.aux('ctime', String(aux.ctime ?? Math.floor(Date.now() / 1000)));
    this.aux('used-mem', String(aux.usedMem ?? 0));
    this.aux('aof-base', aux.aofBase === true ? '1' : '0');
    for (const [k, v] of aux.extra ?? []) this.aux(k, v);
    return this.chunk();
  }

  /**
   * The FUNCTION libraries, written after the header and before the databases as Redis 7
   * writes them (rdbSaveFunctions): RDB_OPCODE_FUNCTION2 and the library's whole code.
   */
  functions(codes: readonly string[]): Buffer {
    for (const code of codes) {
      this.sink.u8(RdbOpcode.FUNCTION2);
      this.sink.string(code);
    }
    return this.chunk();
  }

  /**
   * SELECTDB, then RESIZEDB when counts are given (the key and expiry counts are sizing
   * hints for the loader; a database revisited later needs no second hint).
   */
  selectDb(index: number, keys?: number, expires?: number): Buffer {
    this.sink.u8(RdbOpcode.SELECTDB);
    this.sink.len(index);
    if (keys !== undefined) {
      this.sink.u8(RdbOpcode.RESIZEDB);
      this.sink.len(keys);
      this.sink.len(expires ?? 0);
    }
    return this.chunk();
  }

  /**
   * One key: its expiry (absolute ms) when set, eviction metadata when configured, then
   * type, key and value. `entry` is the keyspace's Entry, or a bare Value.
   * `now` (ms) is the clock the LRU idle time is measured against.
   */
  entry(key: string, entry: Entry | Value, expireAt?: number | bigint, now: number = Date.now()): Buffer {
    const e = 'v' in entry ? entry : null;
    const value = e !== null ? e.v : (entry as Value);
    if (expireAt !== undefined) {
      this.sink.u8(RdbOpcode.EXPIRETIME_MS);
      this.sink.millis(expireAt);
    }
    if (e !== null && this.meta === 'lru') {
      this.sink.u8(RdbOpcode.IDLE);
      this.sink.len(Math.max(0, Math.floor((now - e.lru) / 1000)));
    } else if (e !== null && this.meta === 'lfu') {
      this.sink.u8(RdbOpcode.FREQ);
      this.sink.u8(Math.max(0, Math.min(255, e.lfu)));
    }
    encodeValue(this.sink, value, key);
    return this.chunk();
  }

  /** EOF and the checksum (8 zero bytes when checksums are off). */
  footer(): Buffer {
    if (this.finished) throw new Error('RdbWriter: footer() called twice');
    this.finished = true;
    this.sink.u8(RdbOpcode.EOF);
    const body = this.chunk();
    const sum = this.crc !== null ? this.crc.digestBytes() : Buffer.alloc(8);
    this.written += 8;
    return Buffer.concat([body, sum]);
  }
}
