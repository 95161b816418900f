/**
 * A gateway's upstream credentials are never visible to its clients or in what it writes
 * (issue 18). Two real gateway processes (`node dist/src/main.js`, loglevel debug, a
 * logfile, security events, the metrics endpoint, every command slow-logged):
 *  - one fronting a TLS-only Redoubt upstream that requires a client certificate, logging
 *    in with gateway-upstream-user/-pass over `gateway-upstream-tls` (this is also the
 *    upstream TLS link's end-to-end test);
 *  - one following a Sentinel that needs gateway-sentinel-user/-pass, to a redis-server
 *    that needs gateway-upstream-user/-pass.
 * Traffic that makes the gateway log in upstream again and again (RESP2 and RESP3 links,
 * pub/sub links, a blocking command's own connection, connections killed upstream) runs
 * under MONITOR; then every client-visible output (CLIENT LIST/INFO, INFO everything,
 * CONFIG GET * and each gateway directive by name, ACL LOG, SLOWLOG, MONITOR), the log
 * file, the event file, the metrics and `redoubt audit` (config file and live) are searched
 * for the user names, passwords and the client key's PEM lines. Then gateways given a wrong
 * upstream or Sentinel password: the client gets a clear refusal, never the secret; and an
 * impostor upstream whose certificate the gateway does not trust never gets the login; a
 * gateway with no password logs in upstream by its client certificate (the upstream's
 * `tls-auth-clients-user cn`); a password changed upstream while the gateway runs is
 * reported to clients and logged once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { errors } from '../../src/errors.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, freePort, NO_ORACLE_MESSAGE } from '../helpers/redis-oracle.js';
import { startNode, startSentinel, stopAll, type ProcessHandle } from '../helpers/topology.js';
import { makeTestPki, tlsDirectives, type TestPki } from '../helpers/tls-certs.js';
import { runCli } from '../helpers/cli.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;

const UP_USER = 'gwlink-Usr-5e71';
const UP_PASS = 'Up-Pass-9c1e77d4';
const SENT_USER = 'sent-Usr-38a2';
const SENT_PASS = 'Sent-Pass-5b2e61';
const WRONG_PASS = 'Wrong-Pass-Zq81';

let pki: TestPki;
let gwCert: { cert: string; key: string };
/** the TLS-only Redoubt upstream */
let tlsUpstream: RunningServer;
let redisNode: ProcessHandle;
let sentinel: ProcessHandle;
const handles: ProcessHandle[] = [];
const admins: Redis[] = [];

before(async () => {
  if (skip !== false) return;
  pki = makeTestPki();
  gwCert = pki.issue('gw-link', '/CN=gw-link');
  tlsUpstream = await startServer({
    port: 0,
    tlsPort: 0,
    config: [...tlsDirectives(pki, 'yes'), ['user', UP_USER, 'on', `>${UP_PASS}`, '~*', '&*', '+@all'], ['save', ''], ['appendonly', 'no']],
  });
  redisNode = await startNode('redis');
  handles.push(redisNode);
  const r = new Redis({ port: redisNode.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  admins.push(r);
  await r.call('ACL', 'SETUSER', UP_USER, 'on', `>${UP_PASS}`, '~*', '&*', '+@all');
  sentinel = await startSentinel('edge', redisNode.port, 1);
  handles.push(sentinel);
  const s = new Redis({ port: sentinel.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  admins.push(s);
  await s.call('ACL', 'SETUSER', SENT_USER, 'on', `>${SENT_PASS}`, '&*', '+@all');
});

after(async () => {
  if (skip !== false) return;
  for (const a of admins) a.disconnect();
  await stopAll(handles);
  await tlsUpstream.close();
  pki.cleanup();
});

/** Every secret, and what each is: the passwords, the user names, the client key's PEM lines. */
function secrets(): [string, string][] {
  const keyLines = readFileSync(gwCert.key, 'latin1')
    .split('\n')
    .filter((l) => l.length >= 16 && !l.startsWith('-----'));
  assert.ok(keyLines.length > 0);
  return [
    [UP_USER, 'gateway-upstream-user'],
    [UP_PASS, 'gateway-upstream-pass'],
    [SENT_USER, 'gateway-sentinel-user'],
    [SENT_PASS, 'gateway-sentinel-pass'],
    ...keyLines.map((l, i): [string, string] => [l, `upstream TLS key, PEM line ${i + 1}`]),
  ];
}

function assertNoSecret(where: string, text: string): void {
  for (const [secret, what] of secrets()) assert.ok(!text.includes(secret), `${what} leaked into ${where}`);
}

const GATEWAY_DIRECTIVES = [
  'gateway-upstream',
  'gateway-upstream-user',
  'gateway-upstream-pass',
  'gateway-upstream-tls',
  'gateway-upstream-tls-ca-cert-file',
  'gateway-upstream-tls-cert-file',
  'gateway-upstream-tls-key-file',
  'gateway-sentinel',
  'gateway-sentinel-master',
  'gateway-sentinel-user',
  'gateway-sentinel-pass',
];

async function startGateway(lines: string[]): Promise<{ h: ProcessHandle; metricsPort: number }> {
  const metricsPort = await freePort();
  const h = await startNode('redoubt', [
    ...lines,
    'loglevel debug',
    'logfile gateway.log',
    'security-log-file events.jsonl',
    `metrics-port ${metricsPort}`,
    'slowlog-log-slower-than 0',
    'user app on >app-pw ~app:* &* +@all',
  ]);
  handles.push(h);
  return { h, metricsPort };
}

/**
 * Traffic that makes the gateway log in upstream on every kind of link, under MONITOR, then
 * everything a client or an operator can read. `killUpstream` cuts the gateway's upstream
 * connections so they log in again while MONITOR watches.
 */
async function exposures(gw: { h: ProcessHandle; metricsPort: number }, killUpstream: () => Promise<void>, auditAs: 'table' | 'json'): Promise<Record<string, string>> {
  const port = gw.h.port;
  const monitor = await RawClient.connect(port);
  assert.equal(await monitor.call('MONITOR'), '+OK\r\n');
  const c = await RawClient.connect(port);
  const r3 = await RawClient.connect(port);
  const sub = await RawClient.connect(port);
  const out: Record<string, string> = {};
  try {
    const traffic = async (): Promise<void> => {
      assert.equal(await c.call('SET', 'app:1', 'v'), '+OK\r\n');
      assert.equal(await c.call('GET', 'app:1'), '$1\r\nv\r\n');
      assert.match(await r3.call('HELLO', '3'), /^%7/);
      assert.equal(await r3.call('GET', 'app:1'), '$1\r\nv\r\n');
      assert.equal(await c.call('BLPOP', 'app:list', '0.05'), '*-1\r\n');
    };
    await traffic();
    assert.equal(await sub.call('SUBSCRIBE', 'news'), '*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n');
    // failed logins and a denial for the ACL LOG (the client's AUTH is redacted everywhere)
    assert.match(await c.call('AUTH', 'app', 'not-the-app-pw'), /^-WRONGPASS/);
    // the upstream's password tried at the gateway (the attempted user name would be in the ACL LOG, as in Redis)
    assert.match(await c.call('AUTH', 'app', UP_PASS), /^-WRONGPASS/);
    assert.equal(await c.call('AUTH', 'app', 'app-pw'), '+OK\r\n');
    assert.match(await c.call('GET', 'other:1'), /^-NOPERM/);
    await killUpstream();
    // the gateway logs in again (shared, RESP3, blocking connections) while MONITOR watches
    for (let i = 0; i < 50; i++) {
      const r = await c.call('GET', 'app:1');
      if (r === '$1\r\nv\r\n') break;
      assert.match(r, /^-ERR upstream connection lost/);
    }
    await traffic();
    await new Promise((r) => setTimeout(r, 200));
    out['MONITOR'] = monitor.received;
    assert.match(out['MONITOR'], /"BLPOP" "app:list" "0\.05"/, 'MONITOR saw the traffic');
    const admin = await RawClient.connect(port);
    out['CLIENT LIST'] = await admin.call('CLIENT', 'LIST');
    out['CLIENT INFO'] = await admin.call('CLIENT', 'INFO');
    out['INFO everything'] = await admin.call('INFO', 'everything');
    out['CONFIG GET *'] = await admin.call('CONFIG', 'GET', '*');
    out['CONFIG GET gateway-*'] = await admin.call('CONFIG', 'GET', 'gateway-*');
    for (const name of GATEWAY_DIRECTIVES) out[`CONFIG GET ${name}`] = await admin.call('CONFIG', 'GET', name);
    out['ACL LOG'] = await admin.call('ACL', 'LOG');
    assert.match(out['ACL LOG'], /\$4\r\nauth\r\n/);
    out['ACL LIST'] = await admin.call('ACL', 'LIST');
    out['SLOWLOG GET'] = await admin.call('SLOWLOG', 'GET', '1000');
    assert.match(out['SLOWLOG GET'], /\$5\r\nBLPOP\r\n/, 'SLOWLOG has the traffic');
    out['LATENCY DOCTOR'] = await admin.call('LATENCY', 'DOCTOR');
    admin.close();
    out['metrics'] = await (await fetch(`http://127.0.0.1:${gw.metricsPort}/metrics`)).text();
    assert.match(out['metrics'], /redoubt_/);
    out['log file'] = readFileSync(join(gw.h.dir, 'gateway.log'), 'latin1');
    assert.match(out['log file'], /Gateway: upstream is standalone/);
    // written at loglevel debug: the lowest lines the server writes (verbose, `-`) are there
    assert.match(out['log file'], / - Start-up heap /);
    out['security events'] = readFileSync(join(gw.h.dir, 'events.jsonl'), 'latin1');
    assert.match(out['security events'], /auth-failure/);
    const conf = join(gw.h.dir, 'node.conf');
    // the config file and the live gateway at once; as a table or as JSON (one run each: the CLI takes a second to start)
    const audit = await runCli(['audit', '--config', conf, '-p', String(port), ...(auditAs === 'json' ? ['--json'] : [])]);
    out[`redoubt audit (${auditAs})`] = audit.stdout + audit.stderr;
    assert.match(audit.stdout, /default user needs no password|default-user-nopass/);
  } finally {
    monitor.close();
    c.close();
    r3.close();
    sub.close();
  }
  return out;
}

test('upstream credentials and TLS key material never show: TLS upstream with a client certificate, and a Sentinel set, both with passwords', { skip, timeout: 60_000 }, async () => {
  const tlsPort = tlsUpstream.server.network.port('tls')!;
  const [viaTls, viaSentinel] = await Promise.all([
    startGateway([
      `gateway-upstream 127.0.0.1:${tlsPort}`,
      `gateway-upstream-user ${UP_USER}`,
      `gateway-upstream-pass ${UP_PASS}`,
      'gateway-upstream-tls yes',
      `gateway-upstream-tls-ca-cert-file ${pki.caCert}`,
      `gateway-upstream-tls-cert-file ${gwCert.cert}`,
      `gateway-upstream-tls-key-file ${gwCert.key}`,
    ]),
    startGateway([
      `gateway-sentinel 127.0.0.1:${sentinel.port}`,
      'gateway-sentinel-master edge',
      `gateway-sentinel-user ${SENT_USER}`,
      `gateway-sentinel-pass ${SENT_PASS}`,
      `gateway-upstream-user ${UP_USER}`,
      `gateway-upstream-pass ${UP_PASS}`,
    ]),
  ]);
  const upstreamAdmin = await RawClient.connect(tlsUpstream.port);
  try {
    const redis = admins[0]!;
    const [outTls, outSentinel] = await Promise.all([
      exposures(viaTls, async () => {
        assert.match(await upstreamAdmin.call('CLIENT', 'KILL', 'USER', UP_USER), /^:[1-9]/);
      }, 'table'),
      exposures(viaSentinel, async () => {
        assert.ok(Number(await redis.client('KILL', 'USER', UP_USER)) > 0);
      }, 'json'),
    ]);
    // the TLS link works: the data is on the TLS-only upstream, written as the gateway's user
    assert.equal(await upstreamAdmin.call('GET', 'app:1'), '$1\r\nv\r\n');
    assert.match(await upstreamAdmin.call('CLIENT', 'LIST'), new RegExp(`cmd=get user=${UP_USER} `), 'the gateway is logged in upstream as its user');
    assert.match(outTls['INFO everything']!, new RegExp(`gateway_upstream:127\\.0\\.0\\.1:${tlsPort}\\r\\n`));
    assert.equal(await redis.get('app:1'), 'v');
    assert.match(outSentinel['INFO everything']!, /gateway_sentinel_master:edge\r\n/);
    for (const [where, text] of Object.entries(outTls)) assertNoSecret(`${where} (TLS upstream)`, text);
    for (const [where, text] of Object.entries(outSentinel)) assertNoSecret(`${where} (Sentinel upstream)`, text);
  } finally {
    upstreamAdmin.close();
  }
});

test('a wrong upstream or Sentinel password: the client gets a clear refusal without the secret, the log says which login failed', { skip, timeout: 30_000 }, async () => {
  const tlsPort = tlsUpstream.server.network.port('tls')!;
  const logs: string[][] = [[], []];
  const common = [['save', ''], ['appendonly', 'no'], ['loglevel', 'debug']] as [string, string][];
  const gateways = [
    await startServer({
      port: 0,
      logSink: { write: (l: string) => void logs[0]!.push(l) },
      config: [
        ...common,
        ['gateway-upstream', `127.0.0.1:${tlsPort}`],
        ['gateway-upstream-user', UP_USER],
        ['gateway-upstream-pass', WRONG_PASS],
        ['gateway-upstream-tls', 'yes'],
        ['gateway-upstream-tls-ca-cert-file', pki.caCert],
        ['gateway-upstream-tls-cert-file', gwCert.cert],
        ['gateway-upstream-tls-key-file', gwCert.key],
      ],
    }),
    await startServer({
      port: 0,
      logSink: { write: (l: string) => void logs[1]!.push(l) },
      config: [
        ...common,
        ['gateway-sentinel', `127.0.0.1:${sentinel.port}`],
        ['gateway-sentinel-master', 'edge'],
        ['gateway-sentinel-user', SENT_USER],
        ['gateway-sentinel-pass', WRONG_PASS],
      ],
    }),
  ];
  try {
    const refused = `-${errors.gatewayUpstreamLoginRefused}\r\n`;
    for (const [i, gw] of gateways.entries()) {
      const c = await RawClient.connect(gw.port);
      const replies = [await c.call('GET', 'app:1'), await c.call('SET', 'app:2', 'x'), await c.call('HELLO', '3'), await c.call('GET', 'app:1')];
      const info = await c.call('INFO', 'everything');
      c.close();
      assert.deepEqual(replies.slice(0, 2), [refused, refused], `gateway ${i}`);
      assert.equal(replies[3], refused, `gateway ${i}, RESP3`);
      const log = logs[i]!.join('');
      assert.match(log, i === 0 ? /Gateway: upstream 127\.0\.0\.1:\d+ refused the gateway's login \(gateway-upstream-user\/gateway-upstream-pass\)/ : /Gateway: sentinel 127\.0\.0\.1:\d+ refused the gateway's login \(gateway-sentinel-user\/gateway-sentinel-pass\)/);
      for (const text of [...replies, info, log]) {
        assert.ok(!text.includes(WRONG_PASS), `the wrong password leaked: ${text}`);
        assert.ok(!text.includes(UP_USER) && !text.includes(SENT_USER), `a user name leaked: ${text}`);
      }
    }
  } finally {
    for (const gw of gateways) await gw.close();
  }
});

test('an impostor upstream (a certificate from another CA) never receives the gateway\'s login', { skip, timeout: 30_000 }, async () => {
  const cert = pki.issue('impostor', '/CN=localhost', { san: 'DNS:localhost,IP:127.0.0.1', ca: 'other' });
  let received = '';
  let handshakes = 0;
  const impostor = tls.createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (s) => {
    handshakes++;
    s.on('data', (d: Buffer) => (received += d.toString('latin1')));
    s.on('error', () => undefined);
  });
  impostor.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', () => r()));
  const port = (impostor.address() as { port: number }).port;
  const gw = await startServer({
    port: 0,
    config: [
      ['save', ''],
      ['appendonly', 'no'],
      ['gateway-upstream', `127.0.0.1:${port}`],
      ['gateway-upstream-user', UP_USER],
      ['gateway-upstream-pass', UP_PASS],
      ['gateway-upstream-tls', 'yes'],
      ['gateway-upstream-tls-ca-cert-file', pki.caCert],
    ],
  });
  try {
    const c = await RawClient.connect(gw.port);
    assert.equal(await c.call('GET', 'app:1'), `-${errors.gatewayUpstreamUnreachable}\r\n`);
    c.close();
    assert.equal(handshakes, 0, 'the gateway refused the handshake');
    assert.ok(!received.includes(UP_PASS) && !received.includes(UP_USER));
  } finally {
    await gw.close();
    await new Promise<void>((r) => impostor.close(() => r()));
  }
});

test('certificate identity upstream: the gateway logs in by its client certificate alone (no password configured)', { skip, timeout: 30_000 }, async () => {
  // the upstream maps a certificate's CN to its ACL user (gw-link here, certificate-only)
  const admin = await RawClient.connect(tlsUpstream.port);
  assert.equal(await admin.call('CONFIG', 'SET', 'tls-auth-clients-user', 'cn'), '+OK\r\n');
  assert.equal(await admin.call('ACL', 'SETUSER', 'gw-link', 'on', '>unused-pw', 'tls-cert-required', '~cert:*', '+@all'), '+OK\r\n');
  const gw = await startServer({
    port: 0,
    config: [
      ['save', ''],
      ['appendonly', 'no'],
      ['gateway-upstream', `127.0.0.1:${tlsUpstream.server.network.port('tls')!}`],
      ['gateway-upstream-tls', 'yes'],
      ['gateway-upstream-tls-ca-cert-file', pki.caCert],
      ['gateway-upstream-tls-cert-file', gwCert.cert],
      ['gateway-upstream-tls-key-file', gwCert.key],
    ],
  });
  const c = await RawClient.connect(gw.port);
  try {
    assert.equal(await c.call('SET', 'cert:1', 'x'), '+OK\r\n');
    // the upstream's own rules for the certificate's user apply behind the gateway's
    assert.match(await c.call('SET', 'other:1', 'x'), /^-NOPERM/);
    assert.equal(await admin.call('GET', 'cert:1'), '$1\r\nx\r\n');
    assert.match(await admin.call('CLIENT', 'LIST'), /cmd=set user=gw-link /);
  } finally {
    c.close();
    await gw.close();
    await admin.call('CONFIG', 'SET', 'tls-auth-clients-user', 'off');
    await admin.call('ACL', 'DELUSER', 'gw-link');
    admin.close();
  }
});

test('the upstream password changed while the gateway runs: its clients get the refusal, the log says so once, without the secret', { skip, timeout: 30_000 }, async () => {
  const log: string[] = [];
  const admin = await RawClient.connect(tlsUpstream.port);
  const gw = await startServer({
    port: 0,
    logSink: { write: (l: string) => void log.push(l) },
    config: [
      ['save', ''],
      ['appendonly', 'no'],
      ['gateway-upstream', `127.0.0.1:${tlsUpstream.server.network.port('tls')!}`],
      ['gateway-upstream-user', UP_USER],
      ['gateway-upstream-pass', UP_PASS],
      ['gateway-upstream-tls', 'yes'],
      ['gateway-upstream-tls-ca-cert-file', pki.caCert],
      ['gateway-upstream-tls-cert-file', gwCert.cert],
      ['gateway-upstream-tls-key-file', gwCert.key],
    ],
  });
  const c = await RawClient.connect(gw.port);
  try {
    assert.equal(await c.call('SET', 'rot:1', 'x'), '+OK\r\n');
    assert.doesNotMatch(log.join(''), /refused/);
    // rotated upstream (the gateway's config not yet), and the gateway's connections cut
    assert.equal(await admin.call('ACL', 'SETUSER', UP_USER, 'resetpass', `>${WRONG_PASS}`), '+OK\r\n');
    assert.match(await admin.call('CLIENT', 'KILL', 'USER', UP_USER), /^:[1-9]/);
    const refused = `-${errors.gatewayUpstreamLoginRefused}\r\n`;
    let reply = '';
    for (let i = 0; i < 50 && reply !== refused; i++) {
      reply = await c.call('GET', 'rot:1');
      if (reply !== refused) assert.match(reply, /^-ERR upstream connection lost/);
    }
    assert.equal(reply, refused);
    assert.equal(await c.call('GET', 'rot:1'), refused);
    const lines = log.join('').split('\n').filter((l) => l.includes('refused'));
    assert.equal(lines.length, 1, 'one line, not one per command');
    assert.match(lines[0]!, /Gateway: upstream 127\.0\.0\.1:\d+ refused the gateway's login \(gateway-upstream-user\/gateway-upstream-pass\)$/);
    assert.ok(!log.join('').includes(WRONG_PASS) && !log.join('').includes(UP_PASS) && !log.join('').includes(UP_USER));
  } finally {
    c.close();
    await gw.close();
    await admin.call('ACL', 'SETUSER', UP_USER, 'resetpass', `>${UP_PASS}`);
    admin.close();
  }
});
