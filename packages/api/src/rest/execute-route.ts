import { type AppError, toErrorBody } from '@claude-proxy/core';
import type { RequestContext } from '../context.js';
import { isFault, toAppError } from '../errors.js';
import { createCaller } from '../router.js';
import type { RestRequestParts, RestRoute } from './rest-routes.js';

export interface RestResult {
  status: number;
  body: unknown;
  /** Set when the answer is an error; the caller may log it. */
  error?: AppError;
}

type Callable = (input?: unknown) => Promise<unknown>;

function procedureAt(caller: unknown, path: string): Callable {
  let node: unknown = caller;
  for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
  return node as Callable;
}

/** The spec's error body plus the headers that go with it (Retry-After). */
export function errorResult(
  error: unknown,
  ctx: Pick<RequestContext, 'requestId' | 'responseHeaders'> & Partial<Pick<RequestContext, 'outcome'>>,
): RestResult {
  const app = toAppError(error);
  if (ctx.outcome) {
    ctx.outcome.error = app;
    if (isFault(app)) ctx.outcome.fault = app.cause ?? app;
  }
  if (app.retryAfter !== undefined) ctx.responseHeaders.set('Retry-After', String(app.retryAfter));
  return { status: app.status, body: toErrorBody(app, ctx.requestId), error: app };
}

/** Runs the route's procedure for one HTTP request. Never throws: failures become the spec's error body. */
export async function executeRoute(
  route: RestRoute,
  parts: RestRequestParts,
  ctx: RequestContext,
): Promise<RestResult> {
  try {
    const call = procedureAt(createCaller(ctx), route.procedure);
    const output = await (route.input ? call(route.input(parts)) : call());
    const status = typeof route.status === 'function' ? route.status(output) : route.status;
    return { status, body: output };
  } catch (error) {
    return errorResult(error, ctx);
  }
}
