/**
 * An incremental RDB reader: `next()` returns one record at a time (an AUX field, a
 * database selection, a RESIZEDB hint, a key, an empty key Redis would skip, the end),
 * so a loader can yield to the event loop between records and log progress from
 * `offset` / `size`. Reads RDB versions 1..11 (Redis up to 7.2), every object type but
 * module types, and FUNCTION libraries (RDB_OPCODE_FUNCTION2: the library's code, which
 * the loader runs); verifies the CRC-64 when the file carries one. Anything it cannot
 * load — module data, the pre-GA function format, a bad checksum, a truncated file, a bad length, a duplicate key
 * in a database, an unknown type — throws an RdbFormatError with the byte offset.
 *
 *   const r = RdbReader.openFile(path, { limits: loadLimitsFromConfig(config) });
 *   try { for (let rec = r.next(); rec !== null; rec = r.next()) { ... } } finally { r.close(); }
 */
import type { Value } from '../../keyspace/value-types.js';
import { ByteSource } from './byte-source.js';
import { DEFAULT_LOAD_LIMITS, type RdbLoadLimits } from './load-limits.js';
import { RDB_MAX_READ_VERSION, RdbOpcode, RdbType } from './rdb-constants.js';
import { RdbFormatError } from './rdb-error.js';
import { decodeValue, isKnownObjectType } from './value-decoder.js';
import { BigSet } from '../../types/big-map.js';

export interface RdbReaderOptions {
  /** encoding limits loaded values are fitted to (default: Redis 7.2's defaults) */
  limits?: RdbLoadLimits;
  /** check the CRC-64 when the file has one (default true; Redis's rdbchecksum) */
  verifyChecksum?: boolean;
  /** number of databases: a SELECTDB beyond it is an error (default 16) */
  databases?: number;
  /**
   * keep a set of the keys read per database and refuse a key read twice (default true).
   * A loader that adds every key to an empty database passes false and checks the
   * database instead, as Redis does: the set costs tens of bytes per key for the whole
   * load, and the garbage it leaves behind made RSS after a reload 1.3-1.4x the RSS of
   * the same dataset written by clients (issue 17).
   */
  trackKeys?: boolean;
}

export type RdbRecord =
  | { kind: 'aux'; offset: number; key: string; value: string }
  | { kind: 'select-db'; offset: number; db: number }
  /** a FUNCTION library: its whole code (shebang line included) */
  | { kind: 'function'; offset: number; code: string }
  | { kind: 'resize-db'; offset: number; db: number; keys: number; expires: number }
  | {
      kind: 'key';
      offset: number;
      db: number;
      key: string;
      value: Value;
      /** absolute expiry time in ms (a bigint only beyond 2^53) */
      expireAt?: number | bigint;
      /** IDLE opcode: seconds since last access (LRU) */
      idleSeconds?: number;
      /** FREQ opcode: the LFU counter */
      lfuFreq?: number;
    }
  /** an empty aggregate: Redis skips such a key (and logs it) rather than loading it */
  | { kind: 'empty-key'; offset: number; db: number; key: string; rdbType: number }
  | { kind: 'eof'; offset: number; checksum: 'verified' | 'absent' | 'not-checked' };

export class RdbReader {
  readonly version: number;
  private readonly limits: RdbLoadLimits;
  private readonly verify: boolean;
  private readonly databases: number;
  private readonly trackKeys: boolean;
  private db = 0;
  private done = false;
  /**
   * keys seen per database: a key twice in one database is a corrupt file. BigSet: a
   * database of more than 2^24 keys must load (a V8 Set stops there; issue 17).
   */
  private readonly seen = new Map<number, BigSet<string>>();
  /** what the reader was doing, for error context (check-rdb prints it) */
  context: { doing: string; key?: string; type?: number } = { doing: 'start' };

  private constructor(
    private readonly src: ByteSource,
    opts: RdbReaderOptions,
  ) {
    this.limits = opts.limits ?? DEFAULT_LOAD_LIMITS;
    this.verify = opts.verifyChecksum !== false;
    this.databases = opts.databases ?? 16;
    this.trackKeys = opts.trackKeys !== false;
    this.context = { doing: 'check-header' };
    if (src.size < 9) src.fail('not an RDB file: shorter than the 9-byte header', 0);
    const magic = src.take(9).toString('latin1');
    if (!magic.startsWith('REDIS') || !/^[0-9]{4}$/.test(magic.slice(5))) src.fail(`wrong signature trying to load DB from file (${JSON.stringify(magic)})`, 0);
    const version = Number(magic.slice(5));
    if (version < 1 || version > RDB_MAX_READ_VERSION) src.fail(`can't handle RDB format version ${version}`, 5);
    this.version = version;
  }

  static fromBuffer(buf: Buffer, opts: RdbReaderOptions = {}): RdbReader {
    return new RdbReader(ByteSource.fromBuffer(buf, opts.verifyChecksum !== false), opts);
  }

  static openFile(path: string, opts: RdbReaderOptions = {}): RdbReader {
    const src = ByteSource.openFile(path, opts.verifyChecksum !== false);
    try {
      return new RdbReader(src, opts);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  /** Keys held for the duplicate check (0 with `trackKeys: false`). */
  get trackedKeys(): number {
    let n = 0;
    for (const keys of this.seen.values()) n += keys.size;
    return n;
  }

  /** Offset of the next byte to read. */
  get offset(): number {
    return this.src.offset;
  }

  /** Size of the input in bytes. */
  get size(): number {
    return this.src.size;
  }

  close(): void {
    this.src.close();
  }

  /** The next record, or null once EOF has been returned. */
  next(): RdbRecord | null {
    if (this.done) return null;
    const src: ByteSource = this.src;
    let expireAt: number | bigint | undefined;
    let idleSeconds: number | undefined;
    let lfuFreq: number | undefined;
    for (;;) {
      const offset = src.offset;
      this.context = { doing: 'read-type' };
      const type = src.u8();
      switch (type) {
        case RdbOpcode.EXPIRETIME: {
          this.context = { doing: 'read-expire' };
          const sec = src.take(4).readInt32LE(0);
          expireAt = sec * 1000;
          continue;
        }
        case RdbOpcode.EXPIRETIME_MS:
          this.context = { doing: 'read-expire' };
          expireAt = src.millis();
          continue;
        case RdbOpcode.FREQ:
          this.context = { doing: 'read-freq' };
          lfuFreq = src.u8();
          continue;
        case RdbOpcode.IDLE:
          this.context = { doing: 'read-idle' };
          idleSeconds = src.len('IDLE value');
          continue;
        case RdbOpcode.EOF:
          return this.finish(offset);
        case RdbOpcode.SELECTDB: {
          this.context = { doing: 'read-db' };
          const db = src.len('SELECTDB index');
          if (db >= this.databases) src.fail(`SELECTDB ${db}: the file needs more than the ${this.databases} databases configured`, offset);
          this.db = db;
          src.crcUpTo(src.offset);
          return { kind: 'select-db', offset, db };
        }
        case RdbOpcode.RESIZEDB: {
          this.context = { doing: 'read-resizedb' };
          const keys = src.len('RESIZEDB size');
          const expires = src.len('RESIZEDB expires size');
          src.crcUpTo(src.offset);
          return { kind: 'resize-db', offset, db: this.db, keys, expires };
        }
        case RdbOpcode.AUX: {
          this.context = { doing: 'read-aux' };
          const key = src.string('AUX field name');
          const value = src.string('AUX field value');
          src.crcUpTo(src.offset);
          return { kind: 'aux', offset, key, value };
        }
        case RdbOpcode.MODULE_AUX:
          src.fail('module auxiliary data: modules are not supported', offset);
        case RdbOpcode.FUNCTION2: {
          this.context = { doing: 'read-function' };
          const code = src.string('function library code');
          src.crcUpTo(src.offset);
          return { kind: 'function', offset, code };
        }
        case RdbOpcode.FUNCTION_PRE_GA:
          src.fail('function library in the pre-GA format (Redis 7.0 release candidates): not supported', offset);
        default: {
          if (type === RdbType.MODULE_2 || type === RdbType.MODULE_PRE_GA) src.fail(`module value (type ${type}): modules are not supported`, offset);
          if (!isKnownObjectType(type)) src.fail(`unknown RDB type or opcode ${type}`, offset);
          this.context = { doing: 'read-key', type };
          const key = src.string('key');
          this.context = { doing: 'read-object-value', key, type };
          const value = decodeValue(type, src, this.limits);
          if (this.trackKeys) {
            let keys = this.seen.get(this.db);
            if (keys === undefined) this.seen.set(this.db, (keys = new BigSet()));
            if (keys.has(key)) src.fail(duplicatedKey(key, this.db), offset);
            keys.add(key);
          }
          src.crcUpTo(src.offset);
          if (value === null) return { kind: 'empty-key', offset, db: this.db, key, rdbType: type };
          const rec: RdbRecord = { kind: 'key', offset, db: this.db, key, value };
          if (expireAt !== undefined) rec.expireAt = expireAt;
          if (idleSeconds !== undefined) rec.idleSeconds = idleSeconds;
          if (lfuFreq !== undefined) rec.lfuFreq = lfuFreq;
          return rec;
        }
      }
    }
  }

  private finish(offset: number): RdbRecord {
    const src: ByteSource = this.src;
    this.done = true;
    this.context = { doing: 'check-sum' };
    if (this.version < 5) return { kind: 'eof', offset, checksum: 'absent' };
    const crc = src.crcSoFar();
    const sumAt = src.offset;
    const stored = src.take(8);
    if (stored.every((b) => b === 0)) return { kind: 'eof', offset, checksum: 'absent' };
    if (!this.verify || crc === null) return { kind: 'eof', offset, checksum: 'not-checked' };
    if (!crc.matches(stored, 0)) {
      throw new RdbFormatError(
        `wrong RDB checksum: expected ${stored.readBigUInt64LE(0).toString(16)}, computed ${crc.digest().toString(16)}`,
        sumAt,
      );
    }
    return { kind: 'eof', offset, checksum: 'verified' };
  }
}

/** The error text for a key found twice in one database of a file. */
export function duplicatedKey(key: string, db: number): string {
  return `duplicated key ${JSON.stringify(key)} in DB ${db}`;
}
