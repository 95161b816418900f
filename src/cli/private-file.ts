/** Writes files readable by their owner only (secrets: keys, ACL digests, configs naming them). */
import fs from 'node:fs';

export class FileExistsError extends Error {}

export function writePrivateFile(file: string, data: string | Buffer, overwrite: boolean): void {
  try {
    fs.writeFileSync(file, data, { mode: 0o600, flag: overwrite ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new FileExistsError(`${file} exists (use --force to overwrite)`);
    throw e;
  }
  // The mode above applies only when the file is created; an overwritten file keeps its old one.
  fs.chmodSync(file, 0o600);
}

export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}
