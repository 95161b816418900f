/**
 * Redoubt's ACL extensions, all Redis-compatible in form (ACL rules that no Redis rule can
 * be confused with; users without them describe exactly as in Redis):
 * - `source:<cidr>` / `source:any`: networks a user may log in from;
 * - `tls-cert-required`: the user logs in only with a client certificate;
 * - `tls-auth-clients-user cn|uri|dns|email`: certificate login, the identity naming the user.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTestPki, tlsDirectives } from '../helpers/tls-certs.js';
import { tlsAttempt } from '../helpers/tls-client.js';

const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';

test('source:<cidr> limits where a user may log in from, and round-trips through LIST/GETUSER/SAVE/LOAD', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-aclx-'));
  const aclfile = join(dir, 'users.acl');
  writeFileSync(aclfile, 'user default on nopass ~* &* +@all\n');
  const srv = await startTestServer({ config: [['aclfile', aclfile], ['auth-throttle', 'no']] });
  const admin = await RawClient.connect(srv.port);
  try {
    assert.equal(await admin.call('ACL', 'SETUSER', 'app', 'on', '>pw', 'source:127.0.0.2', 'source:10.0.0.0/8', '~*', '+@all'), '+OK\r\n');
    const fromOne = await RawClient.connect(srv.port, '127.0.0.1');
    const fromTwo = await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.2');
    assert.equal(await fromOne.call('AUTH', 'app', 'pw'), WRONGPASS, 'the right password from another network is refused');
    assert.equal(await fromTwo.call('AUTH', 'app', 'pw'), '+OK\r\n');
    fromOne.close();
    fromTwo.close();
    assert.match(await admin.call('ACL', 'LOG', '1'), /\$4\r\nauth\r\n[\s\S]*\$3\r\napp\r\n/);
    // descriptions: canonical CIDR text, after the passwords
    const list = await admin.call('ACL', 'LIST');
    assert.match(list, /user app on sanitize-payload #[0-9a-f]{64} source:127\.0\.0\.2\/32 source:10\.0\.0\.0\/8 ~\* resetchannels \+@all/);
    assert.match(await admin.call('ACL', 'GETUSER', 'app'), /\$7\r\nsources\r\n\*2\r\n\$12\r\n127\.0\.0\.2\/32\r\n\$10\r\n10\.0\.0\.0\/8\r\n$/);
    assert.doesNotMatch(await admin.call('ACL', 'GETUSER', 'default'), /sources/, 'users without the extension answer exactly as in Redis');
    // errors and resets
    assert.equal(
      await admin.call('ACL', 'SETUSER', 'app', 'source:10.0.0.300'),
      "-ERR Error in ACL SETUSER modifier 'source:10.0.0.300': The source must be 'any' or an IPv4/IPv6 address or CIDR block (source:10.0.0.0/8)\r\n",
    );
    // SAVE and LOAD keep it
    assert.equal(await admin.call('ACL', 'SAVE'), '+OK\r\n');
    assert.match(readFileSync(aclfile, 'latin1'), /source:127\.0\.0\.2\/32 source:10\.0\.0\.0\/8/);
    assert.equal(await admin.call('ACL', 'SETUSER', 'app', 'source:any'), '+OK\r\n');
    assert.doesNotMatch(await admin.call('ACL', 'LIST'), /source:/);
    assert.equal(await admin.call('ACL', 'LOAD'), '+OK\r\n');
    assert.match(await admin.call('ACL', 'LIST'), /source:127\.0\.0\.2\/32/);
    assert.equal(await admin.call('ACL', 'SETUSER', 'app', 'reset'), '+OK\r\n');
    assert.match(await admin.call('ACL', 'LIST'), /user app off sanitize-payload resetchannels -@all\r\n/);
    // a restricted default user: a new connection from elsewhere is not logged in implicitly
    assert.equal(await admin.call('ACL', 'SETUSER', 'default', 'source:127.0.0.1'), '+OK\r\n');
    const other = await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.3');
    assert.equal(await other.call('PING'), '-NOAUTH Authentication required.\r\n');
    other.close();
    assert.equal(await (await RawClient.connect(srv.port, '127.0.0.1')).call('PING'), '+PONG\r\n');
  } finally {
    admin.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('certificate login: the CN (or a SAN entry) names the user; tls-cert-required refuses passwords', async () => {
  const pki = makeTestPki();
  const srv = await startTestServer({
    tlsPort: 0,
    config: [...tlsDirectives(pki, 'optional'), ['tls-auth-clients-user', 'cn'], ['user', 'app-client', 'on', '>pw', 'tls-cert-required', '~*', '+@all']],
  });
  try {
    const tlsPort = srv.server.network.port('tls')!;
    // the client certificate's CN is app-client: logged in as that user, no AUTH needed
    const who = await tlsAttempt(tlsPort, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, request: 'ACL WHOAMI\r\n', waitForBytes: 16 });
    assert.equal(who.reply, '$10\r\napp-client\r\n');
    // without a certificate the connection is the default user; a password login as the
    // certificate-only user is refused
    const plain = await RawClient.connect(srv.port);
    assert.equal(await plain.call('AUTH', 'app-client', 'pw'), WRONGPASS);
    assert.match(await plain.call('ACL', 'GETUSER', 'app-client'), /tls-cert-required/);
    // a certificate naming no user is logged with reason tls-cert, and stays the default user
    const stranger = pki.issue('stranger', '/CN=nobody-here');
    const s = await tlsAttempt(tlsPort, { ca: pki.caCert, cert: stranger.cert, key: stranger.key, request: 'ACL WHOAMI\r\n', waitForBytes: 13 });
    assert.equal(s.reply, '$7\r\ndefault\r\n');
    assert.match(await plain.call('ACL', 'LOG', '1'), /\$8\r\ntls-cert\r\n[\s\S]*\$11\r\nnobody-here\r\n/);
    // SAN identities: with `uri`, the URI entry names the user
    assert.equal(await plain.call('CONFIG', 'SET', 'tls-auth-clients-user', 'uri'), '+OK\r\n');
    assert.equal(await plain.call('ACL', 'SETUSER', 'svc', 'on', 'nopass', '~*', '+@all'), '+OK\r\n');
    const svc = pki.issue('svc', '/CN=ignored', { san: 'URI:svc' });
    const u = await tlsAttempt(tlsPort, { ca: pki.caCert, cert: svc.cert, key: svc.key, request: 'ACL WHOAMI\r\n', waitForBytes: 9 });
    assert.equal(u.reply, '$3\r\nsvc\r\n');
    plain.close();
  } finally {
    await srv.close();
    pki.cleanup();
  }
});

test('RESET logs in as the default user only where a new connection would be', async () => {
  const srv = await startTestServer({ config: [['user', 'default', 'on', 'nopass', 'source:127.0.0.1', '~*', '&*', '+@all'], ['user', 'app', 'on', '>pw', '~*', '+@all']] });
  try {
    const other = await RawClient.connect(srv.port, '127.0.0.1', '127.0.0.5');
    assert.equal(await other.call('PING'), '-NOAUTH Authentication required.\r\n');
    assert.equal(await other.call('AUTH', 'app', 'pw'), '+OK\r\n');
    assert.equal(await other.call('PING'), '+PONG\r\n');
    assert.equal(await other.call('RESET'), '+RESET\r\n');
    assert.equal(await other.call('PING'), '-NOAUTH Authentication required.\r\n', 'RESET does not open the door from elsewhere');
    other.close();
    const local = await RawClient.connect(srv.port, '127.0.0.1');
    assert.equal(await local.call('RESET'), '+RESET\r\n');
    assert.equal(await local.call('PING'), '+PONG\r\n');
    local.close();
  } finally {
    await srv.close();
  }
});
