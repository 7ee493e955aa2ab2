import { cacheKey } from '../cache/cache-key.js';
import type { CachedResponse, ResponseCache } from '../cache/response-cache.js';
import { mapUpstreamError } from '../claude/map-upstream-error.js';
import { resolveModel } from '../claude/models.js';
import type { ClaudeUpstream, MessageRequest } from '../claude/upstream.js';
import { callWithRetries, type RetryDeps, type RetryPolicy } from '../claude/with-retries.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../util/clock.js';
import { textOf, toMessageRequest, toUsage } from './map-request.js';
import type { QueryInput, QueryOutput } from './query.schema.js';
import { enforceMaxTokens } from './request-limits.js';

export interface QueryDeps {
  upstream: ClaudeUpstream;
  cache: ResponseCache;
  modelAliases: Readonly<Record<string, string>>;
  retryPolicy: RetryPolicy;
  retryDeps?: RetryDeps;
  clock: Clock;
  /** When true every client shares cache entries; by default each client has its own. */
  sharedCache: boolean;
}

export interface QueryCaller {
  clientId: string;
  signal?: AbortSignal;
  /** Streaming upstream call with progress (tasks); sync queries use a plain call. */
  onProgress?: (outputTokens: number) => void;
  /** The client's cap on maxTokens (rate-limit overrides); the model's own cap always applies. */
  maxTokensCap?: number | null;
  /** Phase durations in ms (`cache`, `upstream`), added to for the Server-Timing header. */
  timings?: Map<string, number>;
  /** For correlating upstream DEBUG log lines with the request. */
  requestId?: string;
}

function addTiming(caller: QueryCaller, phase: string, started: number): void {
  if (caller.timings) caller.timings.set(phase, (caller.timings.get(phase) ?? 0) + performance.now() - started);
}

export type CacheStatus = 'hit' | 'miss' | 'bypass';

export interface QueryResult {
  output: QueryOutput;
  cacheStatus: CacheStatus;
  /** Seconds the answer may be reused (Cache-Control: max-age); undefined means no-store. */
  maxAgeSeconds: number | undefined;
  /** The upstream request that was (or would have been) sent. */
  request: MessageRequest;
  /** The cache entry's key (C1), when caching was on: an admin can invalidate it alone. */
  cacheKey: string | undefined;
}

function toOutput(value: CachedResponse, cached: boolean): QueryOutput {
  return {
    id: value.id,
    content: value.content,
    usage: value.usage,
    metadata: { timestamp: value.timestamp, model: value.model, cached },
  };
}

export function buildUpstreamRequest(
  input: QueryInput,
  modelAliases: Readonly<Record<string, string>>,
): MessageRequest {
  const p = input.parameters ?? {};
  if (p.temperature !== undefined && p.topP !== undefined && p.topP !== 1) {
    throw new AppError('invalid_request', 'temperature and topP cannot both be set for this model; use only one', {
      details: 'parameters.temperature, parameters.topP: only one of them may be set',
    });
  }
  const request = toMessageRequest(input, resolveModel(modelAliases, p.model ?? 'claude-3'));
  enforceMaxTokens(request, undefined);
  return request;
}

/** E1 (and the task worker): cache lookup, single flight, upstream call within one retry budget, store. */
export async function runQuery(deps: QueryDeps, input: QueryInput, caller: QueryCaller): Promise<QueryResult> {
  const request = buildUpstreamRequest(input, deps.modelAliases);
  enforceMaxTokens(request, caller.maxTokensCap);
  const caching = input.caching ?? true;
  // Only a cached request needs its key (C1): hashing it is a measurable share of a cache-off call.
  const key = caching ? cacheKey(deps.sharedCache ? 'shared' : caller.clientId, request) : '';
  const ttlSeconds = Math.floor(deps.cache.ttlMs / 1000);

  if (caching) {
    const started = performance.now();
    const hit = await deps.cache.get(key);
    addTiming(caller, 'cache', started);
    if (hit) {
      const maxAge = Math.max(0, Math.floor((hit.expiresAt - deps.clock.now()) / 1000));
      return { output: toOutput(hit.value, true), cacheStatus: 'hit', maxAgeSeconds: maxAge, request, cacheKey: key };
    }
  }

  const options = {
    ...(caller.signal ? { signal: caller.signal } : {}),
    ...(caller.requestId ? { requestId: caller.requestId } : {}),
  };
  const call = async (): Promise<{ value: CachedResponse; cacheable: boolean }> => {
    const started = performance.now();
    try {
      const message = await callWithRetries(
        () =>
          caller.onProgress
            ? deps.upstream.streamMessage(request, { ...options, onProgress: caller.onProgress })
            : deps.upstream.createMessage(request, options),
        deps.retryPolicy,
        caller.signal,
        deps.retryDeps,
      );
      const value: CachedResponse = {
        id: message.id,
        content: textOf(message),
        usage: toUsage(message),
        model: message.model,
        timestamp: new Date(deps.clock.now()).toISOString(),
      };
      // A truncated answer is not the answer to the request: never reuse it.
      return { value, cacheable: message.stop_reason !== 'max_tokens' };
    } catch (error) {
      throw mapUpstreamError(error);
    } finally {
      addTiming(caller, 'upstream', started);
    }
  };

  if (!caching) {
    const { value } = await call();
    return {
      output: toOutput(value, false),
      cacheStatus: 'bypass',
      maxAgeSeconds: undefined,
      request,
      cacheKey: undefined,
    };
  }

  const work = async () => {
    const result = await call();
    if (result.cacheable) await deps.cache.set(key, result.value);
    return result;
  };
  // A caller with its own signal or progress callback (a task) does not share its call with others.
  const result = caller.onProgress || caller.signal ? await work() : await deps.cache.singleFlight(key, work);
  const cacheStatus: CacheStatus = result.cacheable ? 'miss' : 'bypass';
  const maxAgeSeconds = result.cacheable ? ttlSeconds : undefined;
  return { output: toOutput(result.value, false), cacheStatus, maxAgeSeconds, request, cacheKey: key };
}
