import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { luaWasmPath } from '../../src/scripting/lua-vm.js';

/** The repository root, from the committed lua.wasm's location (src/scripting/lua.wasm). */
const root = join(luaWasmPath(), '..', '..', '..');

function toolchainMissing(): string | null {
  const cc = spawnSync('clang', ['--target=wasm32-wasi', '-print-file-name=libc.a'], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return 'clang not found';
  const libc = cc.stdout.trim();
  if (!libc.startsWith('/')) return 'wasi-libc not found (apt-get install wasi-libc)';
  const ld = spawnSync('wasm-ld', ['--version'], { encoding: 'utf8' });
  if (ld.error || ld.status !== 0) return 'wasm-ld not found (apt-get install lld)';
  return null;
}

const missing = toolchainMissing();
if (missing !== null) {
  console.warn(`\n*** SKIPPING lua.wasm rebuild check: ${missing}. Install clang lld wasi-libc libclang-rt-dev-wasm32 to run it. ***\n`);
}

test('scripts/build-lua-wasm.sh rebuilds lua.wasm byte for byte', { skip: missing ?? false, timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-lua-wasm-'));
  try {
    const out = join(dir, 'lua.wasm');
    execFileSync('sh', [join(root, 'scripts', 'build-lua-wasm.sh'), out], { stdio: 'pipe' });
    const rebuilt = readFileSync(out);
    const committed = readFileSync(luaWasmPath());
    assert.equal(rebuilt.length, committed.length, 'size differs: rebuild and commit src/scripting/lua.wasm');
    assert.ok(rebuilt.equals(committed), 'content differs: rebuild and commit src/scripting/lua.wasm');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
