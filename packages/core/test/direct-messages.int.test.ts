import { type Simulator, startSimulator } from '@claude-proxy/claude-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropicUpstream } from '../src/claude/anthropic-upstream.js';
import { createDirectUpstream, type DirectMessagesOptions, headersWithin } from '../src/claude/direct-messages.js';
import type { MessageRequest } from '../src/claude/upstream.js';
import { failure, rawServer } from './upstream-helpers.js';

/** The plain (non-streaming) call of a direct client. */
const createMessages = (options: DirectMessagesOptions) => createDirectUpstream(options).createMessage;

const request: MessageRequest = {
  model: 'claude-sonnet-4-6',
  max_tokens: 50,
  messages: [{ role: 'user', content: 'Say something short.' }],
};

/** A direct client with short timeouts, for the raw servers below. */
const quickClient = (url: string, extra: { maxResponseBytes?: number } = {}) =>
  createMessages({
    apiKey: 'k',
    baseURL: url,
    firstByteTimeoutMs: 500,
    totalTimeoutMs: 500,
    userAgent: 'x',
    ...extra,
  });

describe('direct /v1/messages client (against claude-sim)', () => {
  let sim: Simulator;
  const call = () =>
    createMessages({
      apiKey: 'sk-ant-direct-test',
      baseURL: sim.url,
      firstByteTimeoutMs: 200,
      totalTimeoutMs: 2_000,
      userAgent: 'claude-proxy/test',
    });

  beforeAll(async () => {
    sim = await startSimulator({ port: 0 });
  });
  afterEach(() => sim.reset());
  afterAll(() => sim.close());

  it('sends the request the API expects and returns the message', async () => {
    const message = await call()(request);
    expect(message.id).toMatch(/^msg_/);
    expect(message.model).toBe('claude-sonnet-4-6');
    expect(message.content[0]?.type).toBe('text');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const [sent] = sim.requests({ path: '/v1/messages' });
    expect(sent?.method).toBe('POST');
    expect(sent?.headers['x-api-key']).toBe('sk-ant-direct-test');
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.headers['user-agent']).toBe('claude-proxy/test');
    expect(sent?.body).toEqual({ ...request, stream: false });
  });

  it('gives the same answer as the SDK path for the same request', async () => {
    const upstream = createAnthropicUpstream({ apiKey: 'k', baseURL: sim.url });
    const direct = await upstream.createMessage(request);
    const streamed = await upstream.streamMessage(request);
    // The fields the proxy reads (the SDK's stream helper adds parsed extras of its own).
    const used = (m: typeof direct) => ({
      model: m.model,
      content: m.content,
      stop_reason: m.stop_reason,
      usage: m.usage,
    });
    expect(used(direct)).toEqual(used(streamed));
  });

  it('reads an error answer: status, type, message, request id and retry-after-ms', async () => {
    sim.script([{ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', retryAfterMs: 1500 }]);
    const error = await failure(call()(request));
    expect(error.kind).toBe('status');
    expect(error.status).toBe(429);
    expect(error.type).toBe('rate_limit_error');
    expect(error.message).toBe('slow down');
    expect(error.retryAfterMs).toBe(1500);
    expect(error.requestId).toMatch(/^req_/);
    expect(error.transient).toBe(true);
  });

  it('reads retry-after in seconds, and a 400 is not transient', async () => {
    sim.script([
      { kind: 'error', status: 529, type: 'overloaded_error', retryAfter: 2 },
      { kind: 'error', status: 400, type: 'invalid_request_error', message: 'bad' },
    ]);
    const overloaded = await failure(call()(request));
    expect(overloaded.status).toBe(529);
    expect(overloaded.retryAfterMs).toBe(2000);
    const invalid = await failure(call()(request));
    expect(invalid.status).toBe(400);
    expect(invalid.transient).toBe(false);
  });

  it('cuts a slow first byte at its timeout plus the time max_tokens may take (a transient timeout)', async () => {
    // 200 ms + 1 token × 28 ms: a silent upstream is given up on.
    sim.script([{ kind: 'slow', firstByteDelayMs: 1_000 }]);
    const error = await failure(call()({ ...request, max_tokens: 1 }));
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('upstream first-byte timeout');
  });

  it('waits for a non-streaming answer as long as its max_tokens may take to generate', async () => {
    // Headers only after 600 ms of generation: past the 200 ms first-byte timeout, within 200 ms + 50 × 28 ms.
    sim.script([{ kind: 'ok', ttftMs: 600 }]);
    const started = Date.now();
    const message = await call()(request);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(message.content.length).toBeGreaterThan(0);
    expect(headersWithin({ firstByteTimeoutMs: 30_000, totalTimeoutMs: 600_000 }, 4_096)).toBe(145_200);
    expect(headersWithin({ firstByteTimeoutMs: 30_000, totalTimeoutMs: 60_000 }, 64_000)).toBe(60_000);
  });

  it('reports a dropped connection as a connection error', async () => {
    sim.script([{ kind: 'drop', afterBytes: 0 }]);
    const error = await failure(call()(request));
    expect(error.kind).toBe('connection');
    expect(error.transient).toBe(true);
  });

  it('stops at once when the caller aborts, and sends nothing when already aborted', async () => {
    sim.script([{ kind: 'slow', firstByteDelayMs: 1_000 }]);
    const controller = new AbortController();
    const slow = call()(request, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await failure(slow)).kind).toBe('aborted');
    const before = sim.messageCount();
    expect((await failure(call()(request, { signal: AbortSignal.abort() }))).kind).toBe('aborted');
    expect(sim.messageCount()).toBe(before);
  });

  it('refuses a connection that cannot be made as a connection error', async () => {
    const { server, url } = await rawServer(() => {});
    await new Promise((resolve) => server.close(resolve));
    const error = await failure(
      createMessages({ apiKey: 'k', baseURL: url, firstByteTimeoutMs: 500, totalTimeoutMs: 500, userAgent: 'x' })(
        request,
      ),
    );
    expect(error.kind).toBe('connection');
  });

  it('names a non-JSON error page by its status only (never quoting it), and a non-JSON 200 as a connection error', async () => {
    let status = 502;
    const { server, url } = await rawServer((req, res) => {
      res.writeHead(status, { 'content-type': 'text/html' });
      // A misconfigured gateway that echoes the request headers, key included.
      res.end(`<html>Bad Gateway x-api-key=${req.headers['x-api-key']}</html>`);
    });
    try {
      const client = createMessages({
        apiKey: 'k',
        baseURL: `${url}/`,
        firstByteTimeoutMs: 500,
        totalTimeoutMs: 500,
        userAgent: 'x',
      });
      const bad = await failure(client(request));
      expect(bad.status).toBe(502);
      expect(bad.message).toBe('502 without a JSON error body');
      status = 200;
      const garbage = await failure(client(request));
      expect(garbage.kind).toBe('connection');
    } finally {
      server.close();
    }
  });

  it('refuses a 200 without the fields the proxy reads as an upstream error, not a TypeError', async () => {
    let body: unknown = {};
    const { server, url } = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    try {
      const client = quickClient(url);
      const usage = { input_tokens: 1, output_tokens: 1 };
      for (const bad of [
        { content: [{ type: 'text', text: 'no usage' }] },
        { content: [null], usage },
        { content: [{ type: 'text', text: 'x' }], usage: { input_tokens: '1', output_tokens: 1 } },
        null,
      ]) {
        body = bad;
        const error = await failure(client(request));
        expect(error.kind, JSON.stringify(bad)).toBe('connection');
        expect(error.message).toBe('upstream answered with an unexpected body');
      }
    } finally {
      server.close();
    }
  });

  it('replaces NUL and unpaired surrogates (which Postgres jsonb cannot store) with U+FFFD', async () => {
    const { server, url } = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const text = String.raw`a\u0000b \ud800 c \udc00 d \ud83d\ude00`;
      res.end(
        `{"id":"msg_1","model":"m","stop_reason":"end_turn","content":[{"type":"text","text":"${text}"}],"usage":{"input_tokens":1,"output_tokens":2}}`,
      );
    });
    try {
      const client = quickClient(url);
      const message = await client(request);
      expect(message.content[0]?.text).toBe('a\ufffdb \ufffd c \ufffd d \u{1f600}');
      expect(message.usage).toEqual({ input_tokens: 1, output_tokens: 2 });
    } finally {
      server.close();
    }
  });

  it('never lets the Anthropic key through in an upstream error message, on either path', async () => {
    const { server, url } = await rawServer((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      // The direct client sends x-api-key, the SDK an Authorization bearer: echo whichever came.
      const message = `bad credentials: ${req.headers['x-api-key'] ?? req.headers.authorization}`;
      res.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }));
    });
    try {
      const upstream = createAnthropicUpstream({ apiKey: 'sk-ant-very-secret', baseURL: url });
      for (const attempt of [() => upstream.createMessage(request), () => upstream.streamMessage(request)]) {
        const error = await failure(attempt());
        expect(error.status).toBe(400);
        expect(error.message).toMatch(/^bad credentials: (Bearer )?\[redacted\]$/);
      }
    } finally {
      server.close();
    }
  });

  it('refuses an answer larger than its bound', async () => {
    const { server, url } = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ content: [{ type: 'text', text: 'x'.repeat(10_000) }] }));
    });
    try {
      const client = quickClient(url, { maxResponseBytes: 1_000 });
      const error = await failure(client(request));
      expect(error.message).toBe('upstream answer exceeds 1000 bytes');
    } finally {
      server.close();
    }
  });
});
