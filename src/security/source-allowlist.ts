/**
 * The server-wide source allowlist: CIDR blocks (IPv4 and IPv6) a connecting peer must
 * fall in, checked at accept before a byte of the peer is read. An empty list allows
 * everyone (the default, as without a firewall rule).
 *
 * IPv4-mapped IPv6 addresses (`::ffff:10.1.2.3`, what a dual-stack listener reports for
 * an IPv4 peer) are matched as the IPv4 address they carry, and a block written in the
 * mapped form (`::ffff:10.0.0.0/104`) is stored as the IPv4 block it means, so one rule
 * covers a peer however the kernel presents it.
 *
 * Pure: no sockets, no config; the server holds one `SourceAllowlist` built from the
 * `source-allowlist` directive.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface CidrBlock {
  family: 4 | 6;
  /** network address as a big-endian integer, host bits cleared */
  network: bigint;
  prefix: number;
}

/** An address as (family, big-endian integer), IPv4-mapped IPv6 folded to IPv4; null when not an IP. */
export function parseIp(text: string): { family: 4 | 6; value: bigint } | null {
  // zone ids (fe80::1%eth0) name an interface, not part of the address
  const zone = text.indexOf('%');
  const ip = zone === -1 ? text : text.slice(0, zone);
  if (isIPv4(ip)) return { family: 4, value: ipv4ToInt(ip) };
  if (!isIPv6(ip)) return null;
  const v = ipv6ToInt(ip);
  if (v >> 32n === 0xffffn) return { family: 4, value: v & 0xffffffffn };
  return { family: 6, value: v };
}

function ipv4ToInt(ip: string): bigint {
  let v = 0n;
  for (const part of ip.split('.')) v = (v << 8n) | BigInt(Number(part));
  return v;
}

/** `ip` is known valid (isIPv6): expands `::` and a trailing dotted IPv4 part. */
function ipv6ToInt(ip: string): bigint {
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4ToInt(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups = halves.length === 2 ? [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest] : head;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  return v;
}

/** Parses `a.b.c.d/n`, `x::y/n` or a bare address (a single host); returns the block or an error text. */
export function parseCidr(text: string): CidrBlock | { error: string } {
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const addr = isIPv4(addrText) || isIPv6(addrText) ? parseIp(addrText) : null;
  if (addr === null) return { error: `'${text}' is not an IPv4 or IPv6 address or CIDR block` };
  const mapped = addr.family === 4 && isIPv6(addrText);
  const width = isIPv6(addrText) ? 128 : 32;
  let prefix = width;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > width) return { error: `'${text}' has an invalid prefix length (0-${width})` };
    prefix = Number(p);
  }
  if (mapped) {
    // ::ffff:a.b.c.d/n covers IPv4 only when n keeps the ::ffff:0:0/96 part fixed
    if (prefix < 96) return { error: `'${text}' mixes IPv4-mapped and other IPv6 addresses (prefix must be 96 or more)` };
    prefix -= 96;
  }
  const bits = addr.family === 4 ? 32 : 128;
  const hostBits = BigInt(bits - prefix);
  const network = (addr.value >> hostBits) << hostBits;
  return { family: addr.family, network, prefix };
}

export function formatCidr(b: CidrBlock): string {
  return `${formatIp(b.family, b.network)}/${b.prefix}`;
}

function formatIp(family: 4 | 6, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((v >> s) & 0xffffn).toString(16));
  // compress the longest run of zero groups (RFC 5952)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best === -1) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/**
 * The `source-allowlist` directive's arguments to its canonical value (blocks in
 * normalized form, separated by spaces; "" for none) or an error.
 */
export function parseAllowlistArgs(args: string[]): string | { error: string } {
  if (args.length === 1 && args[0] === '') return '';
  const out: string[] = [];
  for (const a of args) {
    if (a === '') continue;
    const b = parseCidr(a);
    if ('error' in b) return b;
    const text = formatCidr(b);
    if (!out.includes(text)) out.push(text);
  }
  return out.join(' ');
}

export class SourceAllowlist {
  private readonly v4: CidrBlock[] = [];
  private readonly v6: CidrBlock[] = [];

  /** `canonical` is a value produced by parseAllowlistArgs. */
  constructor(canonical = '') {
    for (const part of canonical.split(' ')) {
      if (part === '') continue;
      const b = parseCidr(part);
      if ('error' in b) throw new Error(b.error);
      (b.family === 4 ? this.v4 : this.v6).push(b);
    }
  }

  /** True when no block is configured: everyone may connect. */
  get empty(): boolean {
    return this.v4.length === 0 && this.v6.length === 0;
  }

  /**
   * Whether a peer may connect. Unix-socket peers (no address) are local processes that
   * file permissions already govern: always allowed. An unparsable address is refused.
   */
  allows(remoteAddress: string | undefined): boolean {
    if (this.empty || remoteAddress === undefined) return true;
    const ip = parseIp(remoteAddress);
    if (ip === null) return false;
    const blocks = ip.family === 4 ? this.v4 : this.v6;
    const bits = ip.family === 4 ? 32 : 128;
    for (const b of blocks) {
      const hostBits = BigInt(bits - b.prefix);
      if (ip.value >> hostBits === b.network >> hostBits) return true;
    }
    return false;
  }
}
