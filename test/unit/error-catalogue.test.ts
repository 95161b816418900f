/**
 * Every error reply text lives in src/errors.ts (issue 14, part 3). This test parses each
 * .ts file under src/ with the TypeScript compiler and fails on a string or template
 * literal (comments are not literals, so they are free to quote texts) that starts with an
 * error-reply prefix, so a new inline error text cannot slip in beside the catalogue.
 *
 * Not scanned:
 * - src/errors.ts itself, the catalogue;
 * - src/cli/, the command-line tools: they print to a terminal and read Redis's replies,
 *   they never send an error reply;
 * - vendored or generated code: none of it is TypeScript today (scripting/native/ is C).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** the repository root, from dist/test/unit */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const EXEMPT = new Set(['src/errors.ts']);
const EXEMPT_DIRS = ['src/cli/'];

/** Redis's error codes (the first word of an error reply) and the wire form's leading "-ERR" */
const PREFIXES = [
  'ERR ', '-ERR', 'WRONGTYPE ', 'NOPERM ', 'NOAUTH ', 'WRONGPASS ', 'EXECABORT ', 'BUSYGROUP ', 'NOGROUP ',
  'NOSCRIPT ', 'OOM ', 'LOADING ', 'MISCONF ', 'DENIED ', 'NOPROTO ', 'BUSYKEY ', 'BUSY ', 'UNBLOCKED ',
  'READONLY ', 'NOREPLICAS ', 'MASTERDOWN ', 'CROSSSLOT ', 'NOTBUSY ', 'UNKILLABLE ', 'INVALIDOBJ ',
];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...tsFiles(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** the literal texts in a source that start with an error prefix, as "file:line: text" */
function inlineErrorLiterals(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    let head: string | null = null;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) head = node.text;
    else if (ts.isTemplateExpression(node)) head = node.head.text;
    if (head !== null && PREFIXES.some((p) => head!.startsWith(p))) {
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      found.push(`${file}:${line}: ${head.slice(0, 60)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

test('the scanner finds error literals and ignores comments', () => {
  const sample = [
    "// 'ERR in a comment'",
    "const a = 'ERR syntax error';",
    'const b = `NOGROUP No such key ${k}`;',
    "const c = 'ERRORS are not a prefix';",
    "const d = \"-ERR max\\r\\n\";",
  ].join('\n');
  assert.deepEqual(
    inlineErrorLiterals('x.ts', sample).map((s) => s.split(': ')[0]),
    ['x.ts:2', 'x.ts:3', 'x.ts:5'],
  );
});

test('no error reply text outside src/errors.ts', () => {
  const files = tsFiles('src').filter((f) => !EXEMPT.has(f) && !EXEMPT_DIRS.some((d) => f.startsWith(d)));
  assert.ok(files.length > 100, `found ${files.length} source files`);
  const offenders = files.flatMap((f) => inlineErrorLiterals(f, readFileSync(path.join(ROOT, f), 'utf8')));
  assert.deepEqual(offenders, []);
});
