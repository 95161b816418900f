/** Renders findings as a human table (default) or JSON (--json). */
import { type Finding, SEVERITY_RANK } from './finding.js';

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.id.localeCompare(b.id));
}

export function renderJson(findings: Finding[], exitCode: number): string {
  const counts: Record<string, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) counts[f.severity]!++;
  const unverified = findings.filter((f) => f.verified === false).length;
  return JSON.stringify({ findings: sortFindings(findings), summary: { ...counts, unverified, exitCode } }, null, 2) + '\n';
}

export function renderTable(findings: Finding[]): string {
  const sorted = sortFindings(findings);
  if (sorted.length === 0) return 'No findings.\n';
  const rows = sorted.map((f) => [f.severity.toUpperCase(), f.id, f.source, f.verified === false ? `${f.title} (unverified)` : f.title]);
  const header = ['SEVERITY', 'ID', 'SOURCE', 'FINDING'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  let out = line(header) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n';
  for (const r of rows) out += line(r) + '\n';
  out += '\n';
  for (const f of sorted) {
    if (f.severity === 'info' && f.fix.length === 0) continue;
    out += `[${f.severity}] ${f.id} (${f.origin})\n  evidence: ${f.evidence}\n`;
    if (f.fix.length > 0) out += '  fix:\n' + f.fix.map((l) => `    ${l}\n`).join('');
  }
  const worst = sorted[0]!.severity;
  out += `\n${sorted.length} finding(s), worst: ${worst}\n`;
  return out;
}
