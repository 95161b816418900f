/** `redoubt certs`: a dev CA, server and client certificates openssl verifies, keys 0600. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { runCli } from '../helpers/cli.js';

test('certs: openssl verifies the chain, SANs and CN are as asked, keys are owner-only', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-cli-certs-')), 'tls');
  try {
    const r = await runCli(['certs', '--out-dir', dir, '--host', 'redis.internal', '--ip', '10.0.5.15', '--ip', '127.0.0.1', '--client-user', 'app_cache', '--days', '30']);
    assert.equal(r.code, 0, r.stderr);
    const f = (n: string): string => path.join(dir, n);
    for (const key of ['ca.key', 'server.key', 'client.key']) assert.equal(fs.statSync(f(key)).mode & 0o777, 0o600, key);
    const verify = execFileSync('openssl', ['verify', '-CAfile', f('ca.crt'), f('server.crt'), f('client.crt')], { encoding: 'utf8' });
    assert.match(verify, /server\.crt: OK/);
    assert.match(verify, /client\.crt: OK/);
    assert.match(execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', f('ca.crt'), f('server.crt')], { encoding: 'utf8' }), /OK/);
    assert.match(execFileSync('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', f('ca.crt'), f('client.crt')], { encoding: 'utf8' }), /OK/);
    const san = execFileSync('openssl', ['x509', '-in', f('server.crt'), '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
    assert.match(san, /DNS:redis\.internal/);
    assert.match(san, /IP Address:10\.0\.5\.15/);
    assert.match(san, /IP Address:127\.0\.0\.1/);
    assert.match(execFileSync('openssl', ['x509', '-in', f('client.crt'), '-noout', '-subject'], { encoding: 'utf8' }), /CN ?= ?app_cache/);
    // A client certificate does not verify against some other CA.
    const other = path.join(path.dirname(dir), 'other');
    assert.equal((await runCli(['certs', '--out-dir', other])).code, 0);
    assert.throws(() => execFileSync('openssl', ['verify', '-CAfile', path.join(other, 'ca.crt'), f('client.crt')], { stdio: 'pipe' }));

    // A real mutual-TLS handshake with these files: the server sees the client's CN.
    const server = tls.createServer({ cert: fs.readFileSync(f('server.crt')), key: fs.readFileSync(f('server.key')), ca: fs.readFileSync(f('ca.crt')), requestCert: true, rejectUnauthorized: true }, (s) => {
      s.end(String(s.getPeerCertificate().subject?.CN));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const cn = await new Promise<string>((resolve, reject) => {
        const c = tls.connect({ host: '127.0.0.1', port, ca: fs.readFileSync(f('ca.crt')), cert: fs.readFileSync(f('client.crt')), key: fs.readFileSync(f('client.key')) });
        let got = '';
        c.on('data', (d: Buffer) => (got += d.toString('utf8')));
        c.on('end', () => resolve(got));
        c.on('error', reject);
      });
      assert.equal(cn, 'app_cache');
    } finally {
      server.close();
    }

    // Existing files are kept unless --force.
    const again = await runCli(['certs', '--out-dir', dir]);
    assert.equal(again.code, 2);
    const forced = await runCli(['certs', '--out-dir', dir, '--force']);
    assert.equal(forced.code, 0);
  } finally {
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('certs: bad arguments exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redoubt-cli-certs-bad-'));
  try {
    for (const args of [['--ip', 'nope'], ['--days', '0'], ['--host', 'bad host'], ['--client-user', 'a b']]) {
      const r = await runCli(['certs', '--out-dir', path.join(dir, 'x'), ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(!fs.existsSync(path.join(dir, 'x', 'ca.key')), args.join(' '));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
