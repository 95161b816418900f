/**
 * INFO's `_human` figures (used_memory_human…): Redis's bytesToHuman, 1024-based with two
 * decimals (100B, 1.50K, 2.00M …). A leaf module, so the gateway's INFO (gateway/upstream-info.ts) formats its
 * upstream figures the same way without importing the server's report.
 */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${Math.max(0, Math.floor(n))}B`;
  let d = n / 1024;
  for (const u of units) {
    if (d < 1024 || u === 'P') return `${d.toFixed(2)}${u}`;
    d /= 1024;
  }
  return `${n}B`;
}
