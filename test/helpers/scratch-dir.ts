/**
 * A fresh empty directory for a server under test: its `dir` (in-process servers) or its
 * working directory (child processes). A server saves dump.rdb / the AOF there and loads
 * them from there at start-up, so servers must never share one (nor the repository).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function scratchDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'redoubt-test-'));
}
