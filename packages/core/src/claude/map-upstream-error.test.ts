import { describe, expect, it } from 'vitest';
import { mapUpstreamError } from './map-upstream-error.js';
import { UpstreamError } from './upstream.js';

describe('mapUpstreamError', () => {
  it.each([
    [new UpstreamError('status', 'bad', { status: 400, type: 'invalid_request_error' }), 'invalid_request', 400],
    [new UpstreamError('status', 'model: x', { status: 404, type: 'not_found_error' }), 'invalid_request', 400],
    [
      new UpstreamError('status', 'slow', { status: 429, type: 'rate_limit_error', retryAfterMs: 2500 }),
      'rate_limit_exceeded',
      429,
    ],
    [new UpstreamError('status', 'busy', { status: 529, type: 'overloaded_error' }), 'service_unavailable', 503],
    [new UpstreamError('status', 'boom', { status: 500, type: 'api_error' }), 'claude_api_error', 500],
    [new UpstreamError('status', 'key', { status: 401, type: 'authentication_error' }), 'claude_api_error', 500],
    [new UpstreamError('timeout', 'timed out'), 'claude_api_error', 500],
    [new UpstreamError('connection', 'refused'), 'claude_api_error', 500],
  ])('%s -> %s', (error, code, status) => {
    const mapped = mapUpstreamError(error);
    expect(mapped.code).toBe(code);
    expect(mapped.status).toBe(status);
    expect(mapped.details).toBeDefined();
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
