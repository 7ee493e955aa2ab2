import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { API_KEY, HEADERS, messageBody, postMessages } from './helpers.js';

async function errorOf(res: Response): Promise<{ status: number; type: string; message: string; requestId: string }> {
  const body = await res.json();
  expect(body.type).toBe('error');
  expect(body.request_id).toBe(res.headers.get('request-id'));
  return { status: res.status, type: body.error.type, message: body.error.message, requestId: body.request_id };
}

describe('request validation', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ apiKeys: [API_KEY] });
  });
  afterAll(() => sim.close());

  const send = async (body: unknown, headers: Record<string, string> = HEADERS) =>
    errorOf(await postMessages(sim, body, headers));

  describe('headers', () => {
    it('requires a key', async () => {
      const { 'x-api-key': _key, ...rest } = HEADERS;
      expect(await send(messageBody(), rest)).toMatchObject({
        status: 401,
        type: 'authentication_error',
        message: 'x-api-key header is required',
      });
    });

    it('rejects an unknown key, via x-api-key or Bearer', async () => {
      expect(await send(messageBody(), { ...HEADERS, 'x-api-key': 'nope' })).toMatchObject({ status: 401 });
      const { 'x-api-key': _key, ...rest } = HEADERS;
      expect(await send(messageBody(), { ...rest, authorization: 'Bearer nope' })).toMatchObject({
        status: 401,
        message: 'invalid x-api-key',
      });
    });

    it('accepts a Bearer key with version 2026-10-21', async () => {
      const { 'x-api-key': _key, ...rest } = HEADERS;
      const res = await postMessages(sim, messageBody(), {
        ...rest,
        authorization: `Bearer ${API_KEY}`,
        'anthropic-version': '2026-10-21',
      });
      expect(res.status).toBe(200);
    });

    it('rejects both key headers at once', async () => {
      const headers = { ...HEADERS, authorization: `Bearer ${API_KEY}` };
      expect(await send(messageBody(), headers)).toMatchObject({ status: 401, type: 'authentication_error' });
    });

    it('requires a valid anthropic-version', async () => {
      const { 'anthropic-version': _v, ...rest } = HEADERS;
      expect(await send(messageBody(), rest)).toMatchObject({
        status: 400,
        type: 'invalid_request_error',
        message: 'anthropic-version: header is required',
      });
      expect(await send(messageBody(), { ...HEADERS, 'anthropic-version': '2023-06-01, 2023-06-01' })).toMatchObject({
        status: 400,
        message: 'anthropic-version: "2023-06-01, 2023-06-01" is not a valid version',
      });
    });
  });

  describe('body', () => {
    it('rejects invalid JSON', async () => {
      expect(await send('{"model":')).toMatchObject({ status: 400, type: 'invalid_request_error' });
    });

    it.each(['model', 'max_tokens', 'messages'])('requires %s', async (field) => {
      const body = messageBody();
      delete body[field];
      expect(await send(body)).toMatchObject({ status: 400, message: `${field}: Field required` });
    });

    it('names an unknown field by its path', async () => {
      expect((await send(messageBody({ response_format: { type: 'json' } }))).message).toBe(
        'response_format: Extra inputs are not permitted',
      );
      const messages = [{ role: 'user', content: [{ type: 'text', text: 'x', foo: 1 }] }];
      expect((await send(messageBody({ messages }))).message).toBe(
        'messages.0.content.0.foo: Extra inputs are not permitted',
      );
    });

    it.each([
      [{ temperature: 1.5 }, 'temperature: Input should be less than or equal to 1'],
      [{ temperature: -0.1 }, 'temperature: Input should be greater than or equal to 0'],
      [{ top_p: 2 }, 'top_p: Input should be less than or equal to 1'],
      [{ top_k: -1 }, 'top_k: Input should be greater than or equal to 0'],
      [{ max_tokens: 0 }, 'max_tokens: Input should be greater than or equal to 1'],
      [{ max_tokens: 1.5 }, 'max_tokens: Input should be a valid integer'],
    ])('checks ranges: %j', async (extra, message) => {
      expect(await send(messageBody(extra))).toMatchObject({ status: 400, message });
    });

    it('checks message structure', async () => {
      const bad = async (messages: unknown) => (await send(messageBody({ messages }))).message;
      expect(await bad([{ role: 'system', content: 'x' }])).toBe(
        "messages.0.role: Input should be 'user' or 'assistant'",
      );
      expect(await bad([{ role: 'user' }])).toBe('messages.0.content: Field required');
      expect(await bad([])).toBe('messages: at least one message is required');
      expect(await bad([{ role: 'user', content: 42 }])).toMatch(/^messages\.0\.content: /);
      expect(await bad([{ role: 'user', content: [{ type: 'bogus' }] }])).toMatch(
        /^messages\.0\.content\.0: Input tag/,
      );
    });

    it('accepts block content, a system prompt and a final assistant prefill', async () => {
      const messages = [
        { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
        { role: 'assistant', content: 'Sure,' },
      ];
      const res = await postMessages(sim, messageBody({ messages, system: [{ type: 'text', text: 'Be brief.' }] }));
      expect(res.status).toBe(200);
    });
  });

  describe('per-model rules', () => {
    it('rejects temperature with top_p for models that reject it, accepts it for others', async () => {
      expect(await send(messageBody({ temperature: 0.5, top_p: 0.9 }))).toMatchObject({
        status: 400,
        message: '`temperature` and `top_p` cannot both be specified for this model. Please use only one.',
      });
      const custom = await startSimulator({
        models: [{ id: 'old-model', displayName: 'Old', createdAt: '2024-01-01T00:00:00Z', maxOutputTokens: 4096 }],
      });
      try {
        const res = await postMessages(custom, messageBody({ model: 'old-model', temperature: 0.5, top_p: 0.9 }));
        expect(res.status).toBe(200);
      } finally {
        await custom.close();
      }
    });

    it('answers 404 for unknown and retired models', async () => {
      expect(await send(messageBody({ model: 'claude-nonexistent' }))).toMatchObject({
        status: 404,
        type: 'not_found_error',
        message: 'model: claude-nonexistent',
      });
      expect(await send(messageBody({ model: 'claude-3-opus-20240229' }))).toMatchObject({ status: 404 });
      expect(await send(messageBody({ model: 'claude-opus-4-1' }))).toMatchObject({ status: 404 });
    });

    it("rejects max_tokens above the model's cap", async () => {
      expect(await send(messageBody({ max_tokens: 64_001 }))).toMatchObject({
        status: 400,
        message:
          'max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5-20250929',
      });
    });

    it('applies fixed sampling on newer models', async () => {
      expect(await send(messageBody({ model: 'claude-opus-4-7', temperature: 0.2 }))).toMatchObject({ status: 400 });
      expect(await send(messageBody({ model: 'claude-opus-4-7', top_k: 5 }))).toMatchObject({ status: 400 });
    });

    it('checks thinking budgets', async () => {
      const thinking = { type: 'enabled', budget_tokens: 2000 };
      expect((await send(messageBody({ thinking, max_tokens: 1500 }))).message).toMatch(
        /^`max_tokens` must be greater than `thinking.budget_tokens`/,
      );
    });
  });

  it('answers 413 for bodies over 32 MB', async () => {
    // A declared length is enough: the simulator answers before reading the body, as the real edge does.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${sim.url}/v1/messages`, {
        method: 'POST',
        headers: { ...HEADERS, 'content-length': String(33 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
        req.destroy();
      });
      req.on('error', reject);
      req.write('{');
    });
    expect(status).toBe(413);
  });
});
