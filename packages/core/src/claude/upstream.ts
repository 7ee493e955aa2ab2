/** The slice of Anthropic's Messages API the proxy uses. Adapters: the official SDK (anthropic-upstream.ts). */
export interface MessageRequest {
  model: string;
  max_tokens: number;
  messages: { role: 'user' | 'assistant'; content: string }[];
  system?: string;
  temperature?: number;
  top_p?: number;
  top_k?: number;
}

export interface UpstreamUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export interface UpstreamMessage {
  id: string;
  model: string;
  content: { type: string; text?: string }[];
  stop_reason: string | null;
  usage: UpstreamUsage;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Streaming only: called with the cumulative output token count as deltas arrive. */
  onProgress?: (outputTokens: number) => void;
  /** The proxy request this call serves; only for correlating DEBUG log lines. */
  requestId?: string;
}

export interface ClaudeUpstream {
  createMessage(request: MessageRequest, options?: CallOptions): Promise<UpstreamMessage>;
  /** Same result as createMessage, but over SSE so progress is observable. */
  streamMessage(request: MessageRequest, options?: CallOptions): Promise<UpstreamMessage>;
  /** A free call (lists models) used by health checks; never a billed completion. */
  ping(options?: CallOptions): Promise<void>;
}

export type UpstreamErrorKind = 'status' | 'connection' | 'timeout' | 'aborted';

/** A header of web `Headers` or of a plain record (node:http's), when it is one string. */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const v = (headers as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * retry-after-ms first, then retry-after (seconds or an HTTP date), as the official SDKs read them; an
 * empty or unreadable value is no value.
 */
export function retryAfterFrom(headers: unknown, now = Date.now()): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms');
  if (ms !== undefined && ms !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const s = headerValue(headers, 'retry-after');
  if (s === undefined || s === '') return undefined;
  if (Number.isFinite(Number(s))) return Math.max(0, Number(s) * 1000);
  const date = Date.parse(s);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The API's `x-should-retry` header, as the official SDKs read it: its explicit verdict wins over the status code. */
export const shouldRetryFrom = (verdict: unknown): { shouldRetry?: boolean } =>
  verdict === 'true' ? { shouldRetry: true } : verdict === 'false' ? { shouldRetry: false } : {};

/** Every upstream failure, normalised so retry and mapping rules read one shape. */
export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  readonly status: number | undefined;
  /** Anthropic's error type, e.g. `overloaded_error`. */
  readonly type: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly requestId: string | undefined;
  /** The upstream's own `x-should-retry` verdict, when it gave one; it overrides the rule below. */
  readonly shouldRetry: boolean | undefined;

  constructor(
    kind: UpstreamErrorKind,
    message: string,
    info: { status?: number; type?: string; retryAfterMs?: number; requestId?: string; shouldRetry?: boolean } = {},
  ) {
    super(message);
    this.name = 'UpstreamError';
    this.kind = kind;
    this.status = info.status;
    this.type = info.type;
    this.retryAfterMs = info.retryAfterMs;
    this.requestId = info.requestId;
    this.shouldRetry = info.shouldRetry;
  }

  /** Transient: worth another attempt (connection, timeout, 408, 409, 429, 5xx, 529), unless the upstream said otherwise. */
  get transient(): boolean {
    if (this.shouldRetry !== undefined) return this.shouldRetry;
    if (this.kind === 'connection' || this.kind === 'timeout') return true;
    if (this.kind !== 'status' || this.status === undefined) return false;
    return this.status === 408 || this.status === 409 || this.status === 429 || this.status >= 500;
  }
}
