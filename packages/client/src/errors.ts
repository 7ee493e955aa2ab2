import { TRPCClientError } from '@trpc/client';

/** The spec's error codes, plus the few the proxy adds. */
export type ClaudeProxyErrorCode =
  | 'invalid_request'
  | 'authentication_error'
  | 'authorization_error'
  | 'rate_limit_exceeded'
  | 'claude_api_error'
  | 'task_not_found'
  | 'result_not_available'
  | 'cannot_cancel'
  | 'internal_server_error'
  | 'not_found'
  | 'method_not_allowed'
  | 'service_unavailable'
  | 'task_failed'
  | 'task_cancelled'
  | 'network_error'
  | 'timeout'
  | 'aborted';

/** Every failure the SDK reports: the proxy's error body, or a network failure on the way to it. */
export class ClaudeProxyError extends Error {
  readonly code: ClaudeProxyErrorCode;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  /** Seconds to wait before retrying (429/503), when the proxy said so. */
  readonly retryAfter: number | undefined;
  readonly details: unknown;
  /** Extra fields of the error, e.g. `taskStatus`. */
  readonly extra: Record<string, unknown>;

  constructor(
    code: ClaudeProxyErrorCode,
    message: string,
    info: {
      status?: number;
      requestId?: string;
      retryAfter?: number;
      details?: unknown;
      extra?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    this.name = 'ClaudeProxyError';
    this.code = code;
    this.status = info.status;
    this.requestId = info.requestId;
    this.retryAfter = info.retryAfter;
    this.details = info.details;
    this.extra = info.extra ?? {};
  }

  get taskStatus(): string | undefined {
    const value = this.extra.taskStatus;
    return typeof value === 'string' ? value : undefined;
  }
}

const KNOWN = new Set(['code', 'httpStatus', 'requestId', 'details', 'retryAfter', 'path', 'stack']);

/** Turns whatever a call threw into a ClaudeProxyError. */
export function toClaudeProxyError(error: unknown): ClaudeProxyError {
  if (error instanceof ClaudeProxyError) return error;
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? undefined) as Record<string, unknown> | undefined;
    if (data && typeof data.code === 'string') {
      const extra: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(data)) if (!KNOWN.has(k)) extra[k] = v;
      return new ClaudeProxyError(data.code as ClaudeProxyErrorCode, error.message, {
        ...(typeof data.httpStatus === 'number' ? { status: data.httpStatus } : {}),
        ...(typeof data.requestId === 'string' ? { requestId: data.requestId } : {}),
        ...(typeof data.retryAfter === 'number' ? { retryAfter: data.retryAfter } : {}),
        details: data.details ?? undefined,
        extra,
        cause: error,
      });
    }
    return new ClaudeProxyError('network_error', error.message, { cause: error });
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new ClaudeProxyError('aborted', 'The call was aborted', { cause: error });
  }
  return new ClaudeProxyError('network_error', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
