import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCidr, parseAllowlistArgs, parseCidr, parseIp, SourceAllowlist } from '../../src/security/source-allowlist.js';

test('parseIp: IPv4, IPv6, IPv4-mapped folded to IPv4, zone ids dropped, garbage rejected', () => {
  assert.deepEqual(parseIp('10.1.2.3'), { family: 4, value: 0x0a010203n });
  assert.deepEqual(parseIp('::ffff:10.1.2.3'), { family: 4, value: 0x0a010203n });
  assert.deepEqual(parseIp('::ffff:a01:203'), { family: 4, value: 0x0a010203n });
  assert.deepEqual(parseIp('::1'), { family: 6, value: 1n });
  assert.deepEqual(parseIp('2001:db8::'), { family: 6, value: 0x20010db8n << 96n });
  assert.deepEqual(parseIp('fe80::1%eth0'), { family: 6, value: (0xfe80n << 112n) | 1n });
  assert.equal(parseIp('10.1.2'), null);
  assert.equal(parseIp('example.com'), null);
  assert.equal(parseIp(''), null);
});

test('parseCidr normalizes host bits, bare addresses are single hosts, mapped blocks become IPv4', () => {
  const norm = (t: string) => {
    const b = parseCidr(t);
    return 'error' in b ? b.error : formatCidr(b);
  };
  assert.equal(norm('10.1.2.3/8'), '10.0.0.0/8');
  assert.equal(norm('10.1.2.3'), '10.1.2.3/32');
  assert.equal(norm('0.0.0.0/0'), '0.0.0.0/0');
  assert.equal(norm('2001:DB8:0:0:1::/32'), '2001:db8::/32');
  assert.equal(norm('::1'), '::1/128');
  assert.equal(norm('::/0'), '::/0');
  assert.equal(norm('::ffff:192.168.0.0/112'), '192.168.0.0/16');
  assert.equal(norm('fe80:0:0:0:1:0:0:1/128'), 'fe80::1:0:0:1/128');
  assert.match(norm('10.0.0.0/33'), /invalid prefix length \(0-32\)/);
  assert.match(norm('::/129'), /invalid prefix length \(0-128\)/);
  assert.match(norm('10.0.0.0/'), /invalid prefix length/);
  assert.match(norm('10.0.0.0/-1'), /invalid prefix length/);
  assert.match(norm('10.0.0.0/8/8'), /invalid prefix length/);
  assert.match(norm('::ffff:10.0.0.0/64'), /IPv4-mapped/);
  assert.match(norm('localhost'), /not an IPv4 or IPv6 address/);
  assert.match(norm('10.0.0.256/8'), /not an IPv4 or IPv6 address/);
});

test('parseAllowlistArgs: canonical, deduplicated, "" clears, first bad block is the error', () => {
  assert.equal(parseAllowlistArgs(['10.0.0.1/8', '10.9.9.9/8', '::1']), '10.0.0.0/8 ::1/128');
  assert.equal(parseAllowlistArgs(['']), '');
  assert.equal(parseAllowlistArgs([]), '');
  assert.deepEqual(parseAllowlistArgs(['10.0.0.0/8', 'nope']), { error: "'nope' is not an IPv4 or IPv6 address or CIDR block" });
});

test('SourceAllowlist matching: IPv4, IPv6, mapped peers, empty allows all, unix peers allowed', () => {
  const empty = new SourceAllowlist('');
  assert.equal(empty.allows('203.0.113.9'), true);
  const l = new SourceAllowlist(parseAllowlistArgs(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::ffff:172.16.0.0/108']) as string);
  assert.equal(l.allows('10.255.0.1'), true);
  assert.equal(l.allows('::ffff:10.255.0.1'), true, 'dual-stack listeners report IPv4 peers mapped');
  assert.equal(l.allows('11.0.0.1'), false);
  assert.equal(l.allows('192.168.1.7'), true);
  assert.equal(l.allows('192.168.1.8'), false);
  assert.equal(l.allows('2001:db8:ffff::1'), true);
  assert.equal(l.allows('2001:db9::1'), false);
  assert.equal(l.allows('172.31.255.255'), true);
  assert.equal(l.allows('172.32.0.0'), false);
  assert.equal(l.allows('127.0.0.1'), false, 'loopback is not implicitly allowed');
  assert.equal(l.allows('::1'), false);
  assert.equal(l.allows('garbage'), false);
  assert.equal(l.allows(undefined), true, 'unix-socket peers have no address');
  const all6 = new SourceAllowlist('::/0');
  assert.equal(all6.allows('::1'), true);
  assert.equal(all6.allows('10.0.0.1'), false, 'an IPv6 block does not cover IPv4 peers');
});

test('property: a block contains exactly the addresses sharing its prefix bits', () => {
  const toIp = (v: number) => [24, 16, 8, 0].map((s) => (v >>> s) & 255).join('.');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (net, peer, prefix) => {
      const l = new SourceAllowlist(parseAllowlistArgs([`${toIp(net)}/${prefix}`]) as string);
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      const expected = ((net & mask) >>> 0) === ((peer & mask) >>> 0);
      assert.equal(l.allows(toIp(peer)), expected);
      assert.equal(l.allows(`::ffff:${toIp(peer)}`), expected);
    }),
  );
});
