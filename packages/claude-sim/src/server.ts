import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type ApiErrorReply, apiError } from './errors/api-error.js';
import { type Exchange, sendError, sendJson } from './http/exchange.js';
import { readBody } from './http/read-body.js';
import { newRecordId, newRequestId } from './ids.js';
import { handleControl } from './routes/control-route.js';
import { handleCountTokens } from './routes/count-tokens-route.js';
import { handleMessages } from './routes/messages-route.js';
import { handleGetModel, handleListModels } from './routes/models-route.js';
import { parseBody } from './routes/preflight.js';
import { SimState } from './sim-state.js';
import type { RecordedRequest, Simulator, SimulatorOptions } from './types.js';

/** Shared by every request without a query string; never mutated. */
const NO_QUERY = new URLSearchParams();

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const state = new SimState(options);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res, state).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const host = options.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    requests: (filter) => state.log.list(filter?.path),
    messageCount: () => state.messageCount,
    script: (outcomes) => state.faults.script(outcomes),
    setOptions: (patch) => state.apply(patch),
    reset: () => state.reset(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, state: SimState): Promise<void> {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  // Beta SDK methods append `?beta=true`; routing ignores the query string.
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? NO_QUERY : new URLSearchParams(url.slice(queryAt + 1));
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  if (path.startsWith('/_sim/')) {
    const body = hasBody ? await readBody(req) : undefined;
    return handleControl(method, path, query, body?.ok ? body.raw : '', state, res);
  }
  // Opened before the body is read, so a client that gives up mid-upload is still recorded as aborted.
  const ex = openExchange(req, res, state, method, path);
  const body = hasBody ? await readBody(req) : { ok: true as const, raw: '' };
  if (!body.ok) {
    if (body.reason === 'too-large') return sendError(ex, apiError('request_too_large'));
    return;
  }
  const parsed = parseBody(body.raw);
  if (ex.record) ex.record.body = parsed.value;
  const route = `${method} ${path}`;
  if (route === 'POST /v1/messages') return handleMessages(ex, state, parsed);
  let result: string | ApiErrorReply;
  if (route === 'POST /v1/messages/count_tokens') result = handleCountTokens(ex, state, parsed);
  else if (route === 'GET /v1/models') result = handleListModels(ex, state, query);
  else if (method === 'GET' && path.startsWith('/v1/models/')) {
    result = handleGetModel(ex, state, decodeURIComponent(path.slice('/v1/models/'.length)));
  } else result = apiError('not_found_error', 'Not Found');
  if (typeof result === 'string') sendJson(ex, 200, result);
  else sendError(ex, result);
}

function openExchange(
  req: IncomingMessage,
  res: ServerResponse,
  state: SimState,
  method: string,
  path: string,
): Exchange {
  let record: RecordedRequest | undefined;
  if (path.startsWith('/v1/')) {
    record = { id: newRecordId(), method, path, headers: flattenHeaders(req), body: undefined, receivedAt: Date.now() };
    state.log.add(record);
  }
  // The AbortController is created only when a handler waits on it; most zero-latency replies never do.
  let controller: AbortController | undefined;
  let closed = false;
  const ex: Exchange = {
    req,
    res,
    requestId: newRequestId(),
    record,
    get signal() {
      controller ??= new AbortController();
      if (closed) controller.abort();
      return controller.signal;
    },
    get closed() {
      return closed;
    },
  };
  res.once('close', () => {
    if (res.writableFinished) return;
    // The client went away before the reply was complete (unless the simulator cut it on purpose).
    if (record && !ex.dropped) record.aborted = true;
    closed = true;
    controller?.abort();
  });
  return ex;
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
