/**
 * Whether a program is an executable on PATH (`command -v`), read at call time. Here, below
 * the server, because a directive's validation asks it (syslog-enabled needs util-linux
 * `logger`) and the config table must not import the server modules that use the program.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function programOnPath(program: string, path: string = process.env.PATH ?? ''): boolean {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}
