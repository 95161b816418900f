/**
 * Where the AOF lives and how its files are named: `dir/<appenddirname>/` holding
 * `<appendfilename>.<seq>.base.rdb|aof`, `<appendfilename>.<seq>.incr.aof` and
 * `<appendfilename>.manifest` (Redis 7.0's multi-part layout). Also the crash-safe
 * manifest write (temp file, fsync, rename, directory fsync) and the upgrade of an old
 * single `appendonly.aof` in `dir`, which Redis 7 moves into the directory as the base.
 *
 * Names inside the manifest are binary strings (bytes); config values are JS strings, so
 * they cross over with utf8ToBinary / binaryNameToPath.
 */
import path from 'node:path';
import { utf8ToBinary } from '../../protocol/binary.js';
import { emptyManifest, parseManifest, serializeManifest, type AofManifest } from './aof-manifest.js';
import { nodeAofFs, silentLog, type AofFs, type AofLog } from './aof-fs.js';

export interface AofLocation {
  /** the server's `dir` */
  dir: string;
  /** `appenddirname` */
  dirname: string;
  /** `appendfilename` */
  filename: string;
}

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export function aofDirPath(loc: AofLocation): string {
  return path.join(loc.dir, loc.dirname);
}

/** A manifest file name (bytes) as a path in the AOF directory. */
export function binaryNameToPath(dirPath: string, name: string): string {
  return path.join(dirPath, Buffer.from(name, 'latin1').toString('utf8'));
}

export function manifestName(loc: AofLocation): string {
  return utf8ToBinary(loc.filename) + '.manifest';
}

export function tempManifestName(loc: AofLocation): string {
  return 'temp-' + utf8ToBinary(loc.filename) + '.manifest';
}

export function baseFileName(loc: AofLocation, seq: number, rdb: boolean): string {
  return `${utf8ToBinary(loc.filename)}.${seq}.base.${rdb ? 'rdb' : 'aof'}`;
}

export function incrFileName(loc: AofLocation, seq: number): string {
  return `${utf8ToBinary(loc.filename)}.${seq}.incr.aof`;
}

/** The incr file that collects writes while AOF is being switched on (not in the manifest yet). */
export function tempIncrFileName(loc: AofLocation): string {
  return 'temp-' + utf8ToBinary(loc.filename) + '.incr';
}

/** Where a rewrite's new base is written before finishRewrite renames it into place. */
export function tempRewriteName(): string {
  return `temp-rewriteaof-bg-${process.pid}.aof`;
}

export function manifestPath(loc: AofLocation): string {
  return binaryNameToPath(aofDirPath(loc), manifestName(loc));
}

/** Creates the AOF directory owner-only when missing (an existing one keeps its mode). */
export function ensureAofDir(loc: AofLocation, fsys: AofFs = nodeAofFs): void {
  fsys.mkdirSync(aofDirPath(loc), { recursive: true, mode: DIR_MODE });
}

/** fsync of a directory, so a rename or a new file in it survives a power loss. */
export function fsyncDir(dirPath: string, fsys: AofFs = nodeAofFs): void {
  const fd = fsys.openSync(dirPath, 'r');
  try {
    fsys.fsyncSync(fd);
  } finally {
    fsys.closeSync(fd);
  }
}

/**
 * Opens a file for writing owner-only: the mode given to open() applies only when the file
 * is created, so an existing one (left by a crash, or written by a Redis with 0644) is
 * tightened too.
 */
export function openPrivate(fsys: AofFs, p: string, flags: 'w' | 'a'): number {
  const fd = fsys.openSync(p, flags, FILE_MODE);
  try {
    fsys.fchmodSync(fd, FILE_MODE);
  } catch (e) {
    fsys.closeSync(fd);
    throw e;
  }
  return fd;
}

/** Writes all of `data` to `fd` (retrying short writes, as aofWrite does). */
export function writeFully(fsys: AofFs, fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += fsys.writeSync(fd, data, off, data.length - off);
}

/** manifest paths with a writeManifestAsync in flight, and how many */
const manifestWrites = new Map<string, number>();

/**
 * Whether a writeManifestAsync for this AOF is still in flight: its rename may yet land, so
 * no other manifest write may start (a writer closed by CONFIG SET appendonly no leaves its
 * write running; the next writer waits for it, AofManager.enable).
 */
export function manifestWriteInFlight(loc: AofLocation): boolean {
  return manifestWrites.has(manifestPath(loc));
}

const settledWaiters = new Map<string, (() => void)[]>();

/** Resolves once no writeManifestAsync of this AOF is in flight (a closing server waits for it). */
export function manifestWritesSettled(loc: AofLocation): Promise<void> {
  if (!manifestWriteInFlight(loc)) return Promise.resolve();
  const key = manifestPath(loc);
  return new Promise((wake) => settledWaiters.set(key, [...(settledWaiters.get(key) ?? []), wake]));
}

/**
 * Replaces the manifest atomically: temp file (0600), fsync, rename over the manifest,
 * fsync of the directory (writeAofManifestFile). Throws on any failure, leaving the old
 * manifest in place.
 */
export function writeManifest(loc: AofLocation, m: AofManifest, fsys: AofFs = nodeAofFs): void {
  // the same temp file, and a rename that would land after ours: refused, not interleaved
  if (manifestWriteInFlight(loc)) throw new Error('another write of the AOF manifest is still in progress');
  const dirPath = aofDirPath(loc);
  const tmp = binaryNameToPath(dirPath, tempManifestName(loc));
  const fd = openPrivate(fsys, tmp, 'w');
  try {
    writeFully(fsys, fd, Buffer.from(serializeManifest(m), 'latin1'));
    fsys.fsyncSync(fd);
  } finally {
    fsys.closeSync(fd);
  }
  fsys.renameSync(tmp, manifestPath(loc));
  fsyncDir(dirPath, fsys);
}

/**
 * writeManifest with every step on libuv's thread pool (open, write, fsync, close, rename,
 * directory fsync), for the rewrite's start and end while clients are served (a busy disk
 * held the event loop 15–85 ms in those fsyncs; issue 17 goal 6). `settled(null)` once the
 * new manifest is durable. On an error `renamed` tells whether the new manifest had already
 * replaced the old one (only the directory fsync failed: it is what a reader sees now);
 * otherwise the temp file is removed and the old manifest stays.
 * No other manifest write of this AOF may start before `settled` (manifestWriteInFlight).
 */
export function writeManifestAsync(loc: AofLocation, m: AofManifest, settled: (err: Error | null, renamed: boolean) => void, fsys: AofFs = nodeAofFs): void {
  const key = manifestPath(loc);
  manifestWrites.set(key, (manifestWrites.get(key) ?? 0) + 1);
  const done = (err: Error | null, renamed: boolean): void => {
    const n = manifestWrites.get(key)! - 1;
    if (n > 0) manifestWrites.set(key, n);
    else {
      manifestWrites.delete(key);
      for (const wake of settledWaiters.get(key) ?? []) wake();
      settledWaiters.delete(key);
    }
    settled(err, renamed);
  };
  const dirPath = aofDirPath(loc);
  const tmp = binaryNameToPath(dirPath, tempManifestName(loc));
  const data = Buffer.from(serializeManifest(m), 'latin1');
  const failed = (err: Error): void => fsys.unlink(tmp, () => done(err, false));
  fsys.open(tmp, 'w', FILE_MODE, (openErr, fd) => {
    if (openErr !== null) {
      done(openErr, false);
      return;
    }
    const closeThen = (err: Error | null): void => fsys.close(fd, (closeErr) => (err ?? closeErr) !== null ? failed((err ?? closeErr)!) : renameIn());
    const writeFrom = (off: number): void => {
      if (off >= data.length) {
        fsys.fsync(fd, (syncErr) => closeThen(syncErr));
        return;
      }
      fsys.write(fd, data, off, data.length - off, null, (err, n) => (err !== null ? closeThen(err) : writeFrom(off + n)));
    };
    // the mode given to open applies only to a new file (a temp a crash left keeps its own)
    fsys.fchmod(fd, FILE_MODE, (chmodErr) => (chmodErr !== null ? closeThen(chmodErr) : writeFrom(0)));
  });
  const renameIn = (): void =>
    fsys.rename(tmp, manifestPath(loc), (renameErr) => {
      if (renameErr !== null) {
        failed(renameErr);
        return;
      }
      fsys.open(dirPath, 'r', (dirErr, dfd) => {
        if (dirErr !== null) {
          done(dirErr, true);
          return;
        }
        fsys.fsync(dfd, (syncErr) => fsys.close(dfd, () => done(syncErr, true)));
      });
    });
}

/**
 * The manifest on disk (aofLoadManifestFromDisk): an empty one when the directory or the
 * manifest file does not exist (a fresh start, or an upgrade from a single-file AOF).
 * Throws AofManifestError for a manifest Redis would refuse.
 */
export function readManifest(loc: AofLocation, fsys: AofFs = nodeAofFs): AofManifest {
  const p = manifestPath(loc);
  if (!fsys.existsSync(aofDirPath(loc)) || !fsys.existsSync(p)) return emptyManifest();
  return parseManifest(fsys.readFileSync(p).toString('latin1'));
}

export function fileSizeOrNull(p: string, fsys: AofFs = nodeAofFs): number | null {
  try {
    return fsys.statSync(p).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * The manifest to load from, after Redis 7's upgrade of an old-style AOF: when
 * `dir/<appendfilename>` exists and the AOF directory is missing, or its manifest lists
 * nothing, or lists only that file as base without the file being in the directory, the
 * old file becomes the base (seq 1): the directory and the manifest are written first, then
 * the file is moved in (a crash in between is retried on the next start).
 */
export function resolveManifestForLoad(loc: AofLocation, fsys: AofFs = nodeAofFs, log: AofLog = silentLog): AofManifest {
  const am = readManifest(loc, fsys);
  const oldPath = path.join(loc.dir, loc.filename);
  const binName = utf8ToBinary(loc.filename);
  const dirPath = aofDirPath(loc);
  if (!fsys.existsSync(oldPath)) return am;
  const inDir = fsys.existsSync(binaryNameToPath(dirPath, binName));
  const upgrade =
    !fsys.existsSync(dirPath) ||
    (am.base === null && am.incr.length === 0) ||
    (am.base !== null && am.incr.length === 0 && am.base.name === binName && !inDir);
  if (!upgrade) return am;
  ensureAofDir(loc, fsys);
  am.base = { name: binName, seq: 1, type: 'b' };
  am.currBaseSeq = 1;
  writeManifest(loc, am, fsys);
  fsys.renameSync(oldPath, binaryNameToPath(dirPath, binName));
  fsyncDir(dirPath, fsys);
  log('notice', `Successfully migrated an old-style AOF file (${loc.filename}) into the AOF directory (${loc.dirname}).`);
  return am;
}
