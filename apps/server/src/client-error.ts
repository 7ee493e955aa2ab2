import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

// 400 for all of them: the spec's statuses (X3) have no 408 or 431; the message says which it was.
const ANSWERS: Record<string, [status: number, reason: string, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [400, 'Bad Request', 'invalid_request', 'Request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [400, 'Bad Request', 'invalid_request', 'The request was not received in time'],
};
const MALFORMED: [number, string, string, string] = [400, 'Bad Request', 'invalid_request', 'Malformed HTTP request'];

/**
 * Requests Node's parser rejects before any route runs (bad syntax, oversized headers, a request that never
 * finished arriving) still get the spec's error body instead of Node's empty answer. The connection closes.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (error.code === 'ECONNRESET' && socket.destroyed)) {
      socket.destroy();
      return;
    }
    const [status, reason, code, message] = ANSWERS[error.code ?? ''] ?? MALFORMED;
    const requestId = randomUUID();
    const body = JSON.stringify({ error: { code, message, requestId } });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-ID: ${requestId}\r\n` +
        `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
