/** The audit's version table: which releases each CVE affects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CVES, isAffected, upgradeTarget } from '../../src/cli/audit/cves.js';
import { grade } from '../../src/cli/audit/checks.js';
import { exitCodeFor, type Finding } from '../../src/cli/audit/finding.js';
import { renderJson, renderTable } from '../../src/cli/audit/report.js';
import type { ServerFacts } from '../../src/cli/audit/facts.js';

const find = (findings: readonly Finding[], id: string): Finding | undefined => findings.find((f) => f.id === id);

const byId = (id: string) => CVES.find((c) => c.id === id)!;
const affected = (version: string): string[] => CVES.filter((c) => isAffected(version, c)).map((c) => c.id).sort();

test('Debian 12 redis 7.0.15: the 2024/2025 fixes came after it (7.0 reached end of life)', () => {
  assert.deepEqual(affected('7.0.15'), ['CVE-2024-31227', 'CVE-2024-31228', 'CVE-2025-21605', 'CVE-2025-46817', 'CVE-2025-46818', 'CVE-2025-46819', 'CVE-2025-49844']);
});

test('fixed releases are not affected, the release before is', () => {
  for (const cve of CVES) {
    for (const fixed of cve.fixed) {
      assert.equal(isAffected(fixed, cve), false, `${cve.id} ${fixed}`);
      const [a, b, c] = fixed.split('.').map(Number) as [number, number, number];
      if (c > 0) assert.equal(isAffected(`${a}.${b}.${c - 1}`, cve), true, `${cve.id} ${a}.${b}.${c - 1}`);
    }
  }
});

test('branches and introductions', () => {
  assert.equal(isAffected('6.2.20', byId('CVE-2024-31227')), false, 'selectors arrived in 7.0');
  assert.equal(isAffected('7.0.0', byId('CVE-2024-31227')), true);
  assert.equal(isAffected('5.0.14', byId('CVE-2021-32675')), false);
  assert.equal(isAffected('5.0.14', byId('CVE-2022-36021')), true, '5.0 never got the fix');
  assert.equal(isAffected('8.0.0', byId('CVE-2025-49844')), true);
  assert.equal(isAffected('8.0.0', byId('CVE-2025-21605')), false);
  assert.equal(isAffected('8.4.0', byId('CVE-2025-49844')), false);
  assert.equal(isAffected('7.2.4', byId('CVE-2025-21605')), true);
  assert.equal(isAffected('not-a-version', byId('CVE-2025-21605')), false);
  assert.equal(upgradeTarget('7.0.15', byId('CVE-2025-49844')), '7.2.11');
  assert.equal(upgradeTarget('7.4.2', byId('CVE-2025-49844')), '7.4.6');
});

test('CVE-2023-45145 (unix socket chmod race): fixed in 6.2.14, 7.0.14, 7.2.2', () => {
  const cve = byId('CVE-2023-45145');
  assert.deepEqual(cve.fixed, ['6.2.14', '7.0.14', '7.2.2']);
  assert.equal(isAffected('7.0.13', cve), true);
  assert.equal(isAffected('7.0.15', cve), false);
  assert.equal(isAffected('7.2.1', cve), true);
  assert.equal(isAffected('6.2.13', cve), true);
  assert.equal(isAffected('7.4.0', cve), false);
});

function liveFacts(version: string, directives: Array<[string, string]> = [], luaPackageProbe: ServerFacts['luaPackageProbe'] = 'sandboxed'): ServerFacts {
  return {
    source: 'live',
    origin: '127.0.0.1:6379',
    directives: new Map(directives.map(([k, v]) => [k, [v]])),
    renames: [],
    users: [],
    usersKnown: false,
    version,
    luaPackageProbe,
    gaps: [],
  };
}

test('version-only CVE matches are unverified, low, say how to verify, and never fail the CI gate alone', () => {
  const findings = grade(liveFacts('7.0.15', [['bind', '127.0.0.1'], ['port', '6379'], ['tls-port', '0'], ['protected-mode', 'yes']]));
  const cves = findings.filter((f) => f.id.startsWith('cve-'));
  assert.equal(cves.length, 7);
  for (const f of cves) {
    assert.equal(f.severity, 'low', f.id);
    assert.equal(f.verified, false, f.id);
    assert.match(f.evidence, /^unverified: /);
    assert.match(f.evidence, new RegExp(`apt changelog redis-server \\| grep ${f.id.toUpperCase()}`));
    assert.match(f.evidence, /changelog\.Debian\.gz/);
  }
  assert.equal(find(findings, 'cve-2025-49844')!.severityIfConfirmed, 'critical');
  assert.equal(exitCodeFor(findings), 0, JSON.stringify(findings.filter((f) => f.severity !== 'low' && f.severity !== 'info')));
  assert.match(renderTable(findings), /CVE-2025-49844: .* \(unverified\)/);
  assert.equal((JSON.parse(renderJson(findings, 0)) as { summary: { unverified: number } }).summary.unverified, 7);
});

test('a confirmed CVE-2022-0543 (the probe found package.loadlib) stays critical; an unprobed one is unverified', () => {
  const exposed = grade(liveFacts('6.0.15', [], 'exposed'));
  const f = find(exposed, 'cve-2022-0543')!;
  assert.equal(f.severity, 'critical');
  assert.notEqual(f.verified, false);
  assert.equal(exitCodeFor(exposed), 1);
  const unprobed = find(grade(liveFacts('6.0.15', [], 'unavailable')), 'cve-2022-0543')!;
  assert.equal(unprobed.severity, 'low');
  assert.equal(unprobed.verified, false);
});

test('CVE-2023-45145 is reported only when a unix socket is configured', () => {
  const without = grade(liveFacts('7.0.13', [['unixsocket', '']]));
  assert.ok(!without.some((f) => f.id === 'cve-2023-45145'));
  const withSocket = grade(liveFacts('7.0.13', [['unixsocket', '/run/redis/redis.sock']]));
  assert.equal(find(withSocket, 'cve-2023-45145')?.severity, 'low');
});

test('issue 16: masterauth without tls-replication to a non-loopback primary, and a writable replica, are flagged', () => {
  const remote = grade(liveFacts('7.2.4', [['replicaof', '10.0.0.1 6380'], ['masterauth', 'x'], ['tls-replication', 'no'], ['replica-read-only', 'no']]));
  assert.equal(find(remote, 'masterauth-without-tls')?.severity, 'high');
  assert.doesNotMatch(find(remote, 'masterauth-without-tls')!.evidence, /\bx\b/, 'the password is not shown');
  assert.equal(find(remote, 'replica-writable')?.severity, 'medium');
  // over TLS, to a loopback primary, or without a password: no cleartext password on the network
  for (const d of [
    [['replicaof', '10.0.0.1 6380'], ['masterauth', 'x'], ['tls-replication', 'yes']],
    [['replicaof', '127.0.0.1 6380'], ['masterauth', 'x']],
    [['replicaof', '10.0.0.1 6380'], ['masterauth', '']],
  ] as Array<Array<[string, string]>>) {
    assert.equal(find(grade(liveFacts('7.2.4', d)), 'masterauth-without-tls'), undefined, JSON.stringify(d));
  }
  assert.equal(find(grade(liveFacts('7.2.4', [['replica-read-only', 'yes']])), 'replica-writable'), undefined);
  assert.equal(find(grade(liveFacts('7.2.4', [['replica-read-only', 'no']])), 'replica-writable')?.severity, 'low');
});
