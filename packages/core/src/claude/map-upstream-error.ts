import { AppError } from '../errors/app-error.js';
import { UpstreamError } from './upstream.js';

const CALLER_FAULT = new Set([400, 404, 413, 422]);

/** Retry-After in whole seconds, at least 1 and at most an hour (an upstream's absurd hint is not passed on). */
const seconds = (ms: number | undefined) =>
  ms === undefined ? undefined : Math.min(3600, Math.max(1, Math.ceil(ms / 1000)));

/**
 * What the caller sees when the upstream fails after the retry budget. The upstream's message goes in
 * `details`; our Anthropic key never does (the upstream never echoes it).
 */
export function mapUpstreamError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (!(error instanceof UpstreamError)) {
    return new AppError('internal_server_error', 'Internal server error', { cause: error });
  }
  const details: Record<string, unknown> = { reason: error.message };
  if (error.status !== undefined) details.upstreamStatus = error.status;
  if (error.type) details.upstreamType = error.type;
  if (error.requestId) details.upstreamRequestId = error.requestId;
  const retryAfter = seconds(error.retryAfterMs);
  const retry = retryAfter === undefined ? {} : { retryAfter };

  if (error.kind === 'status' && error.status !== undefined) {
    if (CALLER_FAULT.has(error.status)) {
      return new AppError('invalid_request', `Claude API rejected the request: ${error.message}`, { details });
    }
    if (error.status === 429) {
      return new AppError('rate_limit_exceeded', 'Claude API rate limit reached; retry later', { details, ...retry });
    }
    if (error.status === 529 || error.type === 'overloaded_error') {
      return new AppError('service_unavailable', 'Claude API is overloaded; retry later', {
        details,
        retryAfter: retryAfter ?? 5,
      });
    }
    if (error.status === 401 || error.status === 403) {
      return new AppError('claude_api_error', 'Error communicating with Claude API', {
        details: { ...details, reason: 'the proxy is not authorised upstream' },
      });
    }
  }
  return new AppError('claude_api_error', 'Error communicating with Claude API', { details });
}
