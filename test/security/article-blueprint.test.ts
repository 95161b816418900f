/**
 * The article's configuration blocks (Step 1 network isolation, Step 3 TLS with mTLS,
 * Step 4 command renaming) start the real `redoubt-server` unchanged — only the private
 * address (a network-namespace test host's instead of 10.0.5.15), the port number and
 * the certificate paths are this machine's — and behave as the article says; Step 2's
 * ACL commands are then typed with redis-cli, and a remote app node works over mTLS.
 */
// npm test: serial — network namespaces
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/redis-oracle.js';
import { createTestHost } from '../helpers/netns.js';
import { makeTestPki } from '../helpers/tls-certs.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

function cli(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('redis-cli', args, { encoding: 'latin1', timeout: 5000 }, (_e, out, err) => resolve(out + err)));
}

test("the article's Step 1/3/4 config blocks start Redoubt unchanged and behave as described", async (t) => {
  const host = createTestHost({ block: 19 });
  if (host === null) {
    t.skip('!!! SKIPPED: needs root and `ip netns` for the private address of Step 1');
    return;
  }
  const pki = makeTestPki();
  const server = pki.issue('blueprint-server', '/CN=redis', { san: `DNS:localhost,IP:127.0.0.1,IP:${host.hostAddress}` });
  const appClient = pki.issue('app-node', '/CN=app-node');
  const dir = mkdtempSync(join(tmpdir(), 'redoubt-article-'));
  const port = await freePort();
  const conf = join(dir, 'redis.conf');
  writeFileSync(
    conf,
    [
      '# Step 1: Network Isolation',
      '# Only listen on the local loopback and the internal private network',
      `bind 127.0.0.1 ${host.hostAddress}`,
      '# Ensure protected mode is active',
      'protected-mode yes',
      '# Step 3: Encrypting Traffic with TLS',
      '# Close the insecure port',
      'port 0',
      '# Open the TLS port',
      `tls-port ${port}`,
      `tls-cert-file ${server.cert}`,
      `tls-key-file ${server.key}`,
      `tls-ca-cert-file ${pki.caCert}`,
      '# Enforce Mutual TLS (mTLS)',
      'tls-auth-clients yes',
      '# Step 4: Command Renaming (The Last Resort)',
      'rename-command FLUSHALL "MGMT_FLUSH_8831"',
      'rename-command CONFIG "MGMT_CONFIG_2219"',
      'rename-command SHUTDOWN ""',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [MAIN, conf], { stdio: ['ignore', 'pipe', 'pipe'], cwd: scratchDir() });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString('latin1')));
  child.stderr.on('data', (d: Buffer) => (log += d.toString('latin1')));
  const tlsLocal = ['--tls', '--cacert', pki.caCert, '--cert', pki.clientCert, '--key', pki.clientKey, '-h', '127.0.0.1', '-p', String(port)];
  const tlsRemote = ['redis-cli', '--tls', '--cacert', pki.caCert, '--cert', appClient.cert, '--key', appClient.key, '-h', host.hostAddress, '-p', String(port)];
  try {
    for (let i = 0; i < 100 && !/Ready to accept connections tls/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(log, /Ready to accept connections tls/, log);
    // Step 3: no plaintext port; TLS needs a client certificate signed by the CA
    const plain = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString('latin1')));
      s.on('error', () => resolve(got));
      s.on('close', () => resolve(got));
      setTimeout(() => {
        s.destroy();
        resolve(got);
      }, 1500);
    });
    assert.doesNotMatch(plain, /PONG/, 'plaintext is not served');
    assert.doesNotMatch(await cli(['--tls', '--cacert', pki.caCert, '-h', '127.0.0.1', '-p', String(port), 'PING']), /PONG/);
    assert.equal((await cli([...tlsLocal, 'PING'])).trim(), 'PONG');
    // Step 1: the private address is bound; protected mode refuses the remote node while
    // the default user is open
    assert.match(await host.exec(tlsRemote[0]!, [...tlsRemote.slice(1), 'PING']), /DENIED Redis is running in protected mode/);
    // Step 4: renamed and removed commands
    assert.match(await cli([...tlsLocal, 'FLUSHALL']), /unknown command 'FLUSHALL'/);
    assert.match(await cli([...tlsLocal, 'CONFIG', 'GET', 'port']), /unknown command 'CONFIG'/);
    assert.match(await cli([...tlsLocal, 'SHUTDOWN']), /unknown command 'SHUTDOWN'/);
    assert.match(await cli([...tlsLocal, 'MGMT_CONFIG_2219', 'GET', 'tls-port']), new RegExp(`tls-port\\n${port}`));
    // Step 2: the operator's ACL commands, typed as the article types them
    assert.equal((await cli([...tlsLocal, 'ACL', 'SETUSER', 'app_cache', 'on', '>StrongPassword123!', '~cache:*', '+@all', '-@dangerous'])).trim(), 'OK');
    assert.equal((await cli([...tlsLocal, 'ACL', 'SETUSER', 'default', 'off'])).trim(), 'OK');
    // the remote app node now connects over mTLS and works within its scope
    const app = [...tlsRemote.slice(1), '--user', 'app_cache', '--pass', 'StrongPassword123!', '--no-auth-warning'];
    assert.equal((await host.exec('redis-cli', [...app, 'SET', 'cache:k', 'v'])).trim(), 'OK');
    assert.equal((await host.exec('redis-cli', [...app, 'GET', 'cache:k'])).trim(), 'v');
    assert.match(await host.exec('redis-cli', [...app, 'MGMT_FLUSH_8831']), /NOPERM/);
    assert.match(await host.exec('redis-cli', [...tlsRemote.slice(1), 'PING']), /NOAUTH/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    host.destroy();
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
