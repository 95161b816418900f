/** The audit's version table: which releases each CVE affects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CVES, isAffected, upgradeTarget } from '../../src/cli/audit/cves.js';

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
