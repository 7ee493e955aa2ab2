import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  bearer,
  http,
  type RegisteredClient,
  registerClient,
  startTestServer,
  TEST_DATABASE_URL,
  type TestServer,
} from './helpers.js';
import { scrape, seriesKey } from './metrics-text.js';

type Usage = { usage: { promptTokens: number; completionTokens: number } };
const MODEL = 'claude-sonnet-4-6';

describe('Prometheus /metrics', () => {
  let t: TestServer;
  let client: RegisteredClient;
  beforeAll(async () => {
    t = await startTestServer({ env: { UPSTREAM_RETRY_BASE_DELAY_MS: '1', HISTORY_ENABLED: 'false' } });
    client = await registerClient(t);
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.reset());

  const value = (series: Map<string, number>, name: string, labels: Record<string, string> = {}) =>
    series.get(seriesKey(name, labels)) ?? 0;
  const query = <T = Record<string, unknown>>(body: unknown) =>
    http<T>(`${t.url}/api/claude/query`, { body, headers: bearer(client.apiKey) });

  it('parses, and carries process CPU and memory and the queue gauges', async () => {
    const { series, type } = await scrape(t.url);
    expect(type).toContain('text/plain');
    expect(series.has('process_cpu_user_seconds_total')).toBe(true);
    expect(series.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(series.get('claude_proxy_queue_processing')).toBe(0);
    expect(series.get('claude_proxy_history_buffered_rows')).toBe(0);
  });

  it('moves request, cache, token, upstream and error counters with traffic', async () => {
    const before = (await scrape(t.url)).series;
    const body = { prompt: `metrics ${Date.now()}` };
    const first = await query<Usage>(body);
    const second = await query<Usage>(body);
    const third = await query<Usage>(body);
    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    expect((await query({})).status).toBe(400);
    const after = (await scrape(t.url)).series;
    const moved = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);

    const ok = { route: '/api/claude/query', method: 'POST', status: '200' };
    expect(moved('claude_proxy_http_requests_total', ok)).toBe(3);
    expect(moved('claude_proxy_http_request_duration_seconds_count', ok)).toBe(3);
    expect(moved('claude_proxy_http_request_duration_seconds_sum', ok)).toBeGreaterThan(0);
    expect(moved('claude_proxy_http_request_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(3);
    expect(moved('claude_proxy_http_requests_total', { ...ok, status: '400' })).toBe(1);
    expect(moved('claude_proxy_errors_total', { code: 'invalid_request', source: 'http' })).toBe(1);
    expect(moved('claude_proxy_cache_requests_total', { result: 'miss' })).toBe(1);
    expect(moved('claude_proxy_cache_requests_total', { result: 'hit' })).toBe(2);
    const call = { model: MODEL, operation: 'message', outcome: 'success' };
    expect(moved('claude_proxy_upstream_request_duration_seconds_count', call)).toBe(1);
    expect(moved('claude_proxy_upstream_tokens_total', { model: MODEL, type: 'prompt' })).toBe(
      first.body.usage.promptTokens,
    );
    expect(moved('claude_proxy_upstream_tokens_total', { model: MODEL, type: 'completion' })).toBe(
      first.body.usage.completionTokens,
    );
  });

  it('counts retries by cause and labels unknown paths as unmatched (bounded labels)', async () => {
    const before = (await scrape(t.url)).series;
    t.sim.script([{ kind: 'error', status: 529, type: 'overloaded_error' }]);
    expect((await query({ prompt: 'retry', caching: false })).status).toBe(200);
    expect((await http(`${t.url}/api/claude/task/task_abc123/nothing-here?x=1`)).status).toBe(404);
    const { series: after, text } = await scrape(t.url);
    expect(value(after, 'claude_proxy_upstream_retries_total', { reason: '529' })).toBe(
      value(before, 'claude_proxy_upstream_retries_total', { reason: '529' }) + 1,
    );
    const failed = { model: MODEL, operation: 'message', outcome: 'server_error' };
    expect(value(after, 'claude_proxy_upstream_request_duration_seconds_count', failed)).toBeGreaterThan(0);
    expect(value(after, 'claude_proxy_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' })).toBe(
      value(before, 'claude_proxy_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }) + 1,
    );
    expect(text).not.toContain('task_abc123');
    expect(text).not.toContain(client.clientId);
  });

  it('writes no history rows when HISTORY_ENABLED=false', async () => {
    const res = await query({ prompt: 'no history' });
    expect(res.status).toBe(200);
    await t.server.services.history.flush();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM "${t.schema}".request_history`);
      expect(rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });
});

describe('Prometheus /metrics with METRICS_CLIENT_LABELS=true', () => {
  it('adds the client label to the request counter', async () => {
    const t = await startTestServer({ env: { METRICS_CLIENT_LABELS: 'true' } });
    try {
      const client = await registerClient(t);
      const res = await http(`${t.url}/api/claude/query`, {
        body: { prompt: 'labelled' },
        headers: bearer(client.apiKey),
      });
      expect(res.status).toBe(200);
      const { series } = await scrape(t.url);
      const key = seriesKey('claude_proxy_http_requests_total', {
        route: '/api/claude/query',
        method: 'POST',
        status: '200',
        client: client.clientId,
      });
      expect(series.get(key)).toBe(1);
    } finally {
      await t.close();
    }
  });
});
