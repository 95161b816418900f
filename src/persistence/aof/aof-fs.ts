/**
 * The file-system calls the AOF code makes, as one replaceable object: tests inject failures
 * (ENOSPC, short writes) and observe fsync ordering through it instead of relying on timing.
 */
import fs from 'node:fs';

export type AofFs = Pick<
  typeof fs,
  | 'openSync'
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
  | 'mkdirSync'
  | 'existsSync'
  | 'readFileSync'
>;

export const nodeAofFs: AofFs = fs;

/** Log sink with Redis's levels; the server maps it onto its logger. */
export type AofLogLevel = 'warning' | 'notice' | 'verbose';
export type AofLog = (level: AofLogLevel, message: string) => void;

export const silentLog: AofLog = () => {};
