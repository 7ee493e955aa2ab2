import { isIP } from 'node:net';

/** What kind of address an IP is, as far as the webhook SSRF policy cares. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'unspecified'
  | 'reserved'
  | 'metadata';

/** Cloud instance-metadata endpoints: refused even when allowlisted (they hand out credentials). */
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2:0:0:0:0:0:254', '100.100.100.200']);
export const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);

type V4 = [number, number, number, number];

function parseV4(ip: string): V4 | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  if (bytes.some((b) => Number.isNaN(b) || b > 255)) return undefined;
  return bytes as V4;
}

/** Eight 16-bit groups of an IPv6 address (zone id dropped, dotted IPv4 tail folded in). */
function parseV6(input: string): number[] | undefined {
  let ip = input.toLowerCase();
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (tail?.[1]) {
    const v4 = parseV4(tail[1]);
    if (!v4) return undefined;
    ip = `${ip.slice(0, -tail[1].length)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const out = groups.map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : Number.NaN));
  return out.some(Number.isNaN) ? undefined : out;
}

function inV4(ip: V4, base: V4, bits: number): boolean {
  const a = ((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0;
  const b = ((base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3]) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (a & mask) === (b & mask);
}

const V4_RANGES: [V4, number, AddressClass][] = [
  [[0, 0, 0, 0], 8, 'unspecified'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'cgnat'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'reserved'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved'],
  [[198, 51, 100, 0], 24, 'reserved'],
  [[203, 0, 113, 0], 24, 'reserved'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

function classifyV4(ip: V4): AddressClass {
  if (METADATA_ADDRESSES.has(ip.join('.'))) return 'metadata';
  for (const [base, bits, cls] of V4_RANGES) if (inV4(ip, base, bits)) return cls;
  return 'public';
}

function embeddedV4(g: number[]): V4 {
  const hi = g[6] ?? 0;
  const lo = g[7] ?? 0;
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
}

function classifyV6(g: number[]): AddressClass {
  if (METADATA_ADDRESSES.has(g.map((x) => x.toString(16)).join(':'))) return 'metadata';
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0] = g;
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && g[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach an IPv4 host.
  if (zeroTo(5) && (g5 === 0xffff || g5 === 0)) return classifyV4(embeddedV4(g));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyV4(embeddedV4(g));
  // 6to4 (2002:AABB:CCDD::) embeds the IPv4 address in groups 1-2.
  if (g0 === 0x2002) return classifyV4([g1 >> 8, g1 & 0xff, g2 >> 8, g2 & 0xff]);
  if ((g0 & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved';
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved';
  return 'public';
}

/** Classifies an IP literal (v4 or v6, brackets allowed); undefined when it is not an IP address. */
export function classifyAddress(address: string): AddressClass | undefined {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(ip.split('%')[0] ?? ip);
  if (family === 4) {
    const v4 = parseV4(ip);
    return v4 ? classifyV4(v4) : undefined;
  }
  if (family === 6) {
    const v6 = parseV6(ip);
    return v6 ? classifyV6(v6) : undefined;
  }
  return undefined;
}

/** A canonical spelling of an IP (expanded IPv6, lower case) or of a hostname, for allowlist comparison. */
export function normalizeHost(host: string): string {
  const bare = (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase().replace(/\.$/, '');
  if (isIP(bare) === 6) {
    const groups = parseV6(bare);
    if (groups) return groups.map((x) => x.toString(16)).join(':');
  }
  return bare;
}
