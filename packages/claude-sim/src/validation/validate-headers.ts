import type { IncomingHttpHeaders } from 'node:http';
import { type ApiErrorReply, apiError, invalidRequest } from '../errors/api-error.js';

/** `2023-01-01` and `2023-06-01` are the API's versions; SDK 1.16.0 sends `2026-10-21`. */
export const SUPPORTED_VERSIONS: ReadonlySet<string> = new Set(['2023-01-01', '2023-06-01', '2026-10-21']);

/**
 * Checks the key (x-api-key or Authorization: Bearer, never both) and then anthropic-version, in the
 * order the real API does. `validKeys` undefined means any non-empty key is accepted.
 */
export function validateHeaders(
  headers: IncomingHttpHeaders,
  validKeys: ReadonlySet<string> | undefined,
): ApiErrorReply | undefined {
  const apiKey = headers['x-api-key'];
  const authorization = headers.authorization;
  if (apiKey !== undefined && authorization !== undefined) {
    return apiError('authentication_error', 'Only one of x-api-key and Authorization headers may be provided.');
  }
  let key: string | undefined;
  if (typeof apiKey === 'string') key = apiKey.trim();
  else if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!match) return apiError('authentication_error', 'invalid x-api-key');
    key = match[1]!.trim();
  }
  if (!key) return apiError('authentication_error', 'x-api-key header is required');
  if (validKeys && !validKeys.has(key)) return apiError('authentication_error', 'invalid x-api-key');

  const version = headers['anthropic-version'];
  if (version === undefined || version === '') return invalidRequest('anthropic-version: header is required');
  if (typeof version !== 'string' || !SUPPORTED_VERSIONS.has(version)) {
    return invalidRequest(`anthropic-version: "${String(version)}" is not a valid version`);
  }
  return undefined;
}
