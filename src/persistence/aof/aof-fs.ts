/**
 * The file-system calls the AOF code makes, as one replaceable object: tests inject failures
 * (ENOSPC, short writes) and observe fsync ordering through it instead of relying on timing.
 */
import fs from 'node:fs';

export type AofFs = Pick<
  typeof fs,
  | 'openSync'
  | 'open'
  | 'write'
  | 'fchmod'
  | 'rename'
  | 'fchmodSync'
  | 'writeSync'
  | 'readSync'
  | 'fsyncSync'
  | 'fsync'
  | 'closeSync'
  | 'close'
  | 'ftruncateSync'
  | 'truncateSync'
  | 'fstatSync'
  | 'statSync'
  | 'renameSync'
  | 'unlinkSync'
  | 'unlink'
  | 'mkdirSync'
  | 'existsSync'
  | 'readFileSync'
>;

export const nodeAofFs: AofFs = fs;

/** Log sink with Redis's levels; the server maps it onto its logger. */
export type AofLogLevel = 'warning' | 'notice' | 'verbose';
export type AofLog = (level: AofLogLevel, message: string) => void;

export const silentLog: AofLog = () => {};

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EIO: 'Input/output error',
  EMFILE: 'Too many open files',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EROFS: 'Read-only file system',
  EFBIG: 'File too large',
  EBADF: 'Bad file descriptor',
  EINVAL: 'Invalid argument',
};

/** C's strerror() text for a Node fs error (what Redis prints), else the error's message. */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return (code !== undefined ? STRERROR[code] : undefined) ?? (e instanceof Error ? e.message : String(e));
}
