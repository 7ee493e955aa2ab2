import { BlockList, isIP } from 'node:net';

/** `::ffff:1.2.3.4` and `1.2.3.4` are one caller; BlockList wants the plain form. */
function plain(address: string): string {
  const trimmed = address.trim().replace(/^\[(.*)\]$/, '$1');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped?.[1] ?? trimmed;
}

/** Parses `TRUSTED_PROXIES` entries (IPs or CIDRs); returns the problems for env validation. */
export function parseTrustedProxies(entries: readonly string[]): { list: BlockList; problems: string[] } {
  const list = new BlockList();
  const problems: string[] = [];
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(plain(address));
    const bits = prefix === undefined ? undefined : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= max))
    ) {
      problems.push(`not an IP address or CIDR: ${entry}`);
      continue;
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(plain(address), type);
    else list.addSubnet(plain(address), bits, type);
  }
  return { list, problems };
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The caller's address: the socket's, unless the socket is a trusted proxy. Then X-Forwarded-For is read
 * from the right, skipping trusted proxies; the first other address is the caller. Anything a client can
 * write (the left part of the header) is never believed past an untrusted hop.
 */
export function clientIpOf(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trusted: BlockList | undefined,
): string {
  const socket = socketAddress ? plain(socketAddress) : 'unknown';
  if (!trusted || !forwardedFor || !isTrusted(trusted, socket)) return socket;
  let caller = socket;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = plain(hops[i] ?? '');
    if (isIP(hop) === 0) break;
    caller = hop;
    if (!isTrusted(trusted, hop)) break;
  }
  return caller;
}

/** True when the proxy in front (if trusted) says the client spoke TLS, or the socket itself is TLS. */
export function isSecureRequest(
  url: string,
  socketAddress: string | undefined,
  forwardedProto: string | undefined,
  trusted: BlockList | undefined,
): boolean {
  if (url.startsWith('https:')) return true;
  if (!trusted || !forwardedProto || !socketAddress || !isTrusted(trusted, plain(socketAddress))) return false;
  return forwardedProto.split(',')[0]?.trim().toLowerCase() === 'https';
}
