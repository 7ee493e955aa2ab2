import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import {
  createRequestContext,
  errorResult,
  executeRoute,
  type RequestContext,
  type RestResult,
  type RestRoute,
  restRoutes,
} from '@claude-proxy/api';
import { AppError, type Services } from '@claude-proxy/core';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { clientIpOf } from './client-ip.js';
import type { ObservedRequest } from './observability/observe-requests.js';
import { bodyNotReceived, requestTimedOut, securityHeaders } from './protection.js';
import {
  credentialFrom,
  invalidRequestTarget,
  requestIdFrom,
  unsupportedBodyType,
  unsupportedEncoding,
  unsupportedSchemeOf,
} from './request-rules.js';

export interface FastLaneOptions {
  services: Services;
  logger: Logger;
  observe: (request: ObservedRequest) => string;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  trustedProxies?: BlockList;
  /** CORS is configured: every request goes to the Hono app, which adds the CORS headers (and Vary). */
  corsEnabled: boolean;
  /** HSTS is on: a request that may have come over TLS goes to the Hono app, which adds the header. */
  hstsEnabled: boolean;
}

/** Answers a request it took; false means "not mine", and the Hono app answers it. */
export type FastLane = (req: IncomingMessage, res: ServerResponse) => boolean;

const routeOf = (procedure: string): RestRoute => {
  const route = restRoutes.find((r) => r.procedure === procedure);
  if (!route) throw new Error(`no REST route for ${procedure}`);
  return route;
};

// A task id segment; `.` and `..` are left to the Hono app, which resolves them as a URL parser would.
const TASK_PATH = /^\/api\/claude\/task\/(?!\.\.?$)([^/?#%]+)$/;

/**
 * Node keeps only the first of repeated Authorization and Content-Type headers, where the Hono app sees
 * them joined: a request that repeats one goes to the Hono app, so both decide on the same value.
 */
function repeatsJoinedHeader(raw: string[]): boolean {
  let authorization = 0;
  let contentType = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') authorization++;
    else if (name.length === 12 && name.toLowerCase() === 'content-type') contentType++;
  }
  return authorization > 1 || contentType > 1;
}

/**
 * The headers every answer carries (S5), read off the same middleware the Hono app runs, so the two cannot
 * drift apart.
 */
async function staticHeaders(): Promise<string[]> {
  const probe = new Hono().use(securityHeaders());
  probe.get('/', (c) => c.body(null, 204));
  const res = await probe.request('/');
  const flat: string[] = [];
  res.headers.forEach((value, name) => {
    flat.push(name, value);
  });
  return flat;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      // A leading byte order mark is dropped, as the WHATWG decoder behind the Hono app's body reader does.
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    });
    req.on('error', reject);
    // A client that goes away mid-body: 'end' never comes, 'close' does.
    req.on('close', () => reject(new Error('request closed before its body arrived')));
  });
}

/**
 * The hot REST routes (E1 query, E2 queue, E3 task status) on plain node:http, without building web
 * Request/Response objects and running the middleware chain for every call. It takes only requests whose
 * answer the Hono app would build the same way: the exact path, a declared Content-Length within the
 * limit, a JSON body without Content-Encoding, no CORS or HSTS to add. Anything else (errors that the
 * headers already show, chunked bodies, query strings, OPTIONS, browsers' Origin) goes to the Hono app.
 * Both run the same procedures (`executeRoute`), the same header rules (request-rules.ts), the same
 * security headers and the same request observer (log line, metrics, history row).
 */
export async function createFastLane(options: FastLaneOptions): Promise<FastLane> {
  const { services, observe } = options;
  const fixed = await staticHeaders();
  const query = routeOf('claude.query');
  const queue = routeOf('claude.queue');
  const task = routeOf('claude.task');

  const answer = (
    res: ServerResponse,
    ctx: RequestContext,
    method: string,
    path: string,
    route: string,
    result: RestResult,
    arrivedAt: number,
    started: number,
  ) => {
    const timing = observe({
      ctx,
      method,
      path,
      route,
      status: result.status,
      arrivedAt,
      durationMs: performance.now() - started,
    });
    if (res.destroyed) return;
    const headers = fixed.slice();
    headers.push('content-type', 'application/json; charset=utf-8', 'x-request-id', ctx.requestId);
    headers.push('server-timing', timing);
    ctx.responseHeaders.forEach((value, name) => {
      headers.push(name, value);
    });
    const json = JSON.stringify(result.body);
    headers.push('content-length', String(Buffer.byteLength(json)));
    res.writeHead(result.status, headers);
    res.end(json);
  };

  const run = async (
    req: IncomingMessage,
    res: ServerResponse,
    route: RestRoute,
    params: Record<string, string>,
  ): Promise<void> => {
    const arrivedAt = Date.now();
    const started = performance.now();
    const h = req.headers;
    const ctx = createRequestContext({
      services,
      requestId: requestIdFrom(h['x-request-id'] as string | undefined) ?? randomUUID(),
      ip: clientIpOf(req.socket.remoteAddress, h['x-forwarded-for'] as string | undefined, options.trustedProxies),
      credential: credentialFrom(h.authorization, () => undefined),
      ...unsupportedSchemeOf(h.authorization),
    });
    // REQUEST_TIMEOUT_MS as in the Hono app, counted from arrival (a slow body counts): past it the caller
    // gets 503 and a late result is dropped.
    const method = req.method ?? '';
    const path = req.url ?? '';
    let answered = false;
    const finish = (result: RestResult) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      answer(res, ctx, method, path, route.path, result, arrivedAt, started);
    };
    let bodyDone = !route.body;
    let graced = false;
    const onTimeout = () => {
      // A task submission under way is waited for once more as long (protection.ts requestTimeout says why).
      if (ctx.outcome.committing && !graced) {
        graced = true;
        timer = setTimeout(onTimeout, options.requestTimeoutMs);
        return;
      }
      // The rest of a body still arriving is never read: the connection is not reused.
      if (!bodyDone) ctx.responseHeaders.set('Connection', 'close');
      finish(errorResult(requestTimedOut(options.requestTimeoutMs), ctx));
    };
    let timer = setTimeout(onTimeout, options.requestTimeoutMs);
    let body: unknown;
    if (route.body) {
      let text: string;
      try {
        text = await readBody(req);
      } catch {
        // The client went away mid-body: recorded as its error (nobody is left to read the answer).
        return finish(errorResult(bodyNotReceived(), ctx));
      }
      bodyDone = true;
      if (answered) return;
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          return finish(errorResult(new AppError('invalid_request', 'Malformed JSON body'), ctx));
        }
      }
    }
    finish(await executeRoute(route, { params, query: {}, body }, ctx));
  };

  const start = (
    req: IncomingMessage,
    res: ServerResponse,
    route: RestRoute,
    params: Record<string, string>,
  ): boolean => {
    if (repeatsJoinedHeader(req.rawHeaders)) return false;
    run(req, res, route, params).catch((error: unknown) => {
      // executeRoute never throws; this is a bug in the lane itself. Answer in the spec's shape if still possible.
      options.logger.error({ err: error }, 'fast lane failed');
      if (!res.headersSent && !res.destroyed) {
        const requestId = randomUUID();
        res.writeHead(500, [...fixed, 'content-type', 'application/json; charset=utf-8', 'x-request-id', requestId]);
        res.end(
          JSON.stringify({ error: { code: 'internal_server_error', message: 'Internal server error', requestId } }),
        );
      } else res.destroy();
    });
    return true;
  };

  /** A request target the Hono adapter would refuse with a bare 400: the same 400, in the spec's shape. */
  const refuse = (req: IncomingMessage, res: ServerResponse, reason: string): boolean => {
    const ctx = createRequestContext({
      services,
      requestId: randomUUID(),
      ip: clientIpOf(req.socket.remoteAddress, undefined, options.trustedProxies),
      credential: undefined,
    });
    // Whatever body follows is not read: the connection is not reused.
    ctx.responseHeaders.set('Connection', 'close');
    const result = errorResult(new AppError('invalid_request', reason), ctx);
    answer(res, ctx, req.method ?? '', req.url ?? '', 'unmatched', result, Date.now(), performance.now());
    return true;
  };

  return (req, res) => {
    const h = req.headers;
    const invalid = invalidRequestTarget(req.url ?? '', h.host);
    if (invalid) return refuse(req, res, invalid);
    // With CORS configured every answer carries its Vary header: the Hono app adds it.
    if (options.corsEnabled) return false;
    if (options.hstsEnabled && ('encrypted' in req.socket || h['x-forwarded-proto'] !== undefined)) return false;
    const url = req.url ?? '';
    if (req.method === 'POST') {
      const route = url === query.path ? query : url === queue.path ? queue : undefined;
      if (!route) return false;
      const length = h['content-length'];
      if (length === undefined || h['transfer-encoding'] !== undefined) return false;
      if (!(Number(length) <= options.bodyLimitBytes)) return false;
      if (unsupportedBodyType(h['content-type']) || unsupportedEncoding(h['content-encoding'])) return false;
      return start(req, res, route, {});
    }
    if (req.method === 'GET' && url.startsWith('/api/claude/task/')) {
      const match = TASK_PATH.exec(url);
      // A GET with a body is rare enough to leave to the Hono app, which drains it.
      if (!match || h['content-length'] !== undefined || h['transfer-encoding'] !== undefined) return false;
      return start(req, res, task, { taskId: match[1]! });
    }
    return false;
  };
}
