/**
 * Known Redis CVEs the audit checks by version, with the releases that fix each one.
 * Sources (release notes and advisories of redis/redis):
 * - CVE-2021-32675 (unauthenticated multibulk memory DoS): fixed in 5.0.14, 6.0.16, 6.2.6
 *   (redis/redis#9588, release 5.0.14 redis/redis#9585).
 * - CVE-2022-36021 (pathological glob patterns in KEYS/SCAN hang the server): fixed in
 *   6.0.18, 6.2.11, 7.0.9 (advisory GHSA-jr7j-rfj5-8xqv).
 * - CVE-2024-31227 (malformed ACL selectors, 7.0+ only): fixed in 7.2.6, 7.4.1
 *   (release 7.2.6, redis/redis#13582).
 * - CVE-2024-31228 (unbounded pattern matching DoS): fixed in 6.2.16, 7.2.6, 7.4.1
 *   (releases 6.2.16 redis/redis#13584 and 7.2.6 redis/redis#13582).
 * - CVE-2025-21605 (unauthenticated client grows output buffers without limit): fixed in
 *   6.2.18, 7.2.8, 7.4.3 (redis/redis#13993, release 6.2.18 redis/redis#13971).
 * - CVE-2025-49844 (Lua use-after-free, RCE), CVE-2025-46817 (Lua unpack integer
 *   overflow), CVE-2025-46818 (Lua script runs as another user), CVE-2025-46819 (Lua lexer
 *   out-of-bounds read): fixed in 6.2.20, 7.2.11, 7.4.6, 8.0.4, 8.2.2 (the October 2025
 *   security releases; docker-library/official-images#20011, redis/docker-library-redis#478).
 * - CVE-2023-45145 (the unix socket is created with the umask's permissions and chmod-ed
 *   only afterwards: a race in which another local user can connect): fixed in 6.2.14,
 *   7.0.14, 7.2.2 (advisory GHSA-ghmp-889m-7hf7); it matters only with `unixsocket` set.
 * - CVE-2022-0543 is not an upstream bug but Debian/Ubuntu packaging (Lua `package` left
 *   reachable): fixed in Debian 5:5.0.14-1+deb10u2 and 5:6.0.16-1+deb11u2 (DSA-5081-1) and
 *   Ubuntu's matching updates; the live audit probes for it directly.
 * A version number alone does not prove a server affected: distributions backport fixes
 * without changing it (Debian's 7.0.15-1~deb12u* carries fixes for every 2024/2025 CVE
 * here), so the checks report version-only matches as unverified.
 * Branches without a fix of their own (e.g. 7.0.x after it reached end of life) are
 * affected when a later branch carries the fix.
 */
import type { Severity } from './finding.js';

export interface Cve {
  id: string;
  severity: Severity;
  summary: string;
  /** first affected version, when the bug is not in every older release */
  introduced?: string;
  fixed: string[];
  /** a directive without which the bug cannot be reached (skipped when it is unset) */
  onlyWith?: string;
}

const LUA_FIXED = ['6.2.20', '7.2.11', '7.4.6', '8.0.4', '8.2.2'];

export const CVES: readonly Cve[] = [
  { id: 'CVE-2025-49844', severity: 'critical', summary: 'Lua use-after-free lets an authenticated script execute code on the host', fixed: LUA_FIXED },
  { id: 'CVE-2025-46817', severity: 'high', summary: 'Lua unpack() integer overflow, potential remote code execution', fixed: LUA_FIXED },
  { id: 'CVE-2025-46818', severity: 'high', summary: 'a Lua script can run in the context of another user', fixed: LUA_FIXED },
  { id: 'CVE-2025-46819', severity: 'medium', summary: 'Lua lexer out-of-bounds read can crash the server', fixed: LUA_FIXED },
  { id: 'CVE-2025-21605', severity: 'high', summary: 'an unauthenticated client can grow its output buffer without limit', fixed: ['6.2.18', '7.2.8', '7.4.3'] },
  { id: 'CVE-2024-31228', severity: 'medium', summary: 'unbounded pattern matching (KEYS, SCAN, PSUBSCRIBE, …) denial of service', fixed: ['6.2.16', '7.2.6', '7.4.1'] },
  { id: 'CVE-2024-31227', severity: 'medium', summary: 'malformed ACL selectors crash the server', introduced: '7.0.0', fixed: ['7.2.6', '7.4.1'] },
  { id: 'CVE-2023-45145', severity: 'low', summary: 'the unix socket is briefly connectable with the umask\'s permissions before its chmod', fixed: ['6.2.14', '7.0.14', '7.2.2'], onlyWith: 'unixsocket' },
  { id: 'CVE-2022-36021', severity: 'medium', summary: 'crafted glob patterns in KEYS/SCAN hang the server at 100% CPU', fixed: ['6.0.18', '6.2.11', '7.0.9'] },
  { id: 'CVE-2021-32675', severity: 'high', summary: 'unauthenticated requests with huge multibulk headers exhaust memory', fixed: ['5.0.14', '6.0.16', '6.2.6'] },
];

export function parseVersion(v: string): number[] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m === null ? null : [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i]! !== b[i]!) return a[i]! - b[i]!;
  return 0;
}

/** Whether `version` is affected by a CVE fixed in `fixed` (one release per branch). */
export function isAffected(version: string, cve: Cve): boolean {
  const v = parseVersion(version);
  if (v === null) return false;
  if (cve.introduced !== undefined && compareVersions(v, parseVersion(cve.introduced)!) < 0) return false;
  const fixes = cve.fixed.map((f) => parseVersion(f)!);
  const sameBranch = fixes.find((f) => f[0] === v[0] && f[1] === v[1]);
  if (sameBranch !== undefined) return compareVersions(v, sameBranch) < 0;
  // No fix on this branch: affected if a newer branch had to be fixed.
  return fixes.some((f) => compareVersions(f, v) > 0);
}

/** The fixed release to upgrade to from `version` (same branch when there is one). */
export function upgradeTarget(version: string, cve: Cve): string {
  const v = parseVersion(version)!;
  const same = cve.fixed.find((f) => {
    const p = parseVersion(f)!;
    return p[0] === v[0] && p[1] === v[1];
  });
  return same ?? cve.fixed.find((f) => compareVersions(parseVersion(f)!, v) > 0) ?? cve.fixed[cve.fixed.length - 1]!;
}
