import { isIPv6 } from 'node:net';

function expandIPv6(ip: string): string[] | undefined {
  const [head = '', tail, extra] = ip.split('::');
  if (extra !== undefined) return undefined;
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  return [...left, ...Array.from({ length: missing }, () => '0'), ...right];
}

/**
 * The part of an address that names one caller. IPv4 (and IPv4-mapped IPv6) as is; other IPv6 by its /64,
 * since one subscriber usually holds a whole /64 and could otherwise rotate addresses to dodge the limit.
 */
export function ipKey(ip: string): string {
  const bare = ip.toLowerCase().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(bare)) return bare;
  const groups = expandIPv6(bare);
  if (!groups) return bare;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
