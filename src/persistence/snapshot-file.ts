/**
 * A snapshot (snapshot.ts) written to a file: in the foreground (SAVE, SHUTDOWN) or a
 * slice at a time between commands (BGSAVE, AOF rewrite), then made durable with
 * durable-file.ts. Background writes are asynchronous and at most one is in flight, so
 * the event loop never waits for the disk; the walk pauses while too much output is
 * queued, so memory stays bounded by HIGH_WATER (plus keys preserved early).
 */
import fs from 'node:fs';
import path from 'node:path';
import { KeySnapshot, type SnapshotEncoder, type SnapshotHost } from './snapshot.js';
import { ChunkQueue } from './chunk-queue.js';
import { commitTemporary, discardTemporary, fsyncDirectoryAsync, openNamedTemporary, openTemporary, writeAllSync, writevAll, writevAllSync } from './durable-file.js';

export interface SnapshotFileResult {
  /** null on success */
  error: string | null;
  keys: number;
  bytes: number;
  /** wall time, ms */
  durationMs: number;
  /** background saves: how often a big key's pieces were written out while it was being encoded */
  syncFlushes?: number;
}

export interface BackgroundOptions {
  /** time slice per turn of the event loop, ms */
  sliceMs: number;
  /** rdb-key-save-delay (µs per key, a testing aid as in Redis): slows the walk down */
  keyDelayUs: number;
  /** unwritten bytes at which the walk waits, and a big key's pieces are written at once (default 32 MiB) */
  highWater?: number;
  /** the temp file's own path (default: a unique name beside the target) */
  tempPath?: string;
}

/**
 * The duty cycle of a background walk (issue 17 goal 6: clients keep at least half their
 * throughput during a save). Each slice looks at how long the event loop spent on everything
 * else since the previous slice ended (clients' commands, replies, timers): when that was
 * nothing to speak of (under QUIET_MS: no client was waiting) the slice takes its full
 * budget; otherwise it takes CLIENT_SHARE of that time, at least MIN_SLICE_MS so the save
 * always progresses, at most the budget. So busy clients get about 1 / (1 + CLIENT_SHARE)
 * of the loop (two thirds) and an idle server saves at full speed.
 */
const QUIET_MS = 0.2;
const CLIENT_SHARE = 0.5;
const MIN_SLICE_MS = 0.25;

/** The walk's budget for this slice, given the loop's time on other work since the last one. */
export function sliceBudget(sliceMs: number, othersMs: number): number {
  if (othersMs < QUIET_MS) return sliceMs;
  return Math.min(sliceMs, Math.max(MIN_SLICE_MS, othersMs * CLIENT_SHARE));
}

/** Output queued beyond this pauses the walk until the disk catches up. */
const HIGH_WATER = 32 * 1024 * 1024;
/** Foreground saves write in pieces of this size. */
const SYNC_CHUNK = 1024 * 1024;

/** Writes the whole snapshot now (SAVE). The server does nothing else meanwhile. */
export function saveSnapshotSync(host: SnapshotHost, encoder: SnapshotEncoder, target: string): SnapshotFileResult {
  const started = Date.now();
  let fd: number | null = null;
  let tmpPath = '';
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const drain = (): void => {
    if (pendingBytes === 0 || fd === null) return;
    writeAllSync(fd, pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
  };
  let snap: KeySnapshot | null = null;
  try {
    ({ fd, tmpPath } = openTemporary(target, 'save'));
    snap = new KeySnapshot(host, encoder, (chunk) => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= SYNC_CHUNK) drain();
    });
    // written in one go: no copy-on-write hooks, so it may run beside a background snapshot
    snap.start(false);
    snap.step(Infinity);
    drain();
    const openFd = fd;
    fd = null;
    commitTemporary(openFd, tmpPath, target);
    return { error: null, keys: snap.keys, bytes: snap.bytes, durationMs: Date.now() - started };
  } catch (e) {
    snap?.abort();
    if (tmpPath !== '') discardTemporary(fd, tmpPath);
    return { error: (e as Error).message, keys: snap?.keys ?? 0, bytes: snap?.bytes ?? 0, durationMs: Date.now() - started };
  }
}

/** A snapshot written in the background; `done` is called once, with the outcome. */
export class BackgroundSnapshot {
  private readonly snap: KeySnapshot;
  private readonly started = Date.now();
  private fd: number | null = null;
  private tmpPath = '';
  /** output not yet handed to a write (see chunk-queue.ts: no concatenation on the loop) */
  private readonly pending = new ChunkQueue();
  /** where the next write goes: writes are positional (see queue) */
  private fileOffset = 0;
  private syncFlushes = 0;
  private readonly highWater: number;
  private writing = false;
  private walkDone = false;
  private ended = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  /** when the last slice ended (performance.now()), -1 before the first */
  private lastSliceEnd = -1;

  constructor(
    host: SnapshotHost,
    encoder: SnapshotEncoder,
    private readonly target: string,
    private opts: BackgroundOptions,
    private readonly done: (r: SnapshotFileResult) => void,
  ) {
    this.highWater = opts.highWater ?? HIGH_WATER;
    this.snap = new KeySnapshot(host, encoder, (chunk) => this.queue(chunk), opts.keyDelayUs > 0 ? 1 : undefined);
  }

  /** Opens the temp file and freezes the image; throws if the file cannot be created. */
  start(): void {
    ({ fd: this.fd, tmpPath: this.tmpPath } = this.opts.tempPath !== undefined ? openNamedTemporary(this.opts.tempPath) : openTemporary(this.target, 'bg'));
    this.snap.start();
    this.schedule();
  }

  get keys(): number {
    return this.snap.keys;
  }

  get running(): boolean {
    return !this.ended;
  }

  /** Stops and removes the temp file (BGSAVE killed by SHUTDOWN, FLUSHALL…). */
  cancel(reason: string): void {
    this.fail(reason);
  }

  /**
   * CONFIG SET rdb-key-save-delay while the save runs. Redis's child keeps the value it forked
   * with (the suite then kills the slow child); the in-process walk takes the new delay at
   * once, cutting short a delay it is waiting out.
   */
  setKeyDelay(us: number): void {
    this.opts = { ...this.opts, keyDelayUs: us };
    if (this.ended || this.timer === null) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = null;
    this.schedule();
  }

  private schedule(): void {
    if (this.ended) return;
    const run = (): void => {
      this.timer = null;
      this.slice();
    };
    this.timer = this.opts.keyDelayUs > 0 ? setTimeout(run, Math.max(1, Math.round(this.opts.keyDelayUs / 1000))) : setImmediate(run);
  }

  private slice(): void {
    if (this.ended) return;
    if (this.pending.length >= this.highWater) return; // the write callback reschedules
    const now = performance.now();
    const budget = this.opts.keyDelayUs > 0 ? 0 : this.lastSliceEnd < 0 ? this.opts.sliceMs : sliceBudget(this.opts.sliceMs, now - this.lastSliceEnd);
    try {
      this.walkDone = this.snap.step(budget);
    } catch (e) {
      this.fail((e as Error).message);
      return;
    }
    this.pump();
    this.lastSliceEnd = performance.now();
    if (!this.walkDone) this.schedule();
  }

  private queue(chunk: Buffer): void {
    this.pending.push(chunk);
    // a big key hands its encoding over in pieces without returning to the event loop:
    // past the high-water mark they are written at once (at their own offset, beside an
    // asynchronous write still in flight), so memory stays bounded whatever the key's size
    if (this.pending.length >= this.highWater && this.fd !== null && !this.ended) {
      this.syncFlushes++;
      const size = this.pending.length;
      const bufs = this.pending.takeAll();
      const at = this.fileOffset;
      this.fileOffset += size;
      try {
        writevAllSync(this.fd, bufs, at);
      } catch (e) {
        // may run inside a client's command (the copy-on-write hook): fail the save, not the command
        this.fail((e as Error).message);
      }
    }
  }

  private pump(): void {
    if (this.writing || this.ended || this.fd === null) return;
    const size = this.pending.length;
    if (size === 0) {
      if (this.walkDone) this.commit();
      return;
    }
    const wasHigh = size >= this.highWater;
    const bufs = this.pending.takeAll();
    this.writing = true;
    const at = this.fileOffset;
    this.fileOffset += size;
    writevAll(this.fd, bufs, (err) => {
      this.writing = false;
      if (err !== null) {
        this.fail(err.message);
        return;
      }
      if (wasHigh && !this.walkDone) this.schedule();
      this.pump();
    }, at);
  }

  /**
   * fsync, close, rename over the target, fsync of the directory: every step on libuv's
   * thread pool, so the event loop never waits for the disk (a rename or close can take
   * milliseconds on a busy disk). A cancel meanwhile (`ended`) stops the chain; the file
   * descriptor is closed whatever happens.
   */
  private commit(): void {
    const fd = this.fd!;
    this.fd = null;
    const result = (error: string | null): SnapshotFileResult => ({
      error,
      keys: this.snap.keys,
      bytes: this.snap.bytes,
      durationMs: Date.now() - this.started,
      ...(error === null ? { syncFlushes: this.syncFlushes } : {}),
    });
    fs.fsync(fd, (syncErr) => {
      fs.close(fd, (closeErr) => {
        if (this.ended) return;
        const err = syncErr ?? closeErr;
        if (err !== null) {
          this.fail(err.message);
          return;
        }
        fs.rename(this.tmpPath, this.target, (renameErr) => {
          if (this.ended) return;
          if (renameErr !== null) {
            this.fail(renameErr.message);
            return;
          }
          // the rename is durable once the directory is: the save counts as done only
          // after that fsync (a cancel meanwhile leaves the renamed file)
          fsyncDirectoryAsync(path.dirname(this.target), (dirErr) => {
            if (this.ended) return;
            this.ended = true;
            this.done(result(dirErr === null ? null : dirErr.message));
          });
        });
      });
    });
  }

  private fail(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer !== null) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.snap.abort();
    discardTemporary(this.fd, this.tmpPath);
    this.fd = null;
    this.done({ error: reason, keys: this.snap.keys, bytes: this.snap.bytes, durationMs: Date.now() - this.started });
  }
}
