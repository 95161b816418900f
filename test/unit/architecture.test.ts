/**
 * The layering the design states, checked on the sources: command handlers reach the
 * server only through the narrow command context (command-model/context.ts and
 * services.ts), and the command model sits below commands/ (nothing under
 * command-model/ imports commands/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** the repository root, from dist/test/unit */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function sources(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (e.name.endsWith('.ts')) out.push({ file: rel, text: readFileSync(path.join(ROOT, rel), 'utf8') });
  }
  return out;
}

test('no file under src/commands/ imports the server module or reaches ctx.server', () => {
  const files = sources('src/commands');
  assert.ok(files.length > 30, `found ${files.length} command files`);
  const offenders: string[] = [];
  for (const { file, text } of files) {
    if (/from ['"][./]*server\/server\.js['"]/.test(text)) offenders.push(`${file}: imports server/server.js`);
    if (/\bctx\.server\b/.test(text)) offenders.push(`${file}: reaches ctx.server`);
  }
  assert.deepEqual(offenders, []);
});

test('the command model does not climb into commands/ or the server module', () => {
  const files = sources('src/command-model');
  assert.ok(files.length >= 5, `found ${files.length} command-model files`);
  const offenders = files.filter(({ text }) => /from ['"]\.\.\/(commands\/|server\/server\.js)/.test(text)).map((f) => f.file);
  assert.deepEqual(offenders, []);
});

test('ACL, keyspace and persistence take the command model from command-model/, not commands/', () => {
  const files = [...sources('src/acl'), ...sources('src/keyspace'), ...sources('src/persistence')];
  const offenders = files
    .filter(({ text }) => /from ['"][./]*commands\/(command-spec|command-table|key-extraction|context)\.js['"]/.test(text))
    .map((f) => f.file);
  assert.deepEqual(offenders, []);
});
