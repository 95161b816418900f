/**
 * The resource guard itself (test/helpers/resource-guard.ts): it must really kill a server
 * driven past its RSS ceiling or its time ceiling — otherwise every CVE test that relies on
 * it could pass silently — and it must leave a well-behaved server alone.
 */
// npm test: serial — time and memory ceilings of child processes, which it kills
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from '../helpers/raw-client.js';
import { GuardedServer, MiB, pingWithin } from '../helpers/resource-guard.js';
import { streamBytes } from '../security/cves/cve-support.js';

test('resource guard: a legitimate 256 MiB SET past a low RSS ceiling gets the server SIGKILLed', async () => {
  const g = await GuardedServer.start([], { rssCeilingBytes: 512 * MiB, timeCeilingMs: 60_000 });
  try {
    const base = g.rss!;
    // A ceiling 64 MiB above the idle server: a 256 MiB value cannot fit under it.
    g.limits.rssCeilingBytes = base + 64 * MiB;
    const report = await g.run(async (port) => {
      const c = await RawClient.connect(port);
      try {
        const size = 256 * MiB;
        c.write(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`);
        await streamBytes(c.socket, size);
        c.write('\r\n');
        await c.readReply(3000);
      } finally {
        c.close();
      }
    });
    assert.equal(report.killed, 'rss', `killed for RSS (peak ${report.peakRssBytes / MiB} MiB, base ${base / MiB} MiB)`);
    assert.ok(report.peakRssBytes > g.limits.rssCeilingBytes, 'the sampled peak passed the ceiling');
    // The process really is gone: it exited on SIGKILL and no longer answers.
    for (let i = 0; i < 50 && g.alive; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(g.alive, false);
    assert.equal(g.child.signalCode, 'SIGKILL');
    assert.notEqual(await pingWithin(g.port, 500), '+PONG\r\n');
    await assert.rejects(g.assertHealthy(), /resource guard killed the server \(rss/);
  } finally {
    await g.stop();
  }
});

test('resource guard: an attack that outlasts the time ceiling gets the server SIGKILLed', async () => {
  const g = await GuardedServer.start([], { rssCeilingBytes: 1024 * MiB, timeCeilingMs: 300 });
  try {
    const report = await g.run(async (port) => {
      // A client that waits on a blocking command far past the ceiling.
      const c = await RawClient.connect(port);
      try {
        c.write(RawClient.encode(['BLPOP', 'nothing', '0']));
        await c.readReply(2000);
      } finally {
        c.close();
      }
    });
    assert.equal(report.killed, 'time');
    assert.ok(report.durationMs >= 300 && report.durationMs < 5000, `abandoned soon after the ceiling (${report.durationMs} ms)`);
    await assert.rejects(g.assertHealthy(), /resource guard killed the server \(time/);
  } finally {
    await g.stop();
  }
});

test('resource guard: a harmless workload is not killed and the server is healthy', async () => {
  const g = await GuardedServer.start([], { rssCeilingBytes: 400 * MiB, timeCeilingMs: 10_000 });
  try {
    const report = await g.run(async (port) => {
      const c = await RawClient.connect(port);
      try {
        assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
        assert.equal(await c.call('GET', 'k'), '$1\r\nv\r\n');
      } finally {
        c.close();
      }
    });
    assert.equal(report.killed, null);
    assert.equal(report.attackError, undefined);
    assert.ok(report.peakRssBytes > 10 * MiB && report.peakRssBytes < 400 * MiB, `peak RSS sampled (${report.peakRssBytes})`);
    await g.assertHealthy();
    // A failing attack is reported, not thrown.
    const failing = await g.run(async () => {
      throw new Error('boom');
    });
    assert.match(String(failing.attackError), /boom/);
    await g.assertHealthy();
  } finally {
    await g.stop();
  }
});
