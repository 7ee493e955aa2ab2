import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { allowedHostSet, parseCallbackUrl, type ResolveAll, refusalFor, systemResolveAll } from './callback-url.js';
import { classifyAddress, METADATA_HOSTNAMES, normalizeHost } from './ip-policy.js';

export interface SendWebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowedHosts?: readonly string[];
  resolveAll?: ResolveAll;
}

/** One attempt's outcome. Never thrown: every failure is a value. */
export interface SendWebhookResult {
  statusCode?: number;
  /** Short description of a failure; never contains secrets or the body. */
  error?: string;
  /** False when trying again cannot help (refused address, bad URL). */
  retryable: boolean;
  retryAfter?: string;
  latencyMs: number;
}

class RefusedError extends Error {
  readonly code = 'EWEBHOOKREFUSED';
}

/**
 * A `lookup` for node:net that resolves every address, refuses the lot if any is forbidden, and hands back
 * only the checked addresses. The socket connects to what was checked, so DNS rebinding between a check and
 * the connect is impossible.
 */
export function guardedLookup(
  resolveAll: ResolveAll,
  allowed: ReadonlySet<string>,
  hostAllowed: boolean,
): LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number }, callback: (...args: unknown[]) => void) => {
    resolveAll(hostname).then(
      (addresses) => {
        const usable = addresses.filter((a) => !options.family || a.family === options.family);
        for (const { address } of usable) {
          const refusal =
            hostAllowed && classifyAddress(address) !== 'metadata' ? undefined : refusalFor(address, allowed);
          if (refusal) {
            callback(new RefusedError(`refused ${refusal.reason} address ${refusal.address}`));
            return;
          }
        }
        const first = usable[0];
        if (!first) callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
        else if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error),
    );
  }) as LookupFunction;
}

function refused(message: string): SendWebhookResult {
  return { error: message, retryable: false, latencyMs: 0 };
}

/** POSTs one signed webhook. No redirects are followed (a 3xx is a final failure); the whole attempt is bounded. */
export function sendWebhook(request: SendWebhookRequest): Promise<SendWebhookResult> {
  let url: URL;
  try {
    url = parseCallbackUrl(request.url);
  } catch (error) {
    return Promise.resolve(refused((error as Error).message));
  }
  const allowed = allowedHostSet(request.allowedHosts);
  const host = normalizeHost(url.hostname);
  if (METADATA_HOSTNAMES.has(host)) return Promise.resolve(refused(`refused metadata host ${host}`));
  if (classifyAddress(host) !== undefined) {
    const refusal = refusalFor(host, allowed);
    if (refusal) return Promise.resolve(refused(`refused ${refusal.reason} address ${refusal.address}`));
  }
  const lookup = guardedLookup(request.resolveAll ?? systemResolveAll, allowed, allowed.has(host));
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendWebhookResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, latencyMs: elapsed() });
    };
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      lookup,
      agent: false,
    });
    const timer = setTimeout(() => {
      finish({ error: `timed out after ${request.timeoutMs} ms`, retryable: true });
      req.destroy();
    }, request.timeoutMs);
    req.on('response', (res) => {
      const retryAfter = res.headers['retry-after'];
      const status = res.statusCode ?? 0;
      const error =
        status >= 300 && status < 400
          ? `redirect not followed (${status})`
          : status >= 300
            ? `HTTP ${status}`
            : undefined;
      finish({
        statusCode: status,
        retryable: true,
        ...(error ? { error } : {}),
        ...(retryAfter ? { retryAfter } : {}),
      });
      // The body is not needed; drain it (still bounded by the timer) so the socket closes cleanly.
      res.on('end', () => clearTimeout(timer));
      res.on('error', () => {});
      res.resume();
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error instanceof RefusedError) finish({ error: error.message, retryable: false });
      else finish({ error: error.code ? `${error.code}: ${error.message}` : error.message, retryable: true });
    });
    req.end(request.body);
  });
}
