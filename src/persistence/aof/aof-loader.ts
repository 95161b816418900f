/**
 * Start-up loading of a multi-part AOF (Redis's loadAppendOnlyFiles): the files the
 * manifest lists (base, then incr files in order), each replayed command by command
 * through the server's `execute` callback.
 *
 * A file that starts with `REDIS` (an RDB base, or an old single file with an RDB
 * preamble) is handed to the RDB loader first, and the RESP part after it is replayed.
 * Reading is chunked and the loop yields to the event loop every few milliseconds, so the
 * server keeps answering -LOADING and can log progress (bytes done / total).
 *
 * Damage is never skipped silently. A command cut off at the end of the LAST file (a crash
 * mid-write), or a MULTI there without its EXEC, is a torn tail: with aof-load-truncated
 * yes the file is truncated to the last complete command (or to before the MULTI), with
 * Redis's warnings; with no, loading fails. Anything else — garbage, a torn command in an
 * earlier file, a command the server rejects — fails with the file name and byte offset.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { AofManifest } from './aof-manifest.js';
import { nodeAofFs, silentLog, type AofFs, type AofLog } from './aof-fs.js';
import { aofDirPath, binaryNameToPath, fileSizeOrNull, resolveManifestForLoad, type AofLocation } from './aof-files.js';
import { RespCommandParser, RespFormatError } from './resp-command-parser.js';

/** An RDB part found at the start of an AOF file. */
export interface RdbPreambleSource {
  /** path of the file */
  path: string;
  /** its name in the manifest */
  name: string;
  /** an open descriptor (read with explicit positions: the loader does too) */
  fd: number;
  size: number;
  /** true for an old single-file AOF (RDB preamble + RESP tail), false for a .base.rdb */
  oldStyle: boolean;
}

/**
 * Loads the RDB that starts at byte 0 and returns how many bytes it spans (through the
 * EOF opcode and checksum); the RESP commands after it, if any, are replayed next.
 * Throws on a corrupt RDB.
 */
export type RdbPreambleLoader = (src: RdbPreambleSource) => number | Promise<number>;

export interface AofLoadProgress {
  bytesDone: number;
  bytesTotal: number;
  /** the file being loaded (manifest name) */
  file: string;
}

export interface AofLoadOptions extends AofLocation {
  /** aof-load-truncated */
  loadTruncated: boolean;
  /**
   * Runs one command (SELECT included) as the AOF client: null when it succeeded, else the
   * error text, which stops loading. MULTI/EXEC are handled here: the commands between
   * them are passed one by one once the EXEC has been read. A promise when the command
   * answers later (a script that paused past busy-reply-threshold): loading waits for it.
   */
  execute: (argv: string[]) => string | null | Promise<string | null>;
  loadRdb?: RdbPreambleLoader;
  onProgress?: (p: AofLoadProgress) => void;
  log?: AofLog;
  fs?: AofFs;
  /** the manifest to load (default: read from disk, upgrading an old single file) */
  manifest?: AofManifest;
  /** bytes per read (default 1 MiB) */
  chunkSize?: number;
  /** longest stretch of work between two yields to the event loop (default 20 ms) */
  yieldEveryMs?: number;
}

export type AofLoadStatus = 'ok' | 'truncated' | 'empty' | 'not-exist';

export interface AofLoadResult {
  /** 'not-exist': no AOF at all; 'empty': files listed but all empty */
  status: AofLoadStatus;
  manifest: AofManifest;
  /** bytes of base + incr files (aof_current_size) */
  totalSize: number;
  /** bytes of the base (aof_base_size after a restart) */
  baseSize: number;
  /** commands replayed */
  commands: number;
}

export type AofLoadErrorKind = 'missing' | 'io' | 'format' | 'truncated' | 'multi' | 'command' | 'rdb';

/** Loading failed; the message names the file and, where it applies, the byte offset. */
export class AofLoadError extends Error {
  constructor(
    readonly kind: AofLoadErrorKind,
    message: string,
    readonly file: string,
    readonly offset: number | null,
  ) {
    super(message);
  }
}

const FIX_HINT = 'make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>';

export async function loadAof(opts: AofLoadOptions): Promise<AofLoadResult> {
  const fsys = opts.fs ?? nodeAofFs;
  const log = opts.log ?? silentLog;
  const manifest = opts.manifest ?? resolveManifestForLoad(opts, fsys, log);
  const dirPath = aofDirPath(opts);
  const files = [...(manifest.base !== null ? [manifest.base] : []), ...manifest.incr];
  const result: AofLoadResult = { status: 'not-exist', manifest, totalSize: 0, baseSize: 0, commands: 0 };
  if (files.length === 0) return result;
  const sizes: number[] = [];
  for (const f of files) {
    let size: number | null;
    try {
      size = fileSizeOrNull(binaryNameToPath(dirPath, f.name), fsys);
    } catch (e) {
      throw new AofLoadError('io', `Unable to obtain the AOF file ${f.name} length. stat: ${(e as Error).message}`, f.name, null);
    }
    if (size === null) throw new AofLoadError('missing', `Unable to obtain the AOF file ${f.name} length. stat: No such file or directory`, f.name, null);
    sizes.push(size);
    result.totalSize += size;
  }
  if (manifest.base !== null) result.baseSize = sizes[0]!;
  if (result.totalSize === 0) {
    result.status = 'empty';
    return result;
  }
  result.status = 'ok';
  const ctx: LoadContext = { opts, fsys, log, doneBefore: 0, total: result.totalSize, lastYield: performance.now(), commands: 0 };
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const started = performance.now();
    const st = await loadOneFile(ctx, binaryNameToPath(dirPath, f.name), f.name, sizes[i]!, i === files.length - 1);
    if (st === 'truncated') result.status = 'truncated';
    ctx.doneBefore += sizes[i]!;
    if (sizes[i]! > 0) log('notice', `DB loaded from ${f.type === 'b' ? 'base' : 'incr'} file ${f.name}: ${((performance.now() - started) / 1000).toFixed(3)} seconds`);
  }
  result.commands = ctx.commands;
  opts.onProgress?.({ bytesDone: result.totalSize, bytesTotal: result.totalSize, file: files[files.length - 1]!.name });
  return result;
}

interface LoadContext {
  opts: AofLoadOptions;
  fsys: AofFs;
  log: AofLog;
  /** bytes of the files already loaded */
  doneBefore: number;
  total: number;
  lastYield: number;
  commands: number;
}

async function loadOneFile(ctx: LoadContext, filePath: string, name: string, size: number, lastFile: boolean): Promise<'ok' | 'truncated'> {
  const { opts, fsys, log } = ctx;
  if (size === 0) return 'ok';
  let fd: number;
  try {
    fd = fsys.openSync(filePath, 'r');
  } catch (e) {
    throw new AofLoadError('io', `Fatal error: can't open the append log file ${name} for reading: ${(e as Error).message}`, name, null);
  }
  try {
    let pos = 0;
    const sig = Buffer.alloc(5);
    if (size >= 5 && fsys.readSync(fd, sig, 0, 5, 0) === 5 && sig.toString('latin1') === 'REDIS') {
      const oldStyle = name === Buffer.from(opts.filename, 'utf8').toString('latin1');
      log('notice', oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      if (opts.loadRdb === undefined) throw new AofLoadError('rdb', `The AOF file ${name} starts with an RDB part but no RDB loader is available`, name, 0);
      try {
        pos = await opts.loadRdb({ path: filePath, name, fd, size, oldStyle });
      } catch (e) {
        const what = oldStyle ? `Error reading the RDB preamble of the AOF file ${name}` : `Error reading the RDB base file ${name}`;
        throw new AofLoadError('rdb', `${what}, AOF loading aborted: ${(e as Error).message}`, name, null);
      }
      if (!Number.isInteger(pos) || pos < 0 || pos > size) throw new AofLoadError('rdb', `The RDB loader reported ${pos} bytes for ${name} (size ${size})`, name, null);
      if (oldStyle && pos < size) log('notice', 'Reading the remaining AOF tail...');
    }
    return await replay(ctx, fd, filePath, name, size, pos, lastFile);
  } finally {
    fsys.closeSync(fd);
  }
}

async function replay(ctx: LoadContext, fd: number, filePath: string, name: string, size: number, start: number, lastFile: boolean): Promise<'ok' | 'truncated'> {
  const { opts, fsys, log } = ctx;
  const chunkSize = opts.chunkSize ?? 1024 * 1024;
  const yieldMs = opts.yieldEveryMs ?? 20;
  const parser = new RespCommandParser(start);
  let readPos = start;
  let validUpTo = start;
  let validBeforeMulti = start;
  let multi: string[][] | null = null;
  let counter = 0;

  const check = (err: string | null, argv: string[], offset: number): void => {
    if (err !== null) {
      throw new AofLoadError('command', `Error executing the command '${printableName(argv[0]!)}' of the append only file ${name} at offset ${offset}: ${err}`, name, offset);
    }
  };
  /** undefined when the command answered at once, else what to wait for */
  const run = (argv: string[], offset: number): Promise<void> | undefined => {
    const err = opts.execute(argv);
    ctx.commands++;
    if (err instanceof Promise) return err.then((late) => check(late, argv, offset));
    check(err, argv, offset);
    return undefined;
  };

  for (;;) {
    let cmd;
    try {
      cmd = parser.next();
    } catch (e) {
      if (e instanceof RespFormatError) throw formatError(name, e);
      throw e;
    }
    if (cmd === null) {
      if (readPos >= size) break;
      const chunk = Buffer.allocUnsafe(Math.min(chunkSize, size - readPos));
      let n: number;
      try {
        n = fsys.readSync(fd, chunk, 0, chunk.length, readPos);
      } catch (e) {
        throw new AofLoadError('io', `Unrecoverable error reading the append only file ${name}: ${(e as Error).message}`, name, readPos);
      }
      if (n === 0) break;
      readPos += n;
      parser.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      continue;
    }
    const lname = cmd.argv[0]!.toLowerCase();
    if (multi !== null) {
      if (lname === 'exec') {
        const queued = multi;
        multi = null;
        for (const argv of queued) {
          const later = run(argv, cmd.start);
          if (later !== undefined) await later;
        }
        validUpTo = cmd.end;
      } else if (lname === 'multi') {
        throw new AofLoadError('multi', `Bad file format reading the append only file ${name}: unexpected MULTI inside a MULTI at offset ${cmd.start}: ${FIX_HINT}`, name, cmd.start);
      } else {
        multi.push(cmd.argv);
      }
    } else if (lname === 'multi') {
      validBeforeMulti = validUpTo;
      multi = [];
    } else if (lname === 'exec') {
      throw new AofLoadError('multi', `Bad file format reading the append only file ${name}: EXEC without MULTI at offset ${cmd.start}: ${FIX_HINT}`, name, cmd.start);
    } else {
      const later = run(cmd.argv, cmd.start);
      if (later !== undefined) await later;
      validUpTo = cmd.end;
    }
    if ((++counter & 255) === 0) {
      const t = performance.now();
      if (t - ctx.lastYield >= yieldMs) {
        opts.onProgress?.({ bytesDone: ctx.doneBefore + parser.offset, bytesTotal: ctx.total, file: name });
        await yieldToLoop();
        ctx.lastYield = performance.now();
      }
    }
  }

  let end: 'clean' | 'truncated';
  try {
    end = parser.finish();
  } catch (e) {
    if (e instanceof RespFormatError) throw formatError(name, e);
    throw e;
  }
  if (end === 'clean' && multi === null) return 'ok';
  let reason: string;
  if (multi !== null && end === 'clean') {
    log('warning', `Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
    reason = `a MULTI at offset ${validBeforeMulti} has no EXEC`;
  } else {
    reason = `the command at offset ${parser.pendingStart} is incomplete`;
  }
  if (multi !== null) validUpTo = validBeforeMulti;
  if (opts.loadTruncated && lastFile) {
    log('warning', `!!! Warning: short read while loading the AOF file ${name}!!!`);
    log('warning', `!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
    try {
      fsys.truncateSync(filePath, validUpTo);
    } catch (e) {
      throw new AofLoadError('io', `Error truncating the AOF file ${name}: ${(e as Error).message}`, name, validUpTo);
    }
    log('warning', `AOF ${name} loaded anyway because aof-load-truncated is enabled`);
    return 'truncated';
  }
  if (opts.loadTruncated) {
    throw new AofLoadError(
      multi !== null ? 'multi' : 'truncated',
      `Fatal error: the truncated file is not the last file: ${name} ends early (${reason}; last valid command ends at offset ${validUpTo})`,
      name,
      validUpTo,
    );
  }
  throw new AofLoadError(
    multi !== null ? 'multi' : 'truncated',
    `Unexpected end of file reading the append only file ${name} (${reason}; last valid command ends at offset ${validUpTo}). You can: ` +
      '1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. ' +
      "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
    name,
    validUpTo,
  );
}

function formatError(name: string, e: RespFormatError): AofLoadError {
  return new AofLoadError('format', `Bad file format reading the append only file ${name} at offset ${e.offset} (${e.detail}): ${FIX_HINT}`, name, e.offset);
}

function printableName(s: string): string {
  const t = s.length > 64 ? s.slice(0, 64) + '...' : s;
  return t.replace(/[^\x20-\x7e]/g, '?');
}
