/**
 * Crash-safe replacement of a file: the data goes to a temporary file in the same
 * directory (owner-only), is fsynced, renamed over the target, and the directory is
 * fsynced so the rename itself survives a power loss. A reader therefore sees the old file
 * or the new one, never a mix.
 */
import fs from 'node:fs';
import path from 'node:path';

/** fsyncs a directory (the rename of an entry is durable once its directory is). */
export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsyncDirectory on libuv's thread pool: the event loop never waits for the disk. */
export function fsyncDirectoryAsync(dir: string, done: (err: Error | null) => void): void {
  fs.open(dir, 'r', (err, fd) => {
    if (err !== null) {
      done(err);
      return;
    }
    fs.fsync(fd, (syncErr) => fs.close(fd, () => done(syncErr)));
  });
}

/** Opens a new temporary file next to `target`, owner-only. */
export function openTemporary(target: string, tag: string): { fd: number; tmpPath: string } {
  const tmpPath = path.join(path.dirname(target), `temp-${tag}-${process.pid}-${Date.now()}.tmp`);
  const fd = fs.openSync(tmpPath, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  return { fd, tmpPath };
}

/** Opens (creates or truncates) a temp file of a given name: Redis's `temp-<pid>.rdb` of a final save. */
export function openNamedTemporary(tmpPath: string): { fd: number; tmpPath: string } {
  const fd = fs.openSync(tmpPath, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC, 0o600);
  return { fd, tmpPath };
}

/**
 * fsync + close + rename + directory fsync. The temp file is removed if any step fails.
 * `synced`: the caller already fsynced the file (off the event loop); `dirSync` false: the
 * caller fsyncs the directory itself (fsyncDirectoryAsync) before it calls the save done.
 */
export function commitTemporary(fd: number, tmpPath: string, target: string, synced = false, dirSync = true): void {
  try {
    if (!synced) fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch (e) {
    discardTemporary(null, tmpPath);
    throw e;
  }
  try {
    fs.renameSync(tmpPath, target);
  } catch (e) {
    discardTemporary(null, tmpPath);
    throw e;
  }
  if (dirSync) fsyncDirectory(path.dirname(target));
}

/** Closes (when open) and removes a temporary file, ignoring errors: cleanup after a failure. */
export function discardTemporary(fd: number | null, tmpPath: string): void {
  if (fd !== null) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
  try {
    fs.unlinkSync(tmpPath);
  } catch {
    // never created or already gone
  }
}

/** Writes a whole buffer synchronously (writeSync may write less than asked). */
export function writeAllSync(fd: number, buf: Buffer, position: number | null = null): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off, position === null ? null : position + off);
}

/** Writes a whole buffer asynchronously. */
export function writeAll(fd: number, buf: Buffer, done: (err: Error | null) => void, position: number | null = null): void {
  const next = (off: number): void => {
    if (off >= buf.length) {
      done(null);
      return;
    }
    fs.write(fd, buf, off, buf.length - off, position === null ? null : position + off, (err, n) => {
      if (err !== null) done(err);
      else next(off + n);
    });
  };
  next(0);
}

/**
 * Writes a list of buffers asynchronously, in order, with no copy into one buffer
 * (fs.writev; a short write resumes where it stopped).
 */
export function writevAll(fd: number, bufs: Buffer[], done: (err: Error | null) => void, position: number): void {
  let rest = bufs;
  let at = position;
  const next = (): void => {
    if (rest.length === 0) {
      done(null);
      return;
    }
    fs.writev(fd, rest, at, (err, n) => {
      if (err !== null) {
        done(err);
        return;
      }
      at += n;
      let i = 0;
      while (i < rest.length && n >= rest[i]!.length) n -= rest[i++]!.length;
      rest = i < rest.length && n > 0 ? [rest[i]!.subarray(n), ...rest.slice(i + 1)] : rest.slice(i);
      next();
    });
  };
  next();
}

/** writevAll's synchronous form (a big key's pieces past the high-water mark). */
export function writevAllSync(fd: number, bufs: Buffer[], position: number): void {
  let at = position;
  for (const b of bufs) {
    writeAllSync(fd, b, at);
    at += b.length;
  }
}
