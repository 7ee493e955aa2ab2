import Anthropic from '@anthropic-ai/sdk';
import { type Simulator, startSimulator } from '@claude-proxy/claude-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropicUpstream } from '../src/claude/anthropic-upstream.js';
import { createDirectUpstream, type DirectMessagesOptions } from '../src/claude/direct-messages.js';
import type { MessageRequest } from '../src/claude/upstream.js';
import { failure, rawServer } from './upstream-helpers.js';

const request: MessageRequest = {
  model: 'claude-sonnet-4-6',
  max_tokens: 60,
  messages: [{ role: 'user', content: 'Stream something.' }],
};

describe('streamed /v1/messages on the direct client (against claude-sim)', () => {
  let sim: Simulator;
  const client = (extra: Partial<DirectMessagesOptions> = {}) =>
    createDirectUpstream({
      apiKey: 'sk-ant-stream-test',
      baseURL: sim.url,
      firstByteTimeoutMs: 300,
      totalTimeoutMs: 3_000,
      userAgent: 'claude-proxy/test',
      ...extra,
    });

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 7 });
  });
  afterEach(() => sim.reset());
  afterAll(() => sim.close());

  it('sends a streaming request and folds the events into the same message as the official SDK', async () => {
    const ours = await client().streamMessage(request);
    const [sent] = sim.requests({ path: '/v1/messages' });
    expect(sent?.headers['x-api-key']).toBe('sk-ant-stream-test');
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent?.headers.accept).toBe('text/event-stream');
    expect(sent?.body).toEqual({ ...request, stream: true });
    sim.reset();
    const sdk = new Anthropic({ apiKey: 'k', baseURL: sim.url, maxRetries: 0 });
    const reference = await sdk.messages.stream(request).finalMessage();
    const { id: _a, ...oursRest } = ours as unknown as Record<string, unknown>;
    // Less the id, and the extras the SDK's stream helper adds of its own (parsed_output, stop_details).
    const {
      id: _b,
      parsed_output: _c,
      stop_details: _d,
      ...referenceRest
    } = reference as unknown as Record<string, unknown>;
    expect(oursRest).toEqual(referenceRest);
    expect(ours.id).toMatch(/^msg_/);
  });

  it('reports growing progress while the answer streams, up to the final output tokens', async () => {
    sim.script([{ kind: 'ok', text: 'word '.repeat(40), tokensPerSecond: 400 }]);
    const seen: number[] = [];
    const message = await client().streamMessage({ ...request, max_tokens: 200 }, { onProgress: (n) => seen.push(n) });
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
    // The higher of the text estimate (4 characters a token) and the usage the stream ends with.
    const estimate = Math.ceil((message.content[0]?.text ?? '').length / 4);
    expect(seen.at(-1)).toBe(Math.max(estimate, message.usage.output_tokens));
  });

  it('fails a mid-stream error event as a transient server error (overloaded: 529, api_error: 500)', async () => {
    sim.script([
      { kind: 'stream-error', type: 'overloaded_error' },
      { kind: 'stream-error', type: 'api_error' },
    ]);
    const overloaded = await failure(client().streamMessage(request));
    expect(overloaded).toMatchObject({ kind: 'status', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    expect(overloaded.requestId).toMatch(/^req_/);
    expect(overloaded.transient).toBe(true);
    const apiError = await failure(client().streamMessage(request));
    expect(apiError).toMatchObject({ status: 500, type: 'api_error' });
  });

  it('reads an error answered before the stream: status, type, retry-after-ms', async () => {
    sim.script([{ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', retryAfterMs: 1200 }]);
    const error = await failure(client().streamMessage(request));
    expect(error).toMatchObject({ kind: 'status', status: 429, type: 'rate_limit_error', message: 'slow down' });
    expect(error.retryAfterMs).toBe(1200);
  });

  it('fails a connection dropped mid-stream, or before the headers, as a connection error', async () => {
    sim.script([{ kind: 'drop', afterBytes: 400 }, { kind: 'drop' }]);
    for (let i = 0; i < 2; i++) {
      const error = await failure(client().streamMessage(request));
      expect(error.kind).toBe('connection');
      expect(error.transient).toBe(true);
    }
  });

  it('gives up on headers that do not come within the first-byte timeout (no max_tokens allowance: a stream starts at once)', async () => {
    sim.script([{ kind: 'slow', firstByteDelayMs: 2_000 }]);
    const started = Date.now();
    const error = await failure(client().streamMessage({ ...request, max_tokens: 4_000 }));
    expect(error).toMatchObject({ kind: 'timeout', message: 'upstream first-byte timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('stops mid-stream when the caller aborts', async () => {
    sim.script([{ kind: 'ok', text: 'word '.repeat(100), tokensPerSecond: 50 }]);
    const controller = new AbortController();
    const slow = client().streamMessage({ ...request, max_tokens: 200 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 150);
    expect((await failure(slow)).kind).toBe('aborted');
  });

  it('lets a stream that keeps coming run past the total timeout when its max_tokens needs the time', async () => {
    // About 1 s of steady deltas against a 300 ms total timeout: 200 tokens may take 1 s + 200 × 28 ms. (The
    // first-byte timeout, which also bounds each silence, is kept well above the deltas' gaps.)
    sim.script([{ kind: 'ok', text: 'word '.repeat(50), tokensPerSecond: 60 }]);
    const started = Date.now();
    const message = await client({ firstByteTimeoutMs: 1_000, totalTimeoutMs: 300 }).streamMessage({
      ...request,
      max_tokens: 200,
    });
    expect(Date.now() - started).toBeGreaterThan(500);
    expect(message.stop_reason).toBe('end_turn');
  });

  it('gives up on a stream gone silent for the first-byte timeout, and on one that outlasts what max_tokens allows', async () => {
    // Two tokens a second: a 500 ms silence between deltas, past the 300 ms first-byte timeout.
    sim.script([{ kind: 'ok', text: 'word '.repeat(20), tokensPerSecond: 2 }]);
    const silent = await failure(client().streamMessage({ ...request, max_tokens: 200 }));
    expect(silent).toMatchObject({ kind: 'timeout', message: 'upstream stopped sending' });
    expect(silent.transient).toBe(true);

    // Pings every 50 ms forever: never silent, but 1 token may take only 300 ms + 28 ms.
    const { server, url } = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('event: ping\ndata: {"type": "ping"}\n\n'), 50);
      res.on('close', () => clearInterval(timer));
    });
    try {
      const started = Date.now();
      const endless = await failure(
        createDirectUpstream({
          apiKey: 'k',
          baseURL: url,
          firstByteTimeoutMs: 300,
          totalTimeoutMs: 300,
          userAgent: 'x',
        }).streamMessage({ ...request, max_tokens: 1 }),
      );
      expect(endless).toMatchObject({ kind: 'timeout', message: 'upstream timed out' });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('refuses a stream larger than its bound, and a 200 that is not an event stream', async () => {
    const big = await failure(client({ maxResponseBytes: 500 }).streamMessage({ ...request, max_tokens: 400 }));
    expect(big.message).toBe('upstream answer exceeds 500 bytes');
    const { server, url } = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>a captive portal</html>');
    });
    try {
      const error = await failure(
        createDirectUpstream({
          apiKey: 'k',
          baseURL: url,
          firstByteTimeoutMs: 500,
          totalTimeoutMs: 500,
          userAgent: 'x',
        }).streamMessage(request),
      );
      expect(error.kind).toBe('connection');
    } finally {
      server.close();
    }
  });

  it('reads events split anywhere across writes, multi-byte characters included', async () => {
    const events = [
      'event: message_start\r\ndata: {"type":"message_start","message":{"id":"msg_x","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":3,"output_tokens":1}}}\r\n\r\n',
      'event: content_block_start\r\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\r\n\r\n',
      'event: content_block_delta\r\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Grüße 😀 ✓"}}\r\n\r\n',
      'event: message_delta\r\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":6}}\r\n\r\n',
      'event: message_stop\r\ndata: {"type":"message_stop"}\r\n\r\n',
    ];
    const bytes = Buffer.from(events.join(''));
    const { server, url } = await rawServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Five-byte writes, each flushed on its own, so UTF-8 sequences and CRLFs are split.
      for (let at = 0; at < bytes.length; at += 5) {
        res.write(bytes.subarray(at, at + 5));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    try {
      const message = await createDirectUpstream({
        apiKey: 'k',
        baseURL: url,
        firstByteTimeoutMs: 1_000,
        totalTimeoutMs: 5_000,
        userAgent: 'x',
      }).streamMessage(request);
      expect(message.content).toEqual([{ type: 'text', text: 'Grüße 😀 ✓' }]);
      expect(message).toMatchObject({ stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 6 } });
    } finally {
      server.close();
    }
  });

  it('is what the upstream adapter streams with (the SDK is left for the health ping)', async () => {
    const upstream = createAnthropicUpstream({ apiKey: 'sk-ant-adapter', baseURL: sim.url });
    await upstream.streamMessage(request);
    const [sent] = sim.requests({ path: '/v1/messages' });
    expect(sent?.headers['x-api-key']).toBe('sk-ant-adapter');
    // The SDK adds its x-stainless-* headers; the direct client sends none.
    expect(Object.keys(sent?.headers ?? {}).filter((h) => h.startsWith('x-stainless'))).toEqual([]);
    expect(sent?.body).toMatchObject({ stream: true });
  });
});
