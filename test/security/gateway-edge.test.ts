/**
 * Security at the edge in gateway mode (issue 18): the same attacks run against a
 * standalone Redoubt and against a Redoubt gateway fronting a redis-server (the upstream
 * needs a password the gateway holds), and the two must answer alike, byte for byte where
 * the wire is concerned:
 *  - AUTH brute force: the throttle's replies (WRONGPASS, held back, the cap on
 *    unauthenticated connections), AUTHTHROTTLE LIST/CLEAR, CLIENT LIST flags, INFO
 *    security, security events, log lines, metrics and ACL LOG entries; the upstream sees
 *    no guess;
 *  - mutual TLS: no certificate, expired, from another CA, self-signed: refused before any
 *    command (the upstream sees none); a valid certificate logs in as the ACL user its CN
 *    names; a certificate naming no user is logged (ACL LOG `tls-cert`);
 *  - ACL: key patterns (%R~/%W~), channel patterns, selectors, subcommands, MULTI, EVAL and
 *    blocking commands: NOPERM texts, ACL LOG entries and acl-denied events; a denied
 *    command never reaches the upstream.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { decodeReply } from '../../src/gateway/reply-decode.js';
import type { ReplyValue } from '../../src/gateway/cluster-topology.js';
import { RawClient } from '../helpers/raw-client.js';
import { findRedisServer, startRedisOracle, NO_ORACLE_MESSAGE, type RedisOracle } from '../helpers/redis-oracle.js';
import { makeTestPki, tlsDirectives, type TestPki } from '../helpers/tls-certs.js';
import { tlsAttempt } from '../helpers/tls-client.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;
const UPSTREAM_PASS = 'edge-upstream-Pw-31';

let upstream: RedisOracle;
let direct: Redis;
let pki: TestPki;
let dir = '';

before(async () => {
  if (skip !== false) return;
  pki = makeTestPki();
  dir = mkdtempSync(join(tmpdir(), 'redoubt-gw-edge-'));
  upstream = await startRedisOracle();
  direct = new Redis({ port: upstream.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  // set after start: the oracle's start-up check PINGs without AUTH
  await direct.config('SET', 'requirepass', UPSTREAM_PASS);
  await direct.auth(UPSTREAM_PASS);
});

after(async () => {
  if (skip !== false) return;
  direct.disconnect();
  await upstream.stop();
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface Side {
  name: 'standalone' | 'gateway';
  srv: RunningServer;
  events: string;
  log: string[];
}

/**
 * The same front (users, throttle, TLS…) twice: a standalone Redoubt, and a gateway whose
 * data lives on the upstream redis-server.
 */
async function startPair(test: string, front: string[][], opts: { tls?: boolean } = {}): Promise<[Side, Side]> {
  await direct.flushall();
  const sides: Side[] = [];
  for (const name of ['standalone', 'gateway'] as const) {
    const events = join(dir, `${test}-${name}.jsonl`);
    const log: string[] = [];
    const gateway = name === 'gateway' ? [['gateway-upstream', `127.0.0.1:${upstream.port}`], ['gateway-upstream-pass', UPSTREAM_PASS]] : [];
    const srv = await startServer({
      port: 0,
      ...(opts.tls === true ? { tlsPort: 0 } : {}),
      metricsPort: 0,
      clock: new ManualClock(),
      logSink: { write: (l: string) => void log.push(l) },
      config: [['save', ''], ['appendonly', 'no'], ['loglevel', 'verbose'], ['security-log-file', events], ...front, ...gateway] as [string, ...string[]][],
    });
    sides.push({ name, srv, events, log });
  }
  return sides as [Side, Side];
}

async function closePair(sides: readonly Side[]): Promise<void> {
  for (const s of sides) await s.srv.close();
}

/** The security events, without what differs between two servers by nature (times, ports, ids). */
async function eventsOf(side: Side, types: RegExp): Promise<string[]> {
  // the event stream is written asynchronously
  await new Promise((r) => setTimeout(r, 150));
  return readFileSync(side.events, 'latin1')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => types.test(String(e['type'])))
    .map((e) => {
      delete e['ts'];
      return normalize(JSON.stringify(e));
    });
}

/** The metrics of the security front (AUTH, throttle, ACL, TLS). */
async function metricsOf(side: Side): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${side.srv.server.metrics!.port}/metrics`)).text();
  return text.split('\n').filter((l) => /^redoubt_(auth|acl|tls)_/.test(l));
}

/** Log lines matching `what`, without pid, time and ports. */
function logOf(side: Side, what: RegExp): string[] {
  return side.log
    .join('')
    .split('\n')
    .filter((l) => what.test(l))
    .map((l) => normalize(l.replace(/^\d+:[A-Z] [^.]+\.\d+ /, '')));
}

/** Ports, connection ids, ages and byte counts differ between two servers by nature. */
function normalize(s: string): string {
  return s
    .replace(/(127\.0\.0\.\d+):\d+/g, '$1:P')
    .replace(/\b(id|fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|tot-mem|rbs|rbp|obl|oll|omem|events|tot-net-in|tot-net-out|tot-cmds|client-id)=\d+/g, '$1=N');
}

/** ACL LOG entries as field → value, without the times (age, timestamps). */
async function aclLog(admin: RawClient): Promise<Record<string, string>[]> {
  const entries = decodeReply(Buffer.from(await admin.call('ACL', 'LOG', '128'), 'latin1')) as ReplyValue[][];
  return entries.map((e) => {
    const o: Record<string, string> = {};
    for (let i = 0; i < e.length; i += 2) {
      const k = String(e[i]);
      if (k === 'age-seconds' || k.startsWith('timestamp-')) continue;
      o[k] = normalize(String(e[i + 1]));
    }
    return o;
  });
}

/** Each connection's address, flags and user, from CLIENT LIST (sorted: ids differ). */
function clientFlags(list: string): string[] {
  return list
    .split('\n')
    .filter((l) => l.includes('addr='))
    .map((l) => normalize(['addr', 'flags', 'user', 'cmd'].map((f) => new RegExp(`\\b${f}=\\S*`).exec(l)?.[0] ?? '').join(' ')))
    .sort();
}

function infoFields(info: string, prefix: RegExp): string[] {
  return info.split('\r\n').filter((l) => prefix.test(l));
}

/** Upstream INFO stats: AUTH failures and ACL denials it saw (the gateway's own login aside). */
async function upstreamDenials(): Promise<string[]> {
  return infoFields(await direct.info('stats'), /^acl_access_denied_/);
}

const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
const APP_PASS = 'Edge-App-Pass-8';
const ADMIN_PASS = 'Edge-Admin-Pass-5';

test('AUTH brute force through the gateway: the throttle answers, flags, counts, logs and alerts exactly as standalone; no guess reaches the upstream', { skip, timeout: 30_000 }, async () => {
  const front = [
    ['user', 'default', 'off'],
    ['user', 'admin', 'on', `>${ADMIN_PASS}`, '~*', '&*', '+@all'],
    ['user', 'app', 'on', `>${APP_PASS}`, '~bf:*', '+@all', '-@dangerous'],
    ['auth-throttle-exempt-loopback', 'no'],
    ['auth-throttle-free-failures', '2'],
    ['auth-throttle-checks-per-minute', '6'],
    ['auth-throttle-max-wait', '200'],
    ['auth-throttle-max-delay', '200'],
    ['auth-throttle-max-unauthenticated', '3'],
    ['auth-spike-source-threshold', '4'],
    ['auth-spike-threshold', '0'],
  ];
  const sides = await startPair('throttle', front);
  const before = await upstreamDenials();
  try {
    const transcripts = await Promise.all(
      sides.map(async (side) => {
        const port = side.srv.port;
        const out: string[] = [];
        const admin = await RawClient.connect(port, '127.0.0.1', '127.0.0.3');
        const attacker = await RawClient.connect(port, '127.0.0.1');
        const others: RawClient[] = [];
        try {
          out.push(await admin.call('AUTH', 'admin', ADMIN_PASS));
          // not logged in: a data command is refused at the edge
          out.push(await attacker.call('GET', 'bf:1'));
          for (let i = 0; i < 8; i++) {
            const guess = `guess-${i}-Tr0ub4dor`;
            // the last guess through HELLO's AUTH: throttled as AUTH is
            attacker.write(RawClient.encode(i === 7 ? ['HELLO', '2', 'AUTH', 'app', guess] : ['AUTH', 'app', guess]));
            out.push(await attacker.readReply(10_000));
          }
          // the cap on unauthenticated connections from one address (3): the 4th is refused at admission
          for (let i = 0; i < 3; i++) others.push(await RawClient.connect(port, '127.0.0.1'));
          out.push(JSON.stringify(await others[2]!.readReply(3000).catch((e: Error) => e.message)));
          out.push(String(await others[2]!.waitClosed()));
          out.push(await others[0]!.call('PING'));
          // another address is not touched
          const legit = await RawClient.connect(port, '127.0.0.1', '127.0.0.2');
          others.push(legit);
          out.push(await legit.call('AUTH', 'app', APP_PASS));
          out.push(await legit.call('SET', 'bf:1', 'v'));
          out.push(await legit.call('GET', 'bf:1'));
          out.push(await admin.call('AUTHTHROTTLE', 'LIST'));
          out.push(...clientFlags(await admin.call('CLIENT', 'LIST')));
          // (the longest wait is a measured time: not compared)
          out.push(...infoFields(await admin.call('INFO', 'security'), /^auth_(?!throttle_longest_wait_ms)/));
          // the right password from the attacker's own connection still gets in
          attacker.write(RawClient.encode(['AUTH', 'app', APP_PASS]));
          out.push(await attacker.readReply(10_000));
          out.push(await attacker.call('GET', 'bf:1'));
          out.push(await attacker.call('GET', 'secret:1'));
          out.push(await admin.call('AUTHTHROTTLE', 'CLEAR', '127.0.0.1'));
          out.push(await admin.call('AUTHTHROTTLE', 'LIST'));
          return { out, acl: await aclLog(admin) };
        } finally {
          admin.close();
          attacker.close();
          for (const o of others) o.close();
        }
      }),
    );
    const [standalone, gateway] = transcripts;
    assert.match(standalone!.out.join(''), /WRONGPASS[\s\S]*too many unauthenticated connections[\s\S]*\$6\r\nsource\r\n\$9\r\n127\.0\.0\.1/, 'the attack was throttled at all');
    assert.deepEqual(gateway!.out, standalone!.out);
    assert.ok(standalone!.acl.some((e) => e['reason'] === 'auth') && standalone!.acl.some((e) => e['reason'] === 'key'));
    assert.deepEqual(gateway!.acl, standalone!.acl);
    const types = /^(auth-|acl-)/;
    const events = await eventsOf(sides[0], types);
    for (const t of ['auth-failure', 'auth-throttled', 'auth-spike-start', 'auth-success', 'acl-denied']) assert.ok(events.some((e) => e.includes(`"type":"${t}"`)), t);
    assert.deepEqual(await eventsOf(sides[1], types), events);
    const lines = /authentication|unauthenticated|AUTH/;
    assert.deepEqual(logOf(sides[1], lines), logOf(sides[0], lines));
    assert.ok(logOf(sides[0], /Too many failed authentications from 127\.0\.0\.1/).length > 0);
    assert.deepEqual(await metricsOf(sides[1]), await metricsOf(sides[0]));
    assert.ok((await metricsOf(sides[0])).includes('redoubt_auth_throttle_delayed_replies_total 6'));
    // nothing of the attack reached the upstream
    assert.deepEqual(await upstreamDenials(), before);
  } finally {
    await closePair(sides);
  }
});


test('mutual TLS at the gateway: bad certificates refused before any command; a valid one logs in as the user its CN names, as standalone', { skip, timeout: 30_000 }, async () => {
  const front = [
    ...tlsDirectives(pki, 'yes'),
    ['tls-auth-clients-user', 'cn'],
    ['user', 'app-client', 'on', '>pw', 'tls-cert-required', '~tls:*', '+@all', '-@dangerous'],
  ];
  const sides = await startPair('mtls', front, { tls: true });
  const stranger = pki.issue('gw-stranger', '/CN=nobody-here');
  try {
    const results: { out: string[]; acl: Record<string, string>[] }[] = [];
    for (const side of sides) {
      const tlsPort = side.srv.server.network.port('tls')!;
      const out: string[] = [];
      const attack = 'SET tls:pwned 1\r\n';
      const none = await tlsAttempt(tlsPort, { ca: pki.caCert, request: attack });
      const expired = await tlsAttempt(tlsPort, { ca: pki.caCert, cert: pki.expiredClientCert, key: pki.expiredClientKey, request: attack });
      const foreign = await tlsAttempt(tlsPort, { ca: pki.caCert, cert: pki.otherClientCert, key: pki.otherClientKey, request: attack });
      const selfSigned = await tlsAttempt(tlsPort, { ca: pki.caCert, cert: pki.selfSignedCert, key: pki.selfSignedKey, request: attack });
      for (const [name, a] of Object.entries({ none, expired, foreign, selfSigned })) out.push(`${name}: ${JSON.stringify(a.reply)}`);
      out.push(`rejected ${side.srv.server.stats.tlsRejectedConnections}`);
      // the valid certificate: logged in as app-client, its key pattern enforced
      const good = await tlsAttempt(tlsPort, {
        ca: pki.caCert,
        cert: pki.clientCert,
        key: pki.clientKey,
        request: 'ACL WHOAMI\r\nSET tls:1 v\r\nGET tls:1\r\nGET other:1\r\n',
        waitForBytes: '$10\r\napp-client\r\n+OK\r\n$1\r\nv\r\n-NOPERM No permissions to access a key\r\n'.length,
      });
      out.push(good.reply);
      const s = await tlsAttempt(tlsPort, { ca: pki.caCert, cert: stranger.cert, key: stranger.key, request: 'ACL WHOAMI\r\n', waitForBytes: 13 });
      out.push(s.reply);
      // a password login as the certificate-only user is refused, on TCP as on TLS
      const plain = await RawClient.connect(side.srv.port);
      out.push(await plain.call('AUTH', 'app-client', 'pw'));
      out.push(...logOf(side, /client certificate rejected|peer did not return a certificate/).map((l) => l.replace(/: .*(peer did not return a certificate).*/, ': $1')));
      results.push({ out, acl: await aclLog(plain) });
      plain.close();
    }
    const [standalone, gateway] = results;
    assert.match(standalone!.out.join('\n'), /none: ""\nexpired: ""\nforeign: ""\nselfSigned: ""\nrejected 4\n\$10\r\napp-client\r\n\+OK\r\n\$1\r\nv\r\n-NOPERM No permissions to access a key\r\n\n\$7\r\ndefault\r\n/);
    assert.deepEqual(gateway!.out, standalone!.out);
    assert.ok(standalone!.acl.some((e) => e['reason'] === 'tls-cert' && e['object'] === 'nobody-here'));
    assert.deepEqual(gateway!.acl, standalone!.acl);
    const types = /^(auth-|acl-|tls-)/;
    assert.deepEqual(await eventsOf(sides[1], types), await eventsOf(sides[0], types));
    assert.deepEqual(await metricsOf(sides[1]), await metricsOf(sides[0]));
    // the refused clients' commands never reached the upstream; the valid one's did
    assert.equal(await direct.exists('tls:pwned'), 0);
    assert.equal(await direct.get('tls:1'), 'v');
  } finally {
    await closePair(sides);
  }
});

test('ACL at the edge: NOPERM texts, ACL LOG entries and events for key patterns, channel patterns, selectors and subcommands are those of a standalone Redoubt; the upstream sees no denied command', { skip, timeout: 30_000 }, async () => {
  const rules = ['on', '>acl-pw', '%R~ro:*', '%W~wo:*', '~acl:*', '&news.*', '+@all', '-@dangerous', '-client|kill', '+client|id', '(~sel:* +get +ttl)', '(&sel.* +publish)'];
  const front = [['user', 'app', ...rules]];
  const sides = await startPair('acl', front);
  const script: string[][] = [
    ['SET', 'acl:1', 'v'],
    ['GET', 'acl:1'],
    ['GET', 'other:1'],
    ['SET', 'other:1', 'x'],
    ['GET', 'ro:1'],
    ['SET', 'ro:1', 'x'],
    ['SET', 'wo:1', 'x'],
    ['GET', 'wo:1'],
    ['GET', 'sel:1'],
    ['TTL', 'sel:1'],
    ['SET', 'sel:1', 'x'],
    ['MGET', 'acl:1', 'other:1'],
    ['MSET', 'acl:2', 'a', 'wo:2', 'b'],
    ['MSET', 'acl:2', 'a', 'ro:2', 'b'],
    ['LMOVE', 'acl:l', 'other:l', 'LEFT', 'LEFT'],
    ['COPY', 'acl:1', 'other:c'],
    ['OBJECT', 'ENCODING', 'other:1'],
    ['EVAL', 'return 1', '1', 'other:e'],
    ['BLPOP', 'other:l', '0.01'],
    ['XREAD', 'COUNT', '1', 'STREAMS', 'other:s', '0'],
    ['PUBLISH', 'news.today', 'hi'],
    ['PUBLISH', 'sports', 'x'],
    ['PUBLISH', 'sel.1', 'x'],
    ['SPUBLISH', 'sports', 'x'],
    ['FLUSHALL'],
    ['KEYS', '*'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CLIENT', 'KILL', 'ID', '999999'],
    ['CLIENT', 'ID'],
    ['ACL', 'WHOAMI'],
    ['MULTI'],
    ['SET', 'acl:t', '1'],
    ['GET', 'other:t'],
    ['EXEC'],
    ['SUBSCRIBE', 'sports'],
    ['PSUBSCRIBE', 'news.*', 'sp*'],
    ['SUBSCRIBE', 'news.today'],
  ];
  try {
    const results: { out: string[]; acl: Record<string, string>[] }[] = [];
    for (const side of sides) {
      const c = await RawClient.connect(side.srv.port);
      const admin = await RawClient.connect(side.srv.port);
      const out: string[] = [await c.call('AUTH', 'app', 'acl-pw')];
      // CLIENT ID differs by nature: its reply is only checked to be an integer
      for (const argv of script) out.push(argv[1] === 'ID' ? (await c.call(...argv)).replace(/\d+/, 'N') : await c.call(...argv));
      out.push(await admin.call('ACL', 'DRYRUN', 'app', 'GET', 'other:9'));
      out.push(await admin.call('ACL', 'DRYRUN', 'app', 'PUBLISH', 'sel.2', 'x'));
      results.push({ out, acl: await aclLog(admin) });
      c.close();
      admin.close();
    }
    const [standalone, gateway] = results;
    const text = standalone!.out.join('');
    assert.match(text, /-NOPERM No permissions to access a key/);
    assert.match(text, /-NOPERM No permissions to access a channel/);
    assert.match(text, /-NOPERM User app has no permissions to run the 'flushall' command/);
    assert.match(text, /-NOPERM User app has no permissions to run the 'client\|kill' command/);
    assert.match(text, /-EXECABORT/);
    for (let i = 0; i < standalone!.out.length; i++) assert.equal(gateway!.out[i], standalone!.out[i], `reply ${i}: ${JSON.stringify(['AUTH', ...script.map((a) => a.join(' '))][i])}`);
    assert.deepEqual(gateway!.out, standalone!.out);
    assert.ok(standalone!.acl.length >= 16, `${standalone!.acl.length} ACL LOG entries`);
    assert.deepEqual(gateway!.acl, standalone!.acl);
    const types = /^acl-denied$/;
    const events = await eventsOf(sides[0], types);
    assert.ok(events.length >= 16, `${events.length} acl-denied events`);
    assert.deepEqual(await eventsOf(sides[1], types), events);
    assert.deepEqual(await metricsOf(sides[1]), await metricsOf(sides[0]));
    // the denied writes never reached the upstream
    for (const k of ['other:1', 'ro:1', 'sel:1', 'other:c', 'other:t', 'acl:t', 'ro:2']) assert.equal(await direct.exists(k), 0, k);
    assert.equal(await direct.get('acl:1'), 'v');
    assert.equal(await direct.get('wo:1'), 'x');
  } finally {
    await closePair(sides);
  }
});
