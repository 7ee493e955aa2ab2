import { randomUUID } from 'node:crypto';
import type { BlockList } from 'node:net';
import {
  appRouter,
  createRequestContext,
  errorResult,
  executeRoute,
  isFault,
  ResponseHeaders,
  restRoutes,
  toAppError,
} from '@claude-proxy/api';
import { AppError, type Services } from '@claude-proxy/core';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { mountApiDocs } from './api-docs.js';
import type { AppEnv } from './app-env.js';
import { clientIpOf, isSecureRequest } from './client-ip.js';
import { discardUnreadBody } from './discard-unread-body.js';
import { observeRequests } from './observability/observe-requests.js';
import { mountProbes, PROBE_ROUTES } from './observability/probe-routes.js';
import type { PromMetrics } from './observability/prom-metrics.js';
import {
  bodyNotReceived,
  type CorsOptions,
  corsMiddleware,
  hstsMiddleware,
  requestTimeout,
  securityHeaders,
} from './protection.js';
import {
  credentialFrom,
  requestIdFrom,
  unsupportedBodyType,
  unsupportedEncoding,
  unsupportedSchemeOf,
} from './request-rules.js';

export interface AppOptions {
  services: Services;
  logger: Logger;
  bodyLimitBytes: number;
  metrics: PromMetrics;
  /** True once shutdown began (readiness answers 503). */
  isDraining?: () => boolean;
  /** Serve only the probes: /api/health, /api/health/live, /api/health/ready, /metrics (SERVER_MODE=worker). */
  healthOnly?: boolean;
  /** Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed. Default: none. */
  trustedProxies?: BlockList;
  /** Default: no CORS headers (same-origin only). */
  cors?: CorsOptions;
  /** Default: 300 s. */
  requestTimeoutMs?: number;
  /** Strict-Transport-Security max-age on TLS answers; 0 turns it off. Default: 1 year. */
  hstsMaxAgeSeconds?: number;
  /** Accept `?apiKey=` as well as `Authorization: Bearer` (AUTH_ALLOW_QUERY_KEY). */
  allowQueryKey?: boolean;
}

type Env = AppEnv;

const TRPC_PROCEDURES = new Set(Object.keys(appRouter._def.procedures));

/** A bounded label for a tRPC call: the procedure path, `(batch)` for several, or just `/trpc`. */
function trpcRoute(path: string): string {
  const name = path.slice('/trpc/'.length);
  if (TRPC_PROCEDURES.has(name)) return `/trpc/${name}`;
  return name.includes(',') ? '/trpc/(batch)' : '/trpc';
}

function ipOf(c: Context<Env>, trusted: BlockList | undefined): string {
  return clientIpOf(c.env?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), trusted);
}

function send(c: Context<Env>, status: number, body: unknown, extra: ResponseHeaders): Response {
  const headers = new Headers([...extra]);
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('X-Request-ID', c.get('requestId'));
  return new Response(JSON.stringify(body), { status, headers });
}

/** The HTTP surface: the REST route table and tRPC at /trpc, over the same procedures. */
export function createApp(options: AppOptions): Hono<Env> {
  const { services, logger } = options;
  const allowQueryKey = options.allowQueryKey ?? true;
  const app = new Hono<Env>();

  app.use(async (c, next) => {
    const requestId = requestIdFrom(c.req.header('x-request-id')) ?? randomUUID();
    c.set('requestId', requestId);
    const ip = ipOf(c, options.trustedProxies);
    c.set(
      'ctx',
      createRequestContext({
        services,
        requestId,
        ip,
        credential: credentialFrom(c.req.header('authorization'), () =>
          allowQueryKey ? c.req.query('apiKey') : undefined,
        ),
        ...unsupportedSchemeOf(c.req.header('authorization')),
      }),
    );
    await next();
    c.res.headers.set('X-Request-ID', requestId);
    // A route that read its body has nothing left to drain (and touching the body again costs a full Request).
    if (!c.get('bodyRead')) await discardUnreadBody(c.req.raw, c.res, options.bodyLimitBytes);
  });
  app.use(
    observeRequests({
      logger,
      metrics: options.metrics,
      history: services.history,
      routes: new Set([...restRoutes.map((r) => r.path), ...PROBE_ROUTES]),
    }),
  );

  const isSecure = (c: Context<Env>) =>
    isSecureRequest(
      c.req.url,
      c.env?.incoming?.socket?.remoteAddress,
      c.req.header('x-forwarded-proto'),
      options.trustedProxies,
    );
  const headers = securityHeaders();
  // The documentation page sets its own, looser CSP (Swagger UI needs its scripts and styles).
  app.use((c, next) => (c.req.path.startsWith('/api/docs') ? next() : headers(c, next)));
  app.use(hstsMiddleware(options.hstsMaxAgeSeconds ?? 31_536_000, isSecure));
  const corsHandler = options.cors ? corsMiddleware(options.cors) : undefined;
  if (corsHandler) app.use(corsHandler);
  app.use(
    requestTimeout(
      options.requestTimeoutMs ?? 300_000,
      (c, error) => {
        const ctx = c.get('ctx');
        // The rest of a body still arriving is never read: the connection is not reused (as on the fast lane).
        if (c.env?.incoming && !c.env.incoming.complete) ctx.responseHeaders.set('Connection', 'close');
        const result = errorResult(error, ctx);
        return send(c, result.status, result.body, ctx.responseHeaders);
      },
      (c) => c.get('ctx').outcome.committing === true,
    ),
  );

  const streamingLimit = bodyLimit({
    maxSize: options.bodyLimitBytes,
    onError: (c) => {
      const error = new AppError('invalid_request', `Request body exceeds ${options.bodyLimitBytes} bytes`);
      const result = errorResult(error, c.get('ctx'));
      // The rest of the body is never read; a client must not reuse this connection for its next request.
      c.get('ctx').responseHeaders.set('Connection', 'close');
      return send(c, result.status, result.body, c.get('ctx').responseHeaders);
    },
  });
  // A declared Content-Length is checked from the header alone (the common case, and cheap); only a chunked
  // body goes through the streaming limit, which has to wrap the whole request.
  app.use((c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined) return Number(length) > options.bodyLimitBytes ? streamingLimit(c, next) : next();
    return c.req.header('transfer-encoding') ? streamingLimit(c, next) : next();
  });

  mountProbes(app, { services, metrics: options.metrics, isDraining: options.isDraining ?? (() => false) });
  if (!options.healthOnly) mountApiDocs(app);

  const routes = options.healthOnly ? restRoutes.filter((r) => r.procedure === 'health') : restRoutes;
  for (const route of routes) {
    app.on(route.method, route.path, async (c) => {
      const ctx = c.get('ctx');
      let body: unknown;
      if (route.body) {
        const refusal =
          unsupportedBodyType(c.req.header('content-type')) ?? unsupportedEncoding(c.req.header('content-encoding'));
        if (refusal) {
          const result = errorResult(new AppError('invalid_request', refusal), ctx);
          return send(c, result.status, result.body, ctx.responseHeaders);
        }
        let text: string;
        try {
          text = await c.req.text();
        } catch {
          // The client went away mid-body: recorded as its error (nobody is left to read the answer).
          c.set('bodyRead', true);
          const result = errorResult(bodyNotReceived(), ctx);
          return send(c, result.status, result.body, ctx.responseHeaders);
        }
        c.set('bodyRead', true);
        if (text.trim() !== '') {
          try {
            body = JSON.parse(text);
          } catch {
            const result = errorResult(new AppError('invalid_request', 'Malformed JSON body'), ctx);
            return send(c, result.status, result.body, ctx.responseHeaders);
          }
        }
      }
      const result = await executeRoute(route, { params: c.req.param(), query: c.req.query(), body }, ctx);
      return send(c, result.status, result.body, ctx.responseHeaders);
    });
  }

  if (!options.healthOnly)
    app.all('/trpc/*', (c) => {
      const ctx = c.get('ctx');
      ctx.outcome.route = trpcRoute(c.req.path);
      // The same body rules as REST. tRPC would refuse another Content-Type before it has a context, in
      // its own shape and without the request id; its clients always send JSON.
      const refusal =
        c.req.method === 'POST'
          ? (unsupportedBodyType(c.req.header('content-type')) ?? unsupportedEncoding(c.req.header('content-encoding')))
          : undefined;
      if (refusal) {
        const result = errorResult(new AppError('invalid_request', refusal), ctx);
        return send(c, result.status, result.body, ctx.responseHeaders);
      }
      return fetchRequestHandler({
        endpoint: '/trpc',
        req: c.req.raw,
        router: appRouter,
        createContext: () => ctx,
        onError: ({ error }) => {
          const appError = toAppError(error);
          ctx.outcome.error = appError;
          if (isFault(appError)) ctx.outcome.fault = appError.cause ?? error;
        },
        responseMeta: ({ errors }) => {
          const headers = new Headers([...ctx.responseHeaders]);
          for (const e of errors) {
            const retryAfter = (e.cause as AppError | undefined)?.retryAfter;
            if (retryAfter !== undefined) headers.set('Retry-After', String(retryAfter));
          }
          return { headers };
        },
      });
    });

  // A known path asked with another method: 405 with the methods it has (RFC 9110), not 404.
  const getOnly = [...PROBE_ROUTES, ...(options.healthOnly ? [] : ['/api/openapi.json', '/api/docs'])];
  const patterns = [...routes, ...getOnly.map((path) => ({ method: 'GET', path }))].map((r) => ({
    method: r.method,
    re: new RegExp(`^${r.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}$`),
  }));
  app.notFound((c) => {
    const ctx = c.get('ctx');
    const allowed = [...new Set(patterns.filter((p) => p.re.test(c.req.path)).map((p) => p.method))];
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      ctx.responseHeaders.set('Allow', allowed.join(', '));
      const message = `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(' or ')}`;
      const result = errorResult(new AppError('method_not_allowed', message), ctx);
      return send(c, result.status, result.body, ctx.responseHeaders);
    }
    const result = errorResult(new AppError('not_found', `No route for ${c.req.method} ${c.req.path}`), ctx);
    return send(c, result.status, result.body, ctx.responseHeaders);
  });

  app.onError((thrown, c) => {
    const ctx = c.get('ctx');
    // A body stream that broke because the client closed the connection mid-body (the chunked path reads it
    // in the body-limit middleware) is the client's error, as on the fast lane, not a server fault.
    const incoming = c.env?.incoming;
    const error = incoming?.destroyed && !incoming.complete ? bodyNotReceived() : thrown;
    // With a context the request observer logs it (errorResult records the fault); without one, log here.
    if (!ctx) logger.error({ err: error, requestId: c.get('requestId') }, 'unhandled error');
    const result = errorResult(
      error,
      ctx ?? { requestId: c.get('requestId') ?? '', responseHeaders: new ResponseHeaders() },
    );
    return send(c, result.status, result.body, ctx?.responseHeaders ?? new ResponseHeaders());
  });

  return app;
}
