/**
 * The Prometheus endpoint: off unless asked for; the scrape parses as the text exposition
 * format and its values follow the server's counters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

/** Parses the exposition text into sample name{labels} → value, checking every line's syntax. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    assert.ok(m !== null, `bad exposition line: ${JSON.stringify(line)}`);
    samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}

test('metrics: off by default; when on, a scrape parses and follows the counters', async () => {
  const plain = await startTestServer();
  assert.equal(plain.server.metrics, null, 'no endpoint unless configured');
  await plain.close();

  const srv = await startTestServer({ metricsPort: 0, config: [['user', 'app', 'on', '>pw', '~app:*', '+get']] });
  const c = await RawClient.connect(srv.port);
  try {
    const url = `http://127.0.0.1:${srv.server.metrics!.port}/metrics`;
    await c.call('SET', 'k', 'v');
    assert.equal(await c.call('AUTH', 'app', 'wrong'), '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    assert.equal(await c.call('AUTH', 'app', 'pw'), '+OK\r\n');
    assert.match(await c.call('GET', 'other'), /^-NOPERM/);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const m = parseExposition(await res.text());
    assert.equal(m.get('redoubt_connected_clients'), 1);
    assert.equal(m.get('redoubt_keys{db="0"}'), 1);
    assert.equal(m.get('redoubt_auth_failures_total{reason="wrongpass"}'), 1);
    assert.equal(m.get('redoubt_acl_denials_total{reason="key"}'), 1);
    assert.ok(m.get('redoubt_commands_processed_total')! >= 3);
    assert.ok(m.get('redoubt_memory_used_bytes')! > 0);
    assert.equal(m.get('redoubt_tls_handshake_failures_total'), 0);
    assert.equal((await fetch(url.replace('/metrics', '/other'))).status, 404);
  } finally {
    c.close();
    await srv.close();
  }
});
