import { AppError, isAppError } from '@claude-proxy/core';
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';

/** Every problem found, `path: message` joined by `; ` (the first one is also the error's message). */
function zodDetails(error: ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
}

function describeZod(error: ZodError): string {
  const first = error.issues[0];
  if (!first) return 'Invalid request';
  const path = first.path.join('.');
  return path ? `Invalid parameter ${path}: ${first.message}` : `Invalid request: ${first.message}`;
}

const LOST_CONNECTION_MESSAGES = [
  'Connection terminated', // also "... unexpectedly"
  'Client has encountered a connection error and is not queryable',
  'timeout exceeded when trying to connect',
];

/**
 * The database connection was lost or refused (Postgres SQLSTATE class 08 and 57P01–57P03, the driver's own
 * connection errors): worth a retry in a moment, so a 503 with Retry-After rather than a 500.
 */
function databaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('08') || /^57P0[123]$/.test(code) || code === 'ECONNREFUSED' || code === 'ECONNRESET')
    return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return LOST_CONNECTION_MESSAGES.some((m) => message.startsWith(m));
}

const unavailable = (cause: unknown) =>
  new AppError('service_unavailable', 'The database is unavailable; retry in a moment', { retryAfter: 1, cause });

/** Whatever was thrown, the AppError the caller sees. Unknown faults become a generic 500 (logged elsewhere). */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (error instanceof ZodError) {
    return new AppError('invalid_request', describeZod(error), { details: zodDetails(error) });
  }
  if (error instanceof TRPCError) {
    if (isAppError(error.cause) || error.cause instanceof ZodError) return toAppError(error.cause);
    switch (error.code) {
      case 'PARSE_ERROR':
      case 'BAD_REQUEST':
        return new AppError('invalid_request', error.message || 'Invalid request');
      case 'NOT_FOUND':
        return new AppError('not_found', error.message || 'Not found');
      case 'METHOD_NOT_SUPPORTED':
        return new AppError('method_not_allowed', error.message || 'Method not allowed');
      // A body too large or of another type is a parameter error like any other: 400 (E1, X3).
      case 'PAYLOAD_TOO_LARGE':
        return new AppError('invalid_request', error.message || 'Request body too large');
      case 'UNSUPPORTED_MEDIA_TYPE':
        return new AppError('invalid_request', error.message || 'Unsupported request body type');
      default:
        if (databaseUnavailable(error.cause)) return unavailable(error.cause);
        return new AppError('internal_server_error', 'Internal server error', { cause: error.cause ?? error });
    }
  }
  if (databaseUnavailable(error)) return unavailable(error);
  return new AppError('internal_server_error', 'Internal server error', { cause: error });
}

/** True for faults the server should log at ERROR (not the caller's mistakes). */
export function isFault(error: AppError): boolean {
  return error.code === 'internal_server_error';
}
