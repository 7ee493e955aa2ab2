import { lookup as dnsLookup } from 'node:dns';
import { AppError } from '../errors/app-error.js';
import { type AddressClass, classifyAddress, METADATA_HOSTNAMES, normalizeHost } from './ip-policy.js';

/** Resolves a hostname to every address it has (the shape of `dns.lookup` with `all: true`). */
export type ResolveAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

export interface CallbackUrlOptions {
  /** Hostnames or IPs (as in `WEBHOOK_ALLOWED_HOSTS`) that bypass the address policy. */
  allowedHosts?: readonly string[];
  resolveAll?: ResolveAll;
  /** Bound on the submission-time DNS lookup. Default 2 s. */
  lookupTimeoutMs?: number;
}

/** Why an address may not be called, or undefined when it may. */
export type Refusal = { reason: AddressClass | 'metadata'; address: string };

/** The address policy with its allowlist applied: metadata endpoints stay refused even when allowlisted. */
export function refusalFor(address: string, allowed: ReadonlySet<string>): Refusal | undefined {
  const cls = classifyAddress(address);
  if (cls === undefined || cls === 'public') return undefined;
  if (cls !== 'metadata' && allowed.has(normalizeHost(address))) return undefined;
  return { reason: cls, address };
}

export function allowedHostSet(allowedHosts: readonly string[] = []): Set<string> {
  return new Set(allowedHosts.map((h) => normalizeHost(h.trim())).filter((h) => h !== ''));
}

const MAX_URL_LENGTH = 2048;

function invalid(message: string, reason: string): AppError {
  return new AppError('invalid_request', message, { details: `callbackUrl: ${reason}` });
}

/** Parses and checks the shape of a callback URL (no DNS): http(s), no credentials, bounded length. */
export function parseCallbackUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH) throw invalid(`callbackUrl is longer than ${MAX_URL_LENGTH} characters`, 'too_long');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('callbackUrl must be an absolute http(s) URL', 'malformed');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid('callbackUrl must use http or https', 'scheme');
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid('callbackUrl must not contain credentials', 'credentials');
  }
  if (url.hostname === '') throw invalid('callbackUrl must name a host', 'malformed');
  return url;
}

function describe(refusal: Refusal): AppError {
  return invalid(
    `callbackUrl points to ${/^[aeiou]/.test(refusal.reason) ? 'an' : 'a'} ${refusal.reason} address (${refusal.address}), which is not allowed`,
    refusal.reason,
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Submission-time check of a task's `callbackUrl`; throws AppError('invalid_request') when it is refused and
 * returns the normalised URL otherwise. A hostname that does not resolve now is accepted: the send-time check
 * (on the address actually connected to) is the authority, and DNS may be briefly unavailable.
 */
export async function validateCallbackUrl(raw: string, options: CallbackUrlOptions = {}): Promise<string> {
  const url = parseCallbackUrl(raw);
  const allowed = allowedHostSet(options.allowedHosts);
  const host = normalizeHost(url.hostname);
  if (METADATA_HOSTNAMES.has(host)) throw describe({ reason: 'metadata', address: host });
  if (classifyAddress(host) !== undefined) {
    const refusal = refusalFor(host, allowed);
    if (refusal) throw describe(refusal);
    return url.toString();
  }
  if (allowed.has(host)) return url.toString();
  const resolveAll = options.resolveAll ?? systemResolveAll;
  const addresses = await withTimeout(
    resolveAll(host).catch(() => undefined),
    options.lookupTimeoutMs ?? 2_000,
  );
  for (const { address } of addresses ?? []) {
    const refusal = refusalFor(address, allowed);
    if (refusal) throw describe(refusal);
  }
  return url.toString();
}
