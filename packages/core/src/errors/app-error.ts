/**
 * The closed set of error codes the proxy answers with, and the one table that maps each to an HTTP status
 * and a tRPC code. REST and tRPC both read this table, so they can never disagree.
 */
export const ERROR_TABLE = {
  invalid_request: { status: 400, trpc: 'BAD_REQUEST' },
  authentication_error: { status: 401, trpc: 'UNAUTHORIZED' },
  authorization_error: { status: 403, trpc: 'FORBIDDEN' },
  task_not_found: { status: 404, trpc: 'NOT_FOUND' },
  not_found: { status: 404, trpc: 'NOT_FOUND' },
  method_not_allowed: { status: 405, trpc: 'METHOD_NOT_SUPPORTED' },
  result_not_available: { status: 400, trpc: 'BAD_REQUEST' },
  cannot_cancel: { status: 400, trpc: 'BAD_REQUEST' },
  rate_limit_exceeded: { status: 429, trpc: 'TOO_MANY_REQUESTS' },
  claude_api_error: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  internal_server_error: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  service_unavailable: { status: 503, trpc: 'SERVICE_UNAVAILABLE' },
} as const;

export type ErrorCode = keyof typeof ERROR_TABLE;
export type TrpcErrorCode = (typeof ERROR_TABLE)[ErrorCode]['trpc'];
export const ERROR_CODES = Object.keys(ERROR_TABLE) as ErrorCode[];

export interface AppErrorOptions {
  /** More about the failure, for a person: a string, as in the spec's examples (X2). */
  details?: string;
  /** Extra top-level fields of the error object, e.g. `taskStatus` (spec E4/E5). */
  extra?: Record<string, unknown>;
  /** Seconds the caller should wait before retrying (429/503); becomes the Retry-After header. */
  retryAfter?: number;
  cause?: unknown;
}

/** An expected failure that leaves the server as the spec's error body. Never carries a secret or a stack. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: string | undefined;
  readonly extra: Record<string, unknown> | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.extra = options.extra;
    this.retryAfter = options.retryAfter;
  }

  get status(): number {
    return ERROR_TABLE[this.code].status;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_TABLE[code].status;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: string; requestId: string } & Record<string, unknown>;
}

/** The spec's error body (X2). */
export function toErrorBody(error: AppError, requestId: string): ErrorBody {
  const body: ErrorBody['error'] = { code: error.code, message: error.message, ...error.extra, requestId };
  if (error.details !== undefined) body.details = error.details;
  return { error: body };
}
