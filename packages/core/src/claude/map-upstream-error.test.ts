import { describe, expect, it } from 'vitest';
import { mapUpstreamError } from './map-upstream-error.js';
import { UpstreamError } from './upstream.js';

describe('mapUpstreamError', () => {
  it.each([
    [new UpstreamError('status', 'bad', { status: 400, type: 'invalid_request_error' }), 'invalid_request', 400],
    [new UpstreamError('status', 'model: x', { status: 404, type: 'not_found_error' }), 'invalid_request', 400],
    // E1 and the spec's example: an upstream rate limit is 500 claude_api_error (it is not the caller's limit).
    [
      new UpstreamError('status', 'slow', { status: 429, type: 'rate_limit_error', retryAfterMs: 2500 }),
      'claude_api_error',
      500,
    ],
    [new UpstreamError('status', 'busy', { status: 529, type: 'overloaded_error' }), 'claude_api_error', 500],
    [new UpstreamError('status', 'boom', { status: 500, type: 'api_error' }), 'claude_api_error', 500],
    [new UpstreamError('status', 'key', { status: 401, type: 'authentication_error' }), 'claude_api_error', 500],
    [new UpstreamError('timeout', 'timed out'), 'claude_api_error', 500],
    [new UpstreamError('connection', 'refused'), 'claude_api_error', 500],
  ])('%s -> %s', (error, code, status) => {
    const mapped = mapUpstreamError(error);
    expect(mapped.code).toBe(code);
    expect(mapped.status).toBe(status);
    expect(typeof mapped.details).toBe('string');
    // A 401/403 upstream is the proxy's own key: the caller hears only that, not what the upstream said.
    expect(mapped.details).toContain(error.status === 401 ? 'the proxy is not authorised upstream' : error.message);
  });

  it('says in details what the upstream said and who it was', () => {
    const mapped = mapUpstreamError(
      new UpstreamError('status', 'Rate limit exceeded', { status: 429, type: 'rate_limit_error', requestId: 'req_1' }),
    );
    expect(mapped.details).toBe('Rate limit exceeded (upstream 429, rate_limit_error, request-id req_1)');
    expect(mapUpstreamError(new UpstreamError('connection', 'refused')).details).toBe('refused');
  });

  it('keeps Retry-After for an upstream overload, 5 s when it gave none', () => {
    expect(mapUpstreamError(new UpstreamError('status', 'busy', { status: 529 })).retryAfter).toBe(5);
  });

  it('carries retry-after in whole seconds', () => {
    const mapped = mapUpstreamError(new UpstreamError('status', 'slow', { status: 429, retryAfterMs: 2500 }));
    expect(mapped.retryAfter).toBe(3);
  });
  it('caps an absurd upstream retry-after at an hour', () => {
    const mapped = mapUpstreamError(new UpstreamError('status', 'busy', { status: 529, retryAfterMs: 1e15 }));
    expect(mapped.retryAfter).toBe(3600);
  });
});
