import { randomUUID } from 'node:crypto';
import {
  appRouter,
  createRequestContext,
  errorResult,
  executeRoute,
  isFault,
  type RequestContext,
  restRoutes,
} from '@claude-proxy/api';
import { AppError, type Services } from '@claude-proxy/core';
import type { HttpBindings } from '@hono/node-server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';

export interface AppOptions {
  services: Services;
  logger: Logger;
  bodyLimitBytes: number;
  /** Accept `?apiKey=` as well as `Authorization: Bearer` (AUTH_ALLOW_QUERY_KEY). */
  allowQueryKey?: boolean;
}

type Env = { Bindings: HttpBindings; Variables: { requestId: string; ctx: RequestContext } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A3: the Bearer value, else `?apiKey=` when allowed. A malformed Authorization header counts as none. */
function credentialOf(c: Context<Env>, allowQueryKey: boolean): string | undefined {
  const header = c.req.header('authorization');
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match?.[1]?.trim() || undefined;
  }
  return allowQueryKey ? c.req.query('apiKey') || undefined : undefined;
}

function ipOf(c: Context<Env>): string {
  return c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

function send(c: Context<Env>, status: number, body: unknown, headers: Headers): Response {
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
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && UUID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.set(
      'ctx',
      createRequestContext({
        services,
        requestId,
        ip: ipOf(c),
        credential: credentialOf(c, allowQueryKey),
        signal: c.req.raw.signal,
      }),
    );
    await next();
    c.res.headers.set('X-Request-ID', requestId);
  });

  app.use(
    '/api/*',
    bodyLimit({
      maxSize: options.bodyLimitBytes,
      onError: (c) => {
        const error = new AppError('payload_too_large', `Request body exceeds ${options.bodyLimitBytes} bytes`);
        const result = errorResult(error, c.get('ctx'));
        return send(c, result.status, result.body, c.get('ctx').responseHeaders);
      },
    }),
  );

  for (const route of restRoutes) {
    app.on(route.method, route.path, async (c) => {
      const ctx = c.get('ctx');
      let body: unknown;
      if (route.body) {
        const text = await c.req.text();
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
      if (result.error && isFault(result.error)) {
        logger.error({ err: result.error.cause, requestId: ctx.requestId }, 'request failed');
      }
      return send(c, result.status, result.body, ctx.responseHeaders);
    });
  }

  app.all('/trpc/*', (c) => {
    const ctx = c.get('ctx');
    return fetchRequestHandler({
      endpoint: '/trpc',
      req: c.req.raw,
      router: appRouter,
      createContext: () => ctx,
      onError: ({ error }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') logger.error({ err: error.cause ?? error }, 'trpc request failed');
      },
      responseMeta: ({ errors }) => {
        const headers = new Headers(ctx.responseHeaders);
        for (const e of errors) {
          const retryAfter = (e.cause as AppError | undefined)?.retryAfter;
          if (retryAfter !== undefined) headers.set('Retry-After', String(retryAfter));
        }
        return { headers };
      },
    });
  });

  app.notFound((c) => {
    const ctx = c.get('ctx');
    const result = errorResult(new AppError('not_found', `No route for ${c.req.method} ${c.req.path}`), ctx);
    return send(c, result.status, result.body, ctx.responseHeaders);
  });

  app.onError((error, c) => {
    const ctx = c.get('ctx');
    logger.error({ err: error, requestId: ctx?.requestId }, 'unhandled error');
    const result = errorResult(error, ctx ?? { requestId: c.get('requestId') ?? '', responseHeaders: new Headers() });
    return send(c, result.status, result.body, ctx?.responseHeaders ?? new Headers());
  });

  return app;
}
