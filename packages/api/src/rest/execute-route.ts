import { type AppError, toErrorBody } from '@claude-proxy/core';
import type { RequestContext } from '../context.js';
import { type DirectProcedure, runDirect } from '../direct.js';
import { isFault, toAppError } from '../errors.js';
import { listTasksDirect } from '../procedures/list-tasks.js';
import { queryDirect } from '../procedures/query.js';
import { queueDirect } from '../procedures/queue.js';
import { taskDirect } from '../procedures/task.js';
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

/** The hot routes, run without tRPC's per-call middleware chain (see direct.ts); the rest go through tRPC. */
// biome-ignore lint/suspicious/noExplicitAny: a table of procedures with different input and output types.
const DIRECT: Record<string, DirectProcedure<any, unknown> | undefined> = {
  'claude.query': queryDirect,
  'claude.queue': queueDirect,
  'claude.task': taskDirect,
  'claude.tasks': listTasksDirect,
};

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
    const input = route.input ? route.input(parts) : undefined;
    const direct = DIRECT[route.procedure];
    const output = direct
      ? await runDirect(direct, ctx, input)
      : await procedureAt(createCaller(ctx), route.procedure)(input);
    const status = typeof route.status === 'function' ? route.status(output) : route.status;
    return { status, body: output };
  } catch (error) {
    return errorResult(error, ctx);
  }
}
