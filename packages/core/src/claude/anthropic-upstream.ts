import Anthropic from '@anthropic-ai/sdk';
import { createDirectUpstream } from './direct-messages.js';
import {
  type CallOptions,
  type ClaudeUpstream,
  headerValue,
  retryAfterFrom,
  shouldRetryFrom,
  UpstreamError,
} from './upstream.js';

export interface AnthropicUpstreamOptions {
  apiKey: string;
  /** Without `/v1`. Default: Anthropic's API. */
  baseURL?: string;
  /** Abort an attempt that has not received response headers within this time. */
  firstByteTimeoutMs?: number;
  /** Total time one attempt may take, body included (long generations need minutes). */
  totalTimeoutMs?: number;
  /** The SDK's transport (only the health ping uses the SDK). Default: the global fetch. */
  fetch?: typeof fetch;
  /** User-Agent of messages calls. */
  userAgent?: string;
}

function normalise(error: unknown, signal: AbortSignal | undefined): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (signal?.aborted) return new UpstreamError('aborted', 'request aborted');
  if (error instanceof Anthropic.APIUserAbortError) return new UpstreamError('timeout', 'upstream first-byte timeout');
  if (error instanceof Anthropic.APIConnectionTimeoutError) return new UpstreamError('timeout', 'upstream timed out');
  if (error instanceof Anthropic.APIConnectionError) {
    return new UpstreamError('connection', `upstream connection failed: ${error.message}`);
  }
  if (error instanceof Anthropic.APIError) {
    const body = error.error as { error?: { type?: string; message?: string } } | undefined;
    const type = body?.error?.type;
    // Without a JSON error body the SDK's message quotes the raw answer (a proxy's HTML page, say): not ours to echo.
    const message =
      body?.error?.message ?? (error.status ? `${error.status} without a JSON error body` : error.message);
    // A 200 stream that carried an `event: error` has no status; treat it as the server error it reports.
    const status = error.status ?? (type === 'overloaded_error' ? 529 : 500);
    return new UpstreamError('status', message, {
      status,
      ...(type ? { type } : {}),
      ...(error.requestID ? { requestId: error.requestID } : {}),
      ...withRetryAfter(retryAfterFrom(error.headers)),
      ...shouldRetryFrom(headerValue(error.headers, 'x-should-retry')),
    });
  }
  return new UpstreamError('connection', error instanceof Error ? error.message : String(error));
}

const withRetryAfter = (ms: number | undefined) => (ms === undefined ? {} : { retryAfterMs: ms });

/**
 * The upstream: messages, plain and streamed, on a direct keep-alive client (direct-messages.ts); the health
 * ping through the official SDK. Retries are ours (one budget per request), so the SDK's are off.
 */
export function createAnthropicUpstream(options: AnthropicUpstreamOptions): ClaudeUpstream {
  const baseFetch = options.fetch ?? fetch;
  const firstByteTimeoutMs = options.firstByteTimeoutMs ?? 30_000;
  const timedFetch: typeof fetch = async (input, init) => {
    const controller = new AbortController();
    const outer = init?.signal;
    const onAbort = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new Error('first-byte timeout')), firstByteTimeoutMs);
    try {
      return await baseFetch(input, { ...init, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  };
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    maxRetries: 0,
    timeout: options.totalTimeoutMs ?? 600_000,
    fetch: timedFetch,
  });

  const direct = createDirectUpstream({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    firstByteTimeoutMs,
    totalTimeoutMs: options.totalTimeoutMs ?? 600_000,
    userAgent: options.userAgent ?? 'claude-proxy',
  });

  // Whatever an upstream error says reaches the caller's `details` and the log: never with our key in it.
  const scrub = (error: unknown): never => {
    if (error instanceof Error && options.apiKey && error.message.includes(options.apiKey))
      error.message = error.message.replaceAll(options.apiKey, '[redacted]');
    throw error;
  };

  return {
    createMessage: (request, call) => direct.createMessage(request, call).catch(scrub),
    streamMessage: (request, call) => direct.streamMessage(request, call).catch(scrub),
    async ping(call: CallOptions = {}): Promise<void> {
      try {
        await client.models.list({ limit: 1 }, call.signal ? { signal: call.signal } : {});
      } catch (error) {
        return scrub(normalise(error, call.signal));
      }
    },
  };
}
