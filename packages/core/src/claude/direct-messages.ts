import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { SseMessageReader } from './sse-message.js';
import {
  type CallOptions,
  type MessageRequest,
  retryAfterFrom,
  shouldRetryFrom,
  UpstreamError,
  type UpstreamMessage,
} from './upstream.js';
import { MAY_NEED_CLEANING, upstreamMessageFrom } from './upstream-message.js';

export interface DirectMessagesOptions {
  apiKey: string;
  /** Without `/v1`. Default: Anthropic's API. */
  baseURL?: string;
  firstByteTimeoutMs: number;
  totalTimeoutMs: number;
  /** Sent as User-Agent. */
  userAgent: string;
  /** Sockets kept per upstream host (keep-alive). Default 256. */
  maxSockets?: number;
  /** Largest answer body read (an ordinary answer is a few hundred KB at most). Default 32 MiB. */
  maxResponseBytes?: number;
}

export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * A non-streaming answer's headers come only once the whole message is generated. The official SDKs
 * expect up to an hour per 128,000 output tokens for such a call (their non-streaming timeout); the
 * first-byte timeout gets that much on top for the `max_tokens` asked, so a long answer is not cut (and
 * billed again on every retry) while a silent upstream is still given up on. Never past the total timeout.
 */
const MS_PER_OUTPUT_TOKEN = 3_600_000 / 128_000;

export function headersWithin(
  options: Pick<DirectMessagesOptions, 'firstByteTimeoutMs' | 'totalTimeoutMs'>,
  maxTokens: number,
): number {
  return Math.min(options.totalTimeoutMs, generationWithin(options, maxTokens));
}

/** The first-byte timeout plus the time `maxTokens` may take to generate. */
function generationWithin(options: Pick<DirectMessagesOptions, 'firstByteTimeoutMs'>, maxTokens: number): number {
  return options.firstByteTimeoutMs + Math.ceil(maxTokens * MS_PER_OUTPUT_TOKEN);
}

function statusError(status: number, headers: IncomingMessage['headers'], text: string): UpstreamError {
  let type: string | undefined;
  let message: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { type?: unknown; message?: unknown } } | null;
    if (typeof body?.error?.type === 'string') type = body.error.type;
    if (typeof body?.error?.message === 'string') message = body.error.message;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone says what happened.
  }
  const requestId = headers['request-id'];
  const retryAfterMs = retryAfterFrom(headers);
  // A body that is not the API's JSON error (a proxy's HTML page, say) is not quoted: it is not ours to echo.
  return new UpstreamError('status', message ?? `${status} without a JSON error body`, {
    status,
    ...(type ? { type } : {}),
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...shouldRetryFrom(headers['x-should-retry']),
  });
}

/** The two calls of the Messages API the proxy makes, on one keep-alive agent. */
export interface DirectUpstream {
  createMessage(request: MessageRequest, call?: CallOptions): Promise<UpstreamMessage>;
  streamMessage(request: MessageRequest, call?: CallOptions): Promise<UpstreamMessage>;
}

/**
 * `POST /v1/messages` on a keep-alive node:http(s) agent: the request is one write of known headers and a
 * JSON body. Without streaming the answer is read in one piece and parsed once; with streaming (tasks, for
 * their progress) its events are folded into the same message as they arrive (sse-message.ts). The official
 * SDK does these calls with a request builder, web Headers, a Response wrapper and web streams, which cost
 * more CPU than the rest of a proxied request; it stays in use for the health ping
 * (docs/decisions/0001-direct-upstream-for-plain-messages.md). Errors come out as the SDK adapter's do.
 */
export function createDirectUpstream(options: DirectMessagesOptions): DirectUpstream {
  const base = (options.baseURL ?? 'https://api.anthropic.com').replace(/\/+$/, '');
  const url = new URL(`${base}/v1/messages`);
  const secure = url.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const maxSockets = options.maxSockets ?? 256;
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' })
    : new HttpAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' });
  const maxBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
  const target = {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port || (secure ? 443 : 80),
    path: url.pathname + url.search,
    method: 'POST',
    agent,
  };
  const fixedHeaders = (accept: string) => ({
    'x-api-key': options.apiKey,
    'anthropic-version': ANTHROPIC_VERSION,
    'content-type': 'application/json',
    accept,
    'user-agent': options.userAgent,
  });
  const plainHeaders = fixedHeaders('application/json');
  const streamHeaders = fixedHeaders('text/event-stream');

  /**
   * One call: `read` gets the answer once its headers are in, with `finish` to settle the call. Timeouts
   * (headers, total), the caller's abort, connection errors and the size bound are handled here.
   */
  const post = (
    request: MessageRequest & { stream: boolean },
    limits: { headersMs: number; totalMs: number; idleMs?: number },
    call: CallOptions,
    read: (
      res: IncomingMessage,
      finish: (error: UpstreamError | undefined, message?: UpstreamMessage) => void,
      touch: () => void,
    ) => void,
  ) =>
    new Promise<UpstreamMessage>((resolve, reject) => {
      const signal = call.signal;
      if (signal?.aborted) return reject(new UpstreamError('aborted', 'request aborted'));
      const body = JSON.stringify(request);
      let settled = false;
      // Gives up on a silent upstream: first until the headers, then (streams) for each gap between reads.
      let silence: NodeJS.Timeout | undefined;
      let total: NodeJS.Timeout | undefined;
      const finish = (error: UpstreamError | undefined, message?: UpstreamMessage) => {
        if (settled) return;
        settled = true;
        clearTimeout(silence);
        clearTimeout(total);
        signal?.removeEventListener('abort', onAbort);
        if (error) {
          req.destroy();
          reject(error);
        } else resolve(message as UpstreamMessage);
      };
      const onAbort = () => finish(new UpstreamError('aborted', 'request aborted'));
      const headers = request.stream ? streamHeaders : plainHeaders;

      const req = send({ ...target, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        clearTimeout(silence);
        // After the headers, a silence longer than idleMs (if set) gives up; `touch` marks each arrival.
        silence =
          limits.idleMs === undefined
            ? undefined
            : setTimeout(() => finish(new UpstreamError('timeout', 'upstream stopped sending')), limits.idleMs);
        const touch = () => silence?.refresh();
        res.on('error', (error) =>
          finish(new UpstreamError('connection', `upstream connection failed: ${error.message}`)),
        );
        res.on('close', () => {
          if (!res.complete) finish(new UpstreamError('connection', 'upstream connection failed: answer cut short'));
        });
        const status = res.statusCode ?? 502;
        if (status >= 200 && status < 300) return read(res, finish, touch);
        // An error answer is JSON (or a proxy's page), never a stream: read it whole.
        readWhole(res, maxBytes, finish, (text) => finish(statusError(status, res.headers, text)));
      });
      req.on('error', (error) =>
        finish(new UpstreamError('connection', `upstream connection failed: ${error.message}`)),
      );
      silence = setTimeout(() => finish(new UpstreamError('timeout', 'upstream first-byte timeout')), limits.headersMs);
      total = setTimeout(() => finish(new UpstreamError('timeout', 'upstream timed out')), limits.totalMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });

  return {
    createMessage: (request, call = {}) =>
      post(
        { ...request, stream: false },
        { headersMs: headersWithin(options, request.max_tokens), totalMs: options.totalTimeoutMs },
        call,
        (res, finish) =>
          readWhole(res, maxBytes, finish, (text) => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              return finish(new UpstreamError('connection', 'upstream answered with a body that is not JSON'));
            }
            try {
              finish(undefined, upstreamMessageFrom(parsed, MAY_NEED_CLEANING.test(text)));
            } catch (error) {
              finish(error as UpstreamError);
            }
          }),
      ),
    // A stream's headers come before the first token, so the first-byte timeout applies as it is, and again to
    // every silence between events (the API sends pings while it generates). The attempt as a whole may take
    // UPSTREAM_TIMEOUT_MS, or longer when max_tokens needs it (the same 28 ms a token): a long task's answer is
    // not cut off and billed again on every retry.
    streamMessage: (request, call = {}) =>
      post(
        { ...request, stream: true },
        {
          headersMs: options.firstByteTimeoutMs,
          idleMs: options.firstByteTimeoutMs,
          totalMs: Math.max(options.totalTimeoutMs, generationWithin(options, request.max_tokens)),
        },
        call,
        (res, finish, touch) => {
          const requestId = res.headers['request-id'];
          const reader = new SseMessageReader(call.onProgress, typeof requestId === 'string' ? requestId : undefined);
          const decoder = new StringDecoder('utf8');
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            touch();
            size += chunk.length;
            try {
              if (size > maxBytes) throw new UpstreamError('connection', `upstream answer exceeds ${maxBytes} bytes`);
              reader.push(decoder.write(chunk));
            } catch (error) {
              finish(error as UpstreamError);
            }
          });
          res.on('end', () => {
            try {
              reader.push(decoder.end());
              finish(undefined, reader.finish());
            } catch (error) {
              finish(error as UpstreamError);
            }
          });
        },
      ),
  };
}

/** Reads a whole answer body, bounded at `maxBytes`, then hands its text to `done`. */
function readWhole(
  res: IncomingMessage,
  maxBytes: number,
  finish: (error: UpstreamError) => void,
  done: (text: string) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) finish(new UpstreamError('connection', `upstream answer exceeds ${maxBytes} bytes`));
    else chunks.push(chunk);
  });
  res.on('end', () => done(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
}
