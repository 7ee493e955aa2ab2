import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

export interface NodeHttpFetchOptions {
  /** Sockets kept per upstream host (keep-alive). */
  maxSockets?: number;
}

function headersOf(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

function bodyOf(init: RequestInit | undefined): string | Uint8Array | undefined {
  const body = init?.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new TypeError('nodeHttpFetch sends string or byte bodies only');
}

/**
 * A `fetch` for the upstream SDK over node:http(s) with keep-alive agents. Global fetch (undici with web
 * streams) costs a large share of a proxied request's CPU; this one buffers ordinary answers in one piece
 * and hands only event streams to the SDK as a web stream.
 */
export function createNodeHttpFetch(options: NodeHttpFetchOptions = {}): typeof fetch {
  const maxSockets = options.maxSockets ?? 256;
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' });

  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const secure = url.protocol === 'https:';
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((value, name) => {
        headers[name] = value;
      });
      const signal = init?.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        { method: init?.method ?? 'GET', headers, agent: secure ? httpsAgent : httpAgent },
        (res) => {
          const status = res.statusCode ?? 502;
          const responseHeaders = headersOf(res);
          if ((res.headers['content-type'] ?? '').includes('text/event-stream')) {
            resolve(new Response(Readable.toWeb(res) as ReadableStream, { status, headers: responseHeaders }));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers: responseHeaders }));
          });
        },
      );
      const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('close', () => signal?.removeEventListener('abort', onAbort));
      req.on('error', (error) =>
        reject(signal?.aborted ? (signal.reason ?? error) : new TypeError('fetch failed', { cause: error })),
      );
      req.end(bodyOf(init));
    });
}
