import { AppError } from '@claude-proxy/core';
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';

export interface CorsOptions {
  /** Allowed browser origins; `*` allows any. Empty: no CORS headers at all (same-origin only). */
  origins: readonly string[];
  methods: readonly string[];
  headers: readonly string[];
  maxAgeSeconds: number;
}

/** Headers a browser script may read from an answer (the rest stay hidden by CORS). */
const EXPOSED = [
  'X-Request-ID',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
  'X-Cache',
];

/**
 * S3. No credentials mode: the API takes keys in Authorization, never cookies, so no origin ever gets
 * ambient credentials. Undefined when no origin is configured.
 */
export function corsMiddleware(options: CorsOptions): MiddlewareHandler | undefined {
  if (options.origins.length === 0) return undefined;
  const any = options.origins.includes('*');
  const allowed = new Set(options.origins);
  return cors({
    origin: any ? '*' : (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: [...options.methods],
    allowHeaders: [...options.headers],
    exposeHeaders: EXPOSED,
    maxAge: options.maxAgeSeconds,
    credentials: false,
  });
}

/**
 * S5 for a JSON API: nothing may be rendered, framed or loaded from an answer. HSTS is added separately,
 * only on answers that went over TLS (a plain-HTTP answer cannot set it meaningfully).
 */
export const securityHeaders = (): MiddlewareHandler =>
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
    },
    strictTransportSecurity: false,
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
    crossOriginResourcePolicy: 'same-origin',
  });

export function hstsMiddleware(maxAgeSeconds: number, isSecure: (c: Parameters<MiddlewareHandler>[0]) => boolean) {
  const value = `max-age=${maxAgeSeconds}; includeSubDomains`;
  const handler: MiddlewareHandler = async (c, next) => {
    await next();
    if (maxAgeSeconds > 0 && isSecure(c)) c.res.headers.set('Strict-Transport-Security', value);
  };
  return handler;
}

export const EXPIRED: unique symbol = Symbol('expired');

/** `work`'s value, or EXPIRED once `ms` passed first (a late rejection of `work` is swallowed: nobody waits). */
export async function raceDeadline<T>(work: Promise<T>, ms: number): Promise<T | typeof EXPIRED> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof EXPIRED>((resolve) => {
    timer = setTimeout(() => resolve(EXPIRED), ms);
  });
  work.catch(() => {});
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The client closed the connection before its declared body arrived: its error (400), not the server's. */
export const bodyNotReceived = (): AppError =>
  new AppError('invalid_request', 'The request body did not arrive in full: the connection closed before its end');

/** The 503 a request gets when it outlives REQUEST_TIMEOUT_MS. */
export const requestTimedOut = (ms: number): AppError =>
  new AppError('service_unavailable', `The request took longer than ${ms} ms and was stopped`, {
    retryAfter: 1,
    details: `REQUEST_TIMEOUT_MS is ${ms}`,
  });

/**
 * Bounds the time one request may take: past it the caller gets 503 in the error shape instead of waiting.
 * The handler's own work stays bounded by the upstream timeouts; its late result is dropped.
 */
export function requestTimeout(
  ms: number,
  onTimeout: (c: Parameters<MiddlewareHandler>[0], error: AppError) => Response,
  committing: (c: Parameters<MiddlewareHandler>[0]) => boolean = () => false,
): MiddlewareHandler {
  return async (c, next) => {
    const work = next();
    if ((await raceDeadline(work, ms)) !== EXPIRED) return;
    // A write already under way (a task submission) is waited for, once more as long: a 503 now would
    // tell the caller nothing happened while the task still lands, and its retry would be a duplicate.
    if (committing(c) && (await raceDeadline(work, ms)) !== EXPIRED) return;
    return onTimeout(c, requestTimedOut(ms));
  };
}
