import type { Principal, Services } from '@claude-proxy/core';

/** The authenticated caller (clientId + permissions); set by `authedProcedure`. */
export type { Principal };

/** Per-request context shared by tRPC and the REST adapter. */
export interface RequestContext {
  services: Services;
  requestId: string;
  /** The caller's IP as the server decided it (trusted proxies applied). */
  ip: string;
  /** The raw credential presented (Bearer value or ?apiKey=); never logged. */
  credential: string | undefined;
  /** Headers a procedure adds to the response (Cache-Control, X-RateLimit-*, Retry-After). */
  responseHeaders: Headers;
  /** Aborted when the caller goes away. */
  signal?: AbortSignal;
  /** Time spent per phase, for the Server-Timing header. */
  timings: Map<string, number>;
}

export function createRequestContext(
  init: Pick<RequestContext, 'services' | 'requestId' | 'ip' | 'credential'> & Partial<RequestContext>,
): RequestContext {
  return { responseHeaders: new Headers(), timings: new Map(), ...init };
}
