/** The error types the real API documents, each with its HTTP status (one table, so they never disagree). */
export const ERROR_STATUS = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
} as const;

export type ErrorType = keyof typeof ERROR_STATUS;

const DEFAULT_MESSAGES: Record<string, string> = {
  invalid_request_error: 'Invalid request',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low to access the Anthropic API.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'Not found',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out',
  overloaded_error: 'Overloaded',
};

/** An error answer: status, body fields and any extra headers (retry-after…). */
export interface ApiErrorReply {
  status: number;
  type: string;
  message: string;
  headers?: Record<string, string>;
}

export function apiError(type: ErrorType, message?: string, headers?: Record<string, string>): ApiErrorReply {
  const reply: ApiErrorReply = { status: ERROR_STATUS[type], type, message: message ?? defaultMessage(type) };
  if (headers) reply.headers = headers;
  return reply;
}

export function invalidRequest(message: string): ApiErrorReply {
  return apiError('invalid_request_error', message);
}

export function defaultMessage(type: string): string {
  return DEFAULT_MESSAGES[type] ?? 'Error';
}

export function errorBody(type: string, message: string, requestId: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
}
