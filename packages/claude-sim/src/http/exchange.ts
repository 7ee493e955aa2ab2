import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiErrorReply, errorBody } from '../errors/api-error.js';
import type { RecordedRequest } from '../types.js';

/** A fixed organization id, sent on every reply as the real API does. */
const ORGANIZATION_ID = '5f3c1e2a-7b4d-4c8e-9a61-0d2b8e4f6a17';

/** One request/response pair with what every reply needs: its request id, recording and abort signal. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  record: RecordedRequest | undefined;
  /** Aborted when the client goes away before the reply is complete. */
  signal: AbortSignal;
  /** True once the connection closed before the reply completed; cheaper to check than `signal`. */
  readonly closed: boolean;
  /** Set when the simulator itself cuts the connection, so the cut is not recorded as a client abort. */
  dropped?: boolean;
}

export function baseHeaders(ex: Exchange, contentType: string): Record<string, string> {
  return { 'request-id': ex.requestId, 'anthropic-organization-id': ORGANIZATION_ID, 'content-type': contentType };
}

export function writeHead(ex: Exchange, status: number, headers: Record<string, string | number>): void {
  if (ex.record) ex.record.status = status;
  ex.res.writeHead(status, headers);
}

export function sendJson(ex: Exchange, status: number, body: string, extra?: Record<string, string>): void {
  if (ex.closed) return;
  const headers: Record<string, string | number> = baseHeaders(ex, 'application/json');
  if (extra) Object.assign(headers, extra);
  headers['content-length'] = Buffer.byteLength(body);
  writeHead(ex, status, headers);
  ex.res.end(body);
}

export function sendError(ex: Exchange, error: ApiErrorReply, extra?: Record<string, string>): void {
  const headers = extra && error.headers ? { ...extra, ...error.headers } : (error.headers ?? extra);
  sendJson(ex, error.status, errorBody(error.type, error.message, ex.requestId), headers);
}

/** Resolves after `ms`, or early (with false) when the client goes away. */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
