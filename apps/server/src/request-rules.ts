/**
 * The header rules every route applies before it runs, on raw header values so that the Hono app and the
 * fast lane (fast-lane.ts) decide alike.
 */

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The caller's X-Request-ID when it is a UUID, else undefined (a new one is made). */
export function requestIdFrom(header: string | undefined): string | undefined {
  return header && UUID.test(header) ? header : undefined;
}

/** A3: the Bearer value, else `?apiKey=` (when allowed and given). A malformed Authorization header counts as none. */
export function credentialFrom(header: string | undefined, queryKey: () => string | undefined): string | undefined {
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match?.[1]?.trim() || undefined;
  }
  return queryKey() || undefined;
}

/** Schemes named back to the caller; anything else is not echoed (it might be a bare credential). */
const KNOWN_SCHEMES = new Map(
  ['Basic', 'Digest', 'Negotiate', 'NTLM', 'Token', 'ApiKey', 'HOBA', 'Mutual', 'AWS4-HMAC-SHA256'].map((s) => [
    s.toLowerCase(),
    s,
  ]),
);

/** The scheme of an Authorization header that is not Bearer (a known word, e.g. `Basic`); never the credential. */
export function unsupportedSchemeOf(header: string | undefined): { unsupportedScheme?: string } {
  const value = header?.trim();
  if (!value || /^Bearer(\s|$)/i.test(value)) return {};
  const word = /^\S+/.exec(value)?.[0]?.toLowerCase() ?? '';
  return { unsupportedScheme: KNOWN_SCHEMES.get(word) ?? 'other than Bearer' };
}

/**
 * Bodies are JSON in UTF-8: a declared `application/json` (or any `+json` type) is read, no Content-Type at
 * all is read as JSON too (curl without -H, simple scripts), anything else is a 400 that says what to send.
 */
export function unsupportedBodyType(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const [type = '', ...params] = header
    .toLowerCase()
    .split(';')
    .map((part) => part.trim());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (
    (type === 'application/json' || type.endsWith('+json')) &&
    (!charset || charset === 'utf-8' || charset === 'utf8')
  )
    return undefined;
  return `Content-Type ${header.slice(0, 100)} is not supported: send the body as JSON with Content-Type: application/json (UTF-8)`;
}

/** Bodies are read as sent: a compressed one would be parsed as garbage, so it is refused by name. */
export function unsupportedEncoding(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '' || header.trim().toLowerCase() === 'identity') return undefined;
  return `Content-Encoding ${header.slice(0, 100)} is not supported: send the body uncompressed`;
}

// The adapter's own quick test (a lower-case name, a port from 1000 to 59999); anything else is parsed.
const SIMPLE_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;

/**
 * What the Hono adapter (@hono/node-server) refuses before the app runs, with a bare 400 and no log line:
 * a backslash in the path, a target that is not a path or an absolute URL, a Host that is not a host. The
 * server answers these itself, in the spec's error shape (X2), on the same rules.
 */
export function invalidRequestTarget(url: string, host: string | undefined): string | undefined {
  const backslash = url.indexOf('\\');
  if (backslash !== -1) {
    const query = url.indexOf('?');
    if (query === -1 || backslash < query) return 'The request path contains a backslash';
  }
  if (url.startsWith('http://') || url.startsWith('https://')) {
    return URL.canParse(url) ? undefined : 'The request target is not a valid URL';
  }
  if (url !== '' && url.charCodeAt(0) !== 47) return 'The request target is not a path';
  if (host === undefined || host === '' || SIMPLE_HOST.test(host)) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}/`).hostname;
  } catch {
    return 'The Host header is not a valid host';
  }
  const bare = (host.includes(':') ? host.replace(/:\d+$/, '') : host).toLowerCase();
  return hostname.length !== host.length && hostname !== bare ? 'The Host header is not a valid host' : undefined;
}
