/** One audit result: what is wrong, how bad, what shows it, and the lines that fix it. */

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export interface Finding {
  id: string;
  severity: Severity;
  /** 'config' or 'live' */
  source: string;
  /** the file or host:port graded */
  origin: string;
  title: string;
  evidence: string;
  /** exact lines to put in the config (or commands to run), in order */
  fix: string[];
  /**
   * false when the evidence cannot prove the problem (a CVE matched by version number
   * alone): reported at low severity, with the severity it would have if confirmed
   */
  verified?: boolean;
  severityIfConfirmed?: Severity;
}

/**
 * Exit status for CI: 1 when anything of medium severity or worse was found. Unverified
 * findings are low by construction, so they alone never fail a gate.
 */
export function exitCodeFor(findings: readonly Finding[]): number {
  return findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.medium) ? 1 : 0;
}
