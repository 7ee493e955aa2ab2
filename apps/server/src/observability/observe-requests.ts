import type { RequestContext } from '@claude-proxy/api';
import type { RequestHistory } from '@claude-proxy/core';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { AppEnv } from '../app-env.js';
import { requestLineLogger } from '../logger.js';
import type { PromMetrics } from './prom-metrics.js';

export interface ObserveOptions {
  logger: Logger;
  metrics: PromMetrics;
  history: RequestHistory;
  /** Route patterns the app serves; anything else is `unmatched` (a bounded label set). */
  routes: ReadonlySet<string>;
}

/** Probes and scrapes: logged at DEBUG (WARN when failing) and kept out of the request history. */
const QUIET = new Set(['/api/health', '/api/health/live', '/api/health/ready', '/metrics']);
/** 4xx answers worth a WARN: someone is locked out or throttled. */
const WARN_STATUSES = new Set([401, 403, 429]);
const TOKEN = /^[A-Za-z0-9_-]+$/;

const round = (ms: number) => Math.round(ms * 10) / 10;

function serverTiming(ctx: RequestContext, totalMs: number): string {
  let value = '';
  for (const [phase, ms] of ctx.timings) if (TOKEN.test(phase)) value += `${phase};dur=${round(ms)}, `;
  return `${value}total;dur=${round(totalMs)}`;
}

/** The pattern of the route that matched, also when a middleware (body limit) answered before it ran. */
function routeOf(c: Context<AppEnv>, routes: ReadonlySet<string>): string {
  // After next() the route index points at whatever answered: the handler, or the middleware that stopped.
  const answered = routePath(c);
  if (routes.has(answered)) return answered;
  const known = matchedRoutes(c).findLast((r) => routes.has(r.path));
  return known?.path ?? 'unmatched';
}

function levelOf(status: number, quiet: boolean): 'debug' | 'info' | 'warn' | 'error' {
  if (quiet) return status >= 500 ? 'warn' : 'debug';
  if (status >= 500) return 'error';
  return WARN_STATUSES.has(status) ? 'warn' : 'info';
}

export interface ObservedRequest {
  ctx: RequestContext;
  method: string;
  /** The path asked for (the log line's `endpoint`). */
  path: string;
  /** The route pattern that answered, or `unmatched`. */
  route: string;
  status: number;
  /** Epoch ms when the request arrived (the history row's time). */
  arrivedAt: number;
  durationMs: number;
}

/**
 * After each request: one log line (L2), the HTTP metrics and one history row. Returns the Server-Timing
 * header value. Reads what the request did from its RequestContext; does no I/O (history rows are
 * buffered). Shared by the Hono middleware below and the fast lane (fast-lane.ts).
 */
export function createRequestObserver(options: Omit<ObserveOptions, 'routes'>): (request: ObservedRequest) => string {
  const { logger, metrics, history } = options;
  const lineLogger = requestLineLogger(logger);
  return ({ ctx, method, path, route, status, arrivedAt, durationMs }) => {
    const outcome = ctx.outcome;
    const quiet = QUIET.has(route);
    const clientId = outcome.principal?.clientId;

    metrics.httpRequest({ route, method, status, durationMs, clientId });
    if (outcome.error) metrics.error(outcome.error.code, 'http');

    const level = levelOf(status, quiet);
    if (logger.isLevelEnabled(level)) {
      const usage = outcome.usage;
      const context = {
        requestId: ctx.requestId,
        clientId: clientId ?? null,
        endpoint: path,
        responseTime: round(durationMs),
        tokenUsage: {
          prompt: usage?.promptTokens ?? 0,
          completion: usage?.completionTokens ?? 0,
          total: usage?.totalTokens ?? 0,
        },
        method,
        route,
        status,
        ...(outcome.model ? { model: outcome.model } : {}),
        ...(outcome.cacheStatus ? { cacheStatus: outcome.cacheStatus } : {}),
        ...(outcome.taskId ? { taskId: outcome.taskId } : {}),
        ...(outcome.error ? { error: { code: outcome.error.code, message: outcome.error.message } } : {}),
      };
      const message = status >= 500 ? 'request failed' : status >= 400 ? 'request rejected' : 'request completed';
      if (outcome.fault === undefined) lineLogger[level]({ context }, message);
      else logger[level]({ context, err: outcome.fault }, message);
    }

    if (!quiet) {
      history.record({
        at: arrivedAt,
        requestId: ctx.requestId,
        taskId: outcome.taskId ?? null,
        clientId: clientId ?? 'unauthenticated',
        endpoint: route,
        method: method.slice(0, 16),
        status,
        outcome: outcome.error?.code ?? (status < 400 ? 'success' : `http_${status}`),
        model: outcome.model ?? null,
        promptTokens: outcome.usage?.promptTokens ?? 0,
        completionTokens: outcome.usage?.completionTokens ?? 0,
        totalTokens: outcome.usage?.totalTokens ?? 0,
        latencyMs: durationMs,
        cacheStatus: outcome.cacheStatus ?? null,
      });
    }
    return serverTiming(ctx, durationMs);
  };
}

/** The request observer as Hono middleware: every route the Hono app answers. */
export function observeRequests(options: ObserveOptions): MiddlewareHandler<AppEnv> {
  const observe = createRequestObserver(options);
  return async (c, next) => {
    const arrivedAt = Date.now();
    const started = performance.now();
    await next();
    const ctx = c.get('ctx');
    const status = c.res.status;
    const timing = observe({
      ctx,
      method: c.req.method,
      path: c.req.path,
      route: ctx.outcome.route ?? routeOf(c, options.routes),
      status,
      arrivedAt,
      durationMs: performance.now() - started,
    });
    c.res.headers.set('Server-Timing', timing);
  };
}
