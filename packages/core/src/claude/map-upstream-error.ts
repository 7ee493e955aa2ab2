import { AppError } from '../errors/app-error.js';
import { UpstreamError } from './upstream.js';

const CALLER_FAULT = new Set([400, 404, 413, 422]);

/** Retry-After in whole seconds, at least 1 and at most an hour (an upstream's absurd hint is not passed on). */
const seconds = (ms: number | undefined) =>
  ms === undefined ? undefined : Math.min(3600, Math.max(1, Math.ceil(ms / 1000)));

/** The upstream's own words and its identifiers, for `details`: `message (upstream 429 rate_limit_error, request-id req_…)`. */
function describe(error: UpstreamError, reason = error.message): string {
  const about = [
    error.status !== undefined ? `upstream ${error.status}` : undefined,
    error.type,
    error.requestId ? `request-id ${error.requestId}` : undefined,
  ].filter(Boolean);
  return about.length > 0 ? `${reason} (${about.join(', ')})` : reason;
}

/**
 * What the caller sees when the upstream fails after the retry budget (E1: 400 `invalid_request` for the
 * caller's parameters, else 500 `claude_api_error` with `details`, as the spec's example answers an upstream
 * rate limit). The upstream's message goes in `details`; our Anthropic key never does. A rate limit or an
 * overload upstream keeps its Retry-After, so a client knows when trying again makes sense.
 */
export function mapUpstreamError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (!(error instanceof UpstreamError)) {
    return new AppError('internal_server_error', 'Internal server error', { cause: error });
  }
  const retryAfter = seconds(error.retryAfterMs);

  if (error.kind === 'status' && error.status !== undefined) {
    if (CALLER_FAULT.has(error.status)) {
      return new AppError('invalid_request', `Claude API rejected the request: ${error.message}`, {
        details: describe(error),
      });
    }
    if (error.status === 429) {
      return new AppError('claude_api_error', 'Claude API rate limit reached; retry later', {
        details: describe(error),
        ...(retryAfter === undefined ? {} : { retryAfter }),
      });
    }
    if (error.status === 529 || error.type === 'overloaded_error') {
      return new AppError('claude_api_error', 'Claude API is overloaded; retry later', {
        details: describe(error),
        retryAfter: retryAfter ?? 5,
      });
    }
    if (error.status === 401 || error.status === 403) {
      return new AppError('claude_api_error', 'Error communicating with Claude API', {
        details: describe(error, 'the proxy is not authorised upstream'),
      });
    }
  }
  return new AppError('claude_api_error', 'Error communicating with Claude API', { details: describe(error) });
}
