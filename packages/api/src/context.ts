import type { AppError, CacheStatus, Principal, Services } from '@claude-proxy/core';
import { ResponseHeaders } from './response-headers.js';

/** The authenticated caller (clientId + permissions); set by `authedProcedure`. */
export type { Principal };
export { ResponseHeaders };

/** Per-request context shared by tRPC and the REST adapter. */
export interface RequestContext {
  services: Services;
  requestId: string;
  /** The caller's IP as the server decided it (trusted proxies applied). */
  ip: string;
  /** The raw credential presented (Bearer value or ?apiKey=); never logged. */
  credential: string | undefined;
  /** The scheme of an Authorization header that is not `Bearer` (e.g. `Basic`), to say why it was refused. */
  unsupportedScheme?: string;
  /** Headers a procedure adds to the response (Cache-Control, X-RateLimit-*, Retry-After). */
  responseHeaders: ResponseHeaders;
  /** Aborted when the caller goes away. */
  signal?: AbortSignal;
  /** Time spent per phase in ms (auth, ratelimit, cache, upstream), for the Server-Timing header. */
  timings: Map<string, number>;

  /** The authenticated caller, once auth has run (procedures behind authedProcedure). */
  principal?: Principal;
  /**
   * What the request did, filled in as it runs; the request log line, metrics and history read it.
   * One object shared by reference: tRPC middlewares hand procedures a copy of the context, not this one.
   */
  outcome: RequestOutcome;
}

export interface RequestOutcome {
  principal?: Principal;
  /** The route pattern that served the request (`/api/claude/task/:taskId`, `/trpc/claude.query`). */
  route?: string;
  usage?: { promptTokens: number; completionTokens: number; totalTokens: number };
  /** The model id that answered. */
  model?: string;
  cacheStatus?: CacheStatus;
  taskId?: string;
  /** The error the caller was answered with. */
  error?: AppError;
  /** An unexpected fault behind a 500, logged at ERROR with its stack (never sent to the caller). */
  fault?: unknown;
  /**
   * A write the caller cannot see undone is under way (a task submission): the request timeout waits for
   * it (once more as long) rather than answer 503 for something that then happens anyway.
   */
  committing?: boolean;
}

/** Adds `ms` to a phase of the Server-Timing header. */
export function addTiming(ctx: Pick<RequestContext, 'timings'>, phase: string, ms: number): void {
  ctx.timings.set(phase, (ctx.timings.get(phase) ?? 0) + ms);
}

/** Runs `fn` and adds its duration to `phase`, even when it throws. */
export async function timePhase<T>(
  ctx: Pick<RequestContext, 'timings'>,
  phase: string,
  fn: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    addTiming(ctx, phase, performance.now() - started);
  }
}

export function createRequestContext(
  init: Pick<RequestContext, 'services' | 'requestId' | 'ip' | 'credential'> & Partial<RequestContext>,
): RequestContext {
  return { responseHeaders: new ResponseHeaders(), timings: new Map(), outcome: {}, ...init };
}
