import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, adminHttp as http, registerClient, startTestServer, type TestServer } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST /api/claude/query (E1)', () => {
  let t: TestServer;
  let auth: Record<string, string>;
  beforeAll(async () => {
    t = await startTestServer({ env: { UPSTREAM_RETRY_BASE_DELAY_MS: '1' } });
    auth = bearer((await registerClient(t, ['query'])).apiKey);
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.reset());

  const example = {
    prompt: 'Explain the categorical imperative',
    parameters: { temperature: 0.7, maxTokens: 1000, model: 'claude-3' },
  };

  it("answers the spec's example in the spec's shape", async () => {
    const res = await http(`${t.url}/api/claude/query`, { headers: auth, body: example });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(UUID);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = res.body as {
      id: string;
      content: string;
      usage: { promptTokens: number; completionTokens: number; totalTokens: number };
      metadata: { timestamp: string; model: string; cached: boolean };
    };
    expect(Object.keys(body).sort()).toEqual(['content', 'id', 'metadata', 'usage']);
    expect(body.content.length).toBeGreaterThan(0);
    expect(body.usage.promptTokens).toBeGreaterThan(0);
    expect(body.usage.completionTokens).toBeGreaterThan(0);
    expect(body.usage.totalTokens).toBe(body.usage.promptTokens + body.usage.completionTokens);
    expect(body.metadata.model).toBe('claude-sonnet-4-6');
    expect(body.metadata.cached).toBe(false);
    expect(Number.isNaN(Date.parse(body.metadata.timestamp))).toBe(false);

    const upstream = t.sim.requests({ path: '/v1/messages' });
    expect(upstream).toHaveLength(1);
    expect(upstream[0]?.body).toMatchObject({
      model: 'claude-sonnet-4-6',
      max_tokens: 1000,
      temperature: 0.7,
      messages: [{ role: 'user', content: example.prompt }],
    });
    expect(upstream[0]?.body).not.toHaveProperty('top_p');
    expect(upstream[0]?.body).not.toHaveProperty('top_k');
  });

  it('applies the spec defaults when parameters are absent', async () => {
    const res = await http(`${t.url}/api/claude/query`, {
      headers: auth,
      body: { prompt: 'defaults please', caching: false },
    });
    expect(res.status).toBe(200);
    expect(t.sim.requests({ path: '/v1/messages' })[0]?.body).toMatchObject({
      model: 'claude-sonnet-4-6',
      max_tokens: 1000,
      temperature: 0.7,
    });
  });

  it('maps system, topK and a changed topP', async () => {
    const res = await http(`${t.url}/api/claude/query`, {
      headers: auth,
      body: {
        prompt: 'p',
        system: 'be brief',
        caching: false,
        parameters: { topP: 0.9, topK: 40, model: 'claude-3-opus' },
      },
    });
    expect(res.status).toBe(200);
    const sent = t.sim.requests({ path: '/v1/messages' })[0]?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ system: 'be brief', top_p: 0.9, top_k: 40, model: 'claude-opus-4-6' });
    expect(sent).not.toHaveProperty('temperature');
  });

  it('answers 400 invalid_request without prompt, with requestId equal to the header', async () => {
    const res = await http<{ error: Record<string, unknown> }>(`${t.url}/api/claude/query`, {
      headers: auth,
      body: { parameters: { model: 'claude-3' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toMatch(/prompt/);
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
    expect(t.sim.messageCount()).toBe(0);
  });

  it.each([
    ['malformed JSON', '{"prompt": "x",'],
    ['an empty body', ''],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"prompt"'],
  ])('answers 400 invalid_request for %s', async (_name, rawBody) => {
    const res = await http<{ error: Record<string, unknown> }>(`${t.url}/api/claude/query`, {
      rawBody,
      headers: { ...auth, 'content-type': 'application/json' },
      method: 'POST',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });

  it.each([
    [{ prompt: 'x', parameters: { temperature: 2 } }, 'parameters.temperature'],
    [{ prompt: 'x', parameters: { maxTokens: 0 } }, 'parameters.maxTokens'],
    [{ prompt: 'x', parameters: { maxTokens: 1.5 } }, 'parameters.maxTokens'],
    [{ prompt: 42 }, 'prompt'],
    [{ prompt: 'x', caching: 'yes' }, 'caching'],
    [{ prompt: 'x', parameters: { max_tokens: 10 } }, 'parameters'],
  ])('rejects %j naming %s', async (body, path) => {
    const res = await http<{ error: { code: string; details: string } }>(`${t.url}/api/claude/query`, {
      headers: auth,
      body,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details).toContain(`${path}: `);
  });

  it('answers 400 naming an unknown model, without calling upstream', async () => {
    const res = await http<{ error: { code: string; message: string } }>(`${t.url}/api/claude/query`, {
      headers: auth,
      body: { prompt: 'x', parameters: { model: 'gpt-4' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('gpt-4');
    expect(t.sim.messageCount()).toBe(0);
  });

  it('answers 500 claude_api_error with details after the retry budget is spent', async () => {
    t.sim.script([
      { kind: 'error', status: 500, type: 'api_error' },
      { kind: 'error', status: 500, type: 'api_error' },
      { kind: 'error', status: 500, type: 'api_error' },
    ]);
    const res = await http<{ error: Record<string, unknown> }>(`${t.url}/api/claude/query`, {
      headers: auth,
      body: { prompt: 'fails', caching: false },
    });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('claude_api_error');
    expect(res.body.error.details).toMatch(/\(upstream 500, api_error, request-id [^)]+\)$/);
    expect(JSON.stringify(res.body)).not.toContain('sk-ant-test-key');
    expect(t.sim.messageCount()).toBe(3);
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    const res = await http<{ error: Record<string, unknown> }>(`${t.url}/api/nope`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(res.headers.get('x-request-id')).toMatch(UUID);
  });

  it('reads JSON bodies only: another Content-Type or a Content-Encoding is a 400 that says what to send', async () => {
    const body = JSON.stringify({ prompt: 'content types', caching: false });
    const post = (headers: Record<string, string>) =>
      http<{ error: { code: string; message: string } }>(`${t.url}/api/claude/query`, {
        method: 'POST',
        rawBody: body,
        headers,
      });
    const refused: Record<string, string>[] = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/json; charset=utf-16' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    ];
    for (const headers of refused) {
      const res = await post(headers);
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(/Content-(Type|Encoding)/);
    }
    const before = t.sim.messageCount();
    for (const type of ['application/json', 'application/json; charset=UTF-8', 'application/vnd.api+json']) {
      expect((await post({ 'content-type': type })).status, type).toBe(200);
    }
    expect(t.sim.messageCount()).toBe(before + 3);
  });

  it('answers 405 with Allow for a known path asked with the wrong method', async () => {
    const get = await http<{ error: Record<string, unknown> }>(`${t.url}/api/claude/query`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(get.body.error.code).toBe('method_not_allowed');
    const put = await http<{ error: Record<string, unknown> }>(`${t.url}/api/claude/task/task_abc`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, DELETE');
    const metrics = await http(`${t.url}/metrics`, { method: 'POST', rawBody: '' });
    expect(metrics.status).toBe(405);
    expect(metrics.headers.get('allow')).toBe('GET');
    // Not a known path: 404 (a trailing slash, a dot that is not a dot).
    expect((await http(`${t.url}/api/health/`)).status).toBe(404);
    expect((await http(`${t.url}/api/openapiXjson`)).status).toBe(404);
  });
});
