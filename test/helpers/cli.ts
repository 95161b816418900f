/**
 * Runs the built `redoubt` CLI as a child process, asynchronously so that a server started
 * in-process by the same test keeps answering while the CLI talks to it.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REDOUBT_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/redoubt.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!('REDISCLI_AUTH' in env)) delete childEnv['REDISCLI_AUTH'];
    execFile(process.execPath, [REDOUBT_CLI, ...args], { env: childEnv, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface JsonFinding {
  id: string;
  severity: string;
  source: string;
  origin: string;
  title: string;
  evidence: string;
  fix: string[];
}

/** Runs `audit … --json` and parses its report. */
export async function auditJson(args: string[], env: Record<string, string> = {}): Promise<{ code: number; findings: JsonFinding[]; stderr: string; raw: string }> {
  const r = await runCli(['audit', ...args, '--json'], env);
  if (r.code === 2) return { code: r.code, findings: [], stderr: r.stderr, raw: r.stdout };
  const parsed = JSON.parse(r.stdout) as { findings: JsonFinding[]; summary: { exitCode: number } };
  if (parsed.summary.exitCode !== r.code) throw new Error(`summary exitCode ${parsed.summary.exitCode} != process exit ${r.code}`);
  return { code: r.code, findings: parsed.findings, stderr: r.stderr, raw: r.stdout };
}

export function ids(findings: readonly JsonFinding[]): string[] {
  return [...new Set(findings.map((f) => f.id))].sort();
}

export function find(findings: readonly JsonFinding[], id: string): JsonFinding | undefined {
  return findings.find((f) => f.id === id);
}

const RANK: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Findings of medium severity or worse that are not version CVEs. */
export function seriousNonCve(findings: readonly JsonFinding[]): string[] {
  return findings.filter((f) => RANK[f.severity]! >= 2 && !f.id.startsWith('cve-')).map((f) => `${f.id}:${f.severity}`);
}
