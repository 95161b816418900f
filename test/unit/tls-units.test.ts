import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:crypto';
import { certificateIdentities, parseSubjectAltName } from '../../src/tls/cert-identity.js';
import { dhParamsError, parseTlsProtocols } from '../../src/tls/tls-config.js';
import { TlsSessionCache } from '../../src/tls/session-cache.js';

test('certificateIdentities: CN (one or several) and SAN URI / DNS / email; IPs and others ignored', () => {
  assert.deepEqual(
    certificateIdentities({
      subject: { CN: 'app-user', O: 'Acme' },
      subjectaltname: 'DNS:app.example.com, URI:spiffe://example.org/ns/prod/sa/app, email:ops@example.com, IP Address:10.0.0.1, DNS:alt.example.com',
    }),
    { cn: ['app-user'], uri: ['spiffe://example.org/ns/prod/sa/app'], dns: ['app.example.com', 'alt.example.com'], email: ['ops@example.com'] },
  );
  assert.deepEqual(certificateIdentities({ subject: { CN: ['a', 'b'] } }), { cn: ['a', 'b'], uri: [], dns: [], email: [] });
  assert.deepEqual(certificateIdentities({}), { cn: [], uri: [], dns: [], email: [] });
  assert.deepEqual(certificateIdentities(null), { cn: [], uri: [], dns: [], email: [] });
});

test('parseSubjectAltName decodes quoted values, so a comma inside a name cannot forge an entry', () => {
  assert.deepEqual(parseSubjectAltName('DNS:"evil.com, URI:spiffe://admin", DNS:ok.com'), [
    ['DNS', 'evil.com, URI:spiffe://admin'],
    ['DNS', 'ok.com'],
  ]);
  assert.deepEqual(parseSubjectAltName('email:"a\\"b@x"'), [['email', 'a"b@x']]);
  // an unterminated literal: nothing after it is trusted
  assert.deepEqual(parseSubjectAltName('DNS:a.com, URI:"spiffe://x'), [['DNS', 'a.com']]);
  assert.deepEqual(parseSubjectAltName(''), []);
});

test('tls-protocols: default 1.2+1.3, ranges, gaps closed with SSL_OP_NO_*, bad names refused', () => {
  assert.deepEqual(parseTlsProtocols(''), { min: 'TLSv1.2', max: 'TLSv1.3', secureOptions: 0 });
  assert.deepEqual(parseTlsProtocols('tlsv1.3'), { min: 'TLSv1.3', max: 'TLSv1.3', secureOptions: 0 });
  assert.deepEqual(parseTlsProtocols('TLSv1.2'), { min: 'TLSv1.2', max: 'TLSv1.2', secureOptions: 0 });
  assert.deepEqual(parseTlsProtocols('TLSv1 TLSv1.3'), {
    min: 'TLSv1',
    max: 'TLSv1.3',
    secureOptions: constants.SSL_OP_NO_TLSv1_1 | constants.SSL_OP_NO_TLSv1_2,
  });
  assert.deepEqual(parseTlsProtocols('TLSv1.2 SSLv3'), {
    error: "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.",
  });
});

test('TLS session cache: bounded (oldest evicted), expires, 0 = unbounded', () => {
  let now = 1000;
  const c = new TlsSessionCache(2, 500, () => now);
  const id = (n: number) => Buffer.from([n]);
  c.set(id(1), Buffer.from('a'));
  c.set(id(2), Buffer.from('b'));
  c.set(id(3), Buffer.from('c'));
  assert.equal(c.size, 2);
  assert.equal(c.get(id(1)), null);
  assert.equal(c.get(id(3))?.toString(), 'c');
  now += 500;
  assert.equal(c.get(id(3)), null, 'expired at the timeout');
  const u = new TlsSessionCache(0, 1000, () => now);
  for (let i = 0; i < 100; i++) u.set(id(i), Buffer.from('x'));
  assert.equal(u.size, 100);
});

test('dhParamsError: PKCS#3 / X9.42 PEM with a prime of 1024+ bits accepted, anything else named', () => {
  const pem = (label: string, der: Buffer) => Buffer.from(`-----BEGIN ${label}-----\n${der.toString('base64')}\n-----END ${label}-----\n`);
  const int = (bytes: Buffer) => Buffer.concat([Buffer.from([0x02]), derLen(bytes.length), bytes]);
  const seq = (...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    return Buffer.concat([Buffer.from([0x30]), derLen(body.length), body]);
  };
  const prime = (bits: number) => Buffer.concat([Buffer.from([0x00, 0x80]), Buffer.alloc(bits / 8 - 1, 0xff)]);
  assert.equal(dhParamsError(pem('DH PARAMETERS', seq(int(prime(2048)), int(Buffer.from([2]))))), null);
  assert.equal(dhParamsError(pem('X9.42 DH PARAMETERS', seq(int(prime(1024)), int(Buffer.from([2])), int(prime(256))))), null);
  assert.equal(dhParamsError(pem('DH PARAMETERS', seq(int(prime(512)), int(Buffer.from([2]))))), 'the prime has 512 bits, fewer than 1024');
  assert.equal(dhParamsError(pem('DH PARAMETERS', seq(int(prime(2048))))), 'the generator is missing');
  assert.equal(dhParamsError(pem('DH PARAMETERS', Buffer.from([0x02, 0x01, 0x02]))), 'not a DER SEQUENCE');
  assert.equal(dhParamsError(Buffer.from('junk')), 'no PEM DH PARAMETERS block found');
});

function derLen(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  return n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
}
