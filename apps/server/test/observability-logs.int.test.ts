import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, http, type RegisteredClient, registerClient, startTestServer, type TestServer } from './helpers.js';

interface LogLine {
  timestamp: string;
  level: string;
  message: string;
  context?: Record<string, unknown>;
  err?: Record<string, unknown>;
}

describe('logs (L1, L2)', () => {
  let t: TestServer;
  let client: RegisteredClient;
  beforeAll(async () => {
    t = await startTestServer({
      env: { LOG_LEVEL: 'debug', UPSTREAM_RETRY_BASE_DELAY_MS: '1', BODY_LIMIT_BYTES: '2048' },
    });
    client = await registerClient(t);
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.reset());

  const lines = () => t.logs.records as unknown as LogLine[];
  const linesOf = (requestId: string | null) => lines().filter((l) => l.context?.requestId === requestId);
  /** A query as the registered client. */
  const query = <T = Record<string, unknown>>(body: unknown) =>
    http<T>(`${t.url}/api/claude/query`, { body, headers: bearer(client.apiKey) });

  it('writes every line as JSON with timestamp, level and message', async () => {
    await query({ prompt: 'any line' });
    expect(t.logs.lines.length).toBeGreaterThan(3);
    for (const line of lines()) {
      expect(Object.keys(line).filter((k) => !['timestamp', 'level', 'message', 'context', 'err'].includes(k))).toEqual(
        [],
      );
      expect(new Date(line.timestamp).toISOString()).toBe(line.timestamp);
      expect(['ERROR', 'WARN', 'INFO', 'DEBUG']).toContain(line.level);
      expect(typeof line.message).toBe('string');
    }
  });

  it("logs one INFO line per request with the spec's context and the response's usage", async () => {
    const res = await query<{ usage: { promptTokens: number; completionTokens: number; totalTokens: number } }>({
      prompt: 'Explain the categorical imperative',
      caching: false,
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    const requestLines = linesOf(requestId).filter((l) => l.message.startsWith('request'));
    expect(requestLines).toHaveLength(1);
    const line = requestLines[0]!;
    expect(line.level).toBe('INFO');
    expect(line.context).toMatchObject({
      requestId,
      clientId: client.clientId,
      endpoint: '/api/claude/query',
      tokenUsage: {
        prompt: res.body.usage.promptTokens,
        completion: res.body.usage.completionTokens,
        total: res.body.usage.totalTokens,
      },
      status: 200,
      model: 'claude-sonnet-4-6',
      cacheStatus: 'bypass',
    });
    expect(line.context?.responseTime).toBeTypeOf('number');
    expect(line.context?.responseTime as number).toBeGreaterThan(0);
  });

  it('logs the upstream call at DEBUG with the request id', async () => {
    const res = await query({ prompt: 'debug me', caching: false });
    const debug = linesOf(res.headers.get('x-request-id')).filter((l) => l.level === 'DEBUG');
    expect(debug).toHaveLength(1);
    expect(debug[0]).toMatchObject({
      message: 'upstream call',
      context: { operation: 'message', model: 'claude-sonnet-4-6', outcome: 'success' },
    });
  });

  it('logs an upstream failure at ERROR, a bad or oversized one at INFO', async () => {
    t.sim.script([
      { kind: 'error', status: 500, type: 'api_error' },
      { kind: 'error', status: 500, type: 'api_error' },
      { kind: 'error', status: 500, type: 'api_error' },
    ]);
    const failed = await query({ prompt: 'fails', caching: false });
    expect(failed.status).toBe(500);
    const bad = await query({ parameters: {} });
    expect(bad.status).toBe(400);
    const big = await query({ prompt: 'x'.repeat(4096) });
    expect(big.status).toBe(400);

    const only = (res: typeof failed) =>
      linesOf(res.headers.get('x-request-id')).filter((l) => l.message.startsWith('request'));
    expect(only(failed)).toMatchObject([
      { level: 'ERROR', message: 'request failed', context: { status: 500, error: { code: 'claude_api_error' } } },
    ]);
    expect(only(bad)).toMatchObject([
      { level: 'INFO', message: 'request rejected', context: { status: 400, error: { code: 'invalid_request' } } },
    ]);
    expect(only(big)).toMatchObject([
      { level: 'INFO', context: { status: 400, route: '/api/claude/query', error: { code: 'invalid_request' } } },
    ]);
    // Each upstream attempt has its own DEBUG line.
    expect(linesOf(failed.headers.get('x-request-id')).filter((l) => l.level === 'DEBUG')).toHaveLength(3);
  });

  it('logs a refusal for a missing permission (403) under the client it refused', async () => {
    const queryOnly = await registerClient(t, ['query']);
    const refused = await http(`${t.url}/api/claude/queue`, {
      body: { prompt: 'no queue permission' },
      headers: bearer(queryOnly.apiKey),
    });
    expect(refused.status).toBe(403);
    const [line] = linesOf(refused.headers.get('x-request-id')).filter((l) => l.message.startsWith('request'));
    expect(line).toMatchObject({
      level: 'WARN',
      context: { status: 403, clientId: queryOnly.clientId, error: { code: 'authorization_error' } },
    });
  });

  it('logs probes at DEBUG only', async () => {
    const res = await http(`${t.url}/api/health/live`);
    expect(res.status).toBe(200);
    expect(linesOf(res.headers.get('x-request-id'))).toMatchObject([{ level: 'DEBUG', context: { status: 200 } }]);
  });

  it('never writes a credential: not the Authorization header, not ?apiKey=', async () => {
    const before = t.logs.lines.length;
    // A valid key in the header (it wins) and a wrong one in the query string.
    const res = await http(`${t.url}/api/claude/query?apiKey=sk_live_querysecret0123456789`, {
      body: { prompt: 'secret test' },
      headers: bearer(client.apiKey),
    });
    expect(res.status).toBe(200);
    // A refused key is not written either.
    const refused = await http(`${t.url}/api/claude/query`, {
      body: { prompt: 'secret test' },
      headers: bearer('sk_live_headersecret0123456789'),
    });
    expect(refused.status).toBe(401);
    const written = t.logs.lines.slice(before).join('\n');
    expect(written).toContain(res.headers.get('x-request-id'));
    expect(written).toContain(refused.headers.get('x-request-id'));
    expect(written).not.toContain('querysecret');
    expect(written).not.toContain('headersecret');
    expect(written).not.toContain(client.apiKey);
    expect(written).not.toContain(client.apiKey.slice(-16));
    expect(written).not.toContain('sk-ant-test-key');
    const line = linesOf(res.headers.get('x-request-id')).find((l) => l.message === 'request completed');
    expect(line?.context?.endpoint).toBe('/api/claude/query');
  });

  it('tells the caller where the time went (Server-Timing)', async () => {
    const body = { prompt: 'timing', parameters: { maxTokens: 50 } };
    const miss = await query(body);
    const phases = (header: string | null) =>
      Object.fromEntries((header ?? '').split(', ').map((p) => [p.split(';')[0], Number(p.split('dur=')[1])]));
    const missPhases = phases(miss.headers.get('server-timing'));
    expect(Object.keys(missPhases).sort()).toEqual(['cache', 'total', 'upstream']);
    expect(missPhases.upstream).toBeLessThanOrEqual(missPhases.total!);
    const hit = await query(body);
    expect(Object.keys(phases(hit.headers.get('server-timing'))).sort()).toEqual(['cache', 'total']);
  });
});
