import { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { HEADERS, MODEL, messageBody, postMessages, sdkClient, waitFor } from './helpers.js';

const params = { model: MODEL, max_tokens: 1000, messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('scripted faults seen through the SDK', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it('529 then 200 is retried by the default retry policy and succeeds', async () => {
    sim.script([{ kind: 'error', status: 529, type: 'overloaded_error', retryAfterMs: 5 }]);
    const message = await sdkClient(sim, 2).messages.create(params);
    expect(message.stop_reason).toBe('end_turn');
    expect(sim.messageCount()).toBe(2);
    const statuses = sim.requests({ path: '/v1/messages' }).map((r) => r.status);
    expect(statuses).toEqual([529, 200]);
    expect(sim.requests()[1]?.headers['x-stainless-retry-count']).toBe('1');
  });

  it('a mid-stream error surfaces as an error, not a short success', async () => {
    sim.script([{ kind: 'stream-error', afterEvents: 4 }]);
    const stream = sdkClient(sim).messages.stream(params);
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).type).toBe('overloaded_error');
    expect((error as APIError).status).toBeUndefined();
  });

  it('a stream-error outcome on a non-streaming request is a 500', async () => {
    sim.script([{ kind: 'stream-error' }]);
    const res = await postMessages(sim, messageBody());
    expect(res.status).toBe(500);
    expect((await res.json()).error.type).toBe('api_error');
  });

  it('a dropped connection surfaces as a connection error', async () => {
    sim.script([{ kind: 'drop' }]);
    const error = await sdkClient(sim)
      .messages.create(params)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(sim.requests()[0]?.aborted).toBeUndefined();
  });

  it('a connection dropped mid-body fails the read instead of returning a short body', async () => {
    sim.script([{ kind: 'drop', afterBytes: 40 }]);
    const res = await postMessages(sim, messageBody());
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('a stream dropped after some bytes errors in the SDK', async () => {
    sim.script([{ kind: 'drop', afterBytes: 600 }]);
    const stream = sdkClient(sim).messages.stream(params);
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Error);
  });

  it('a client abort marks the recorded request aborted', async () => {
    sim.setOptions({ tokensPerSecond: 20 });
    const controller = new AbortController();
    const stream = sdkClient(sim).messages.stream(params, { signal: controller.signal });
    stream.on('text', () => controller.abort());
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(APIUserAbortError);
    await waitFor(() => sim.requests()[0]?.aborted === true);
  });

  it('an abort while a slow request waits for its first byte is recorded too', async () => {
    sim.script([{ kind: 'slow', firstByteDelayMs: 5000 }]);
    const controller = new AbortController();
    const pending = postMessages(sim, messageBody(), HEADERS, controller.signal).catch((e: unknown) => e);
    await waitFor(() => sim.requests().length === 1);
    controller.abort();
    await pending;
    await waitFor(() => sim.requests()[0]?.aborted === true);
    expect(sim.requests()[0]?.status).toBeUndefined();
  });

  it('429 carries retry-after and the rate-limit headers', async () => {
    sim.script([{ kind: 'error', status: 429, type: 'rate_limit_error', retryAfter: 7 }]);
    const res = await postMessages(sim, messageBody());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('anthropic-ratelimit-requests-limit')).not.toBeNull();
  });

  it('an ok outcome replaces the text but still obeys max_tokens', async () => {
    sim.script([{ kind: 'ok', text: 'one two three four five', stopReason: 'refusal' }]);
    const message = await sdkClient(sim).messages.create({ ...params, max_tokens: 3 });
    expect(message.content).toEqual([{ type: 'text', text: 'one two three' }]);
    expect(message.usage.output_tokens).toBe(3);
    expect(message.stop_reason).toBe('refusal');
  });

  it('a random fault rate of 1 fails every request with 500 or 529', async () => {
    sim.setOptions({ faultRate: 1 });
    const statuses = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(async () => (await postMessages(sim, messageBody())).status),
    );
    for (const status of statuses) expect([500, 529]).toContain(status);
  });
});
