import type { AppRouter } from '@claude-proxy/api';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import pg from 'pg';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHttp,
  bearer,
  http,
  type RegisteredClient,
  registerClient,
  startTestServer,
  TEST_DATABASE_URL,
  type TestServer,
  waitFor,
} from './helpers.js';

type Answer = {
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  metadata: { model: string };
};
interface Row {
  request_id: string;
  client_id: string;
  endpoint: string;
  method: string;
  status: number;
  outcome: string;
  model: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  latency_ms: number;
  cache_status: string | null;
}

describe('request history and GET /api/usage', () => {
  let t: TestServer;
  let db: pg.Client;
  let client: RegisteredClient;
  beforeAll(async () => {
    t = await startTestServer({ env: { HISTORY_RETENTION_DAYS: '30' } });
    db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    client = await registerClient(t);
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  /** `http` as the registered client. */
  const asClient = <T = Record<string, unknown>>(url: string, init: { body?: unknown } = {}) =>
    http<T>(url, { ...init, headers: bearer(client.apiKey) });

  const rowOf = (requestId: string | null) =>
    waitFor(async () => {
      const { rows } = await db.query<Row>(`SELECT * FROM "${t.schema}".request_history WHERE request_id = $1`, [
        requestId,
      ]);
      return rows[0];
    });

  it("keeps one row per request that matches the response's usage", async () => {
    const body = { prompt: 'history please', parameters: { model: 'claude-3' } };
    const miss = await asClient<Answer>(`${t.url}/api/claude/query`, { body });
    const hit = await asClient<Answer>(`${t.url}/api/claude/query`, { body });
    expect([miss.status, hit.status]).toEqual([200, 200]);

    for (const [res, cache] of [
      [miss, 'miss'],
      [hit, 'hit'],
    ] as const) {
      const row = await rowOf(res.headers.get('x-request-id'));
      expect(row).toMatchObject({
        client_id: client.clientId,
        endpoint: '/api/claude/query',
        method: 'POST',
        status: 200,
        outcome: 'success',
        model: res.body.metadata.model,
        prompt_tokens: res.body.usage.promptTokens,
        completion_tokens: res.body.usage.completionTokens,
        total_tokens: res.body.usage.totalTokens,
        cache_status: cache,
      });
      expect(row.latency_ms).toBeGreaterThan(0);
    }
  });

  it('records tRPC calls under their procedure, with the same usage', async () => {
    const trpc = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${t.url}/trpc`, transformer: superjson, headers: bearer(client.apiKey) })],
    });
    const answer = await trpc.claude.query.mutate({ prompt: 'over tRPC', caching: false });
    const row = await waitFor(async () => {
      const { rows } = await db.query<Row>(
        `SELECT * FROM "${t.schema}".request_history WHERE endpoint = '/trpc/claude.query'`,
      );
      return rows[0];
    });
    expect(row).toMatchObject({
      client_id: client.clientId,
      status: 200,
      cache_status: 'bypass',
      total_tokens: answer.usage.totalTokens,
      prompt_tokens: answer.usage.promptTokens,
    });
  });

  it('records failures with their error code, and keeps probes out', async () => {
    const bad = await asClient(`${t.url}/api/claude/query`, { body: { prompt: 42 } });
    expect(bad.status).toBe(400);
    expect(await rowOf(bad.headers.get('x-request-id'))).toMatchObject({ status: 400, outcome: 'invalid_request' });

    const health = await http(`${t.url}/api/health`);
    const live = await http(`${t.url}/api/health/live`);
    await t.server.services.history.flush();
    const { rows } = await db.query(`SELECT 1 FROM "${t.schema}".request_history WHERE request_id = ANY($1)`, [
      [health.headers.get('x-request-id'), live.headers.get('x-request-id')],
    ]);
    expect(rows).toHaveLength(0);
  });

  it('answers usage totals by day and model that add up to the responses', async () => {
    const answers: Answer[] = [];
    for (const model of ['claude-3', 'claude-3-opus', 'claude-3-opus']) {
      const res = await asClient<Answer>(`${t.url}/api/claude/query`, {
        body: { prompt: `usage ${model} ${answers.length}`, parameters: { model } },
      });
      answers.push(res.body);
    }
    const res = await http<{
      clientId: string;
      from: string;
      to: string;
      totals: Record<string, number>;
      byModel: { model: string | null; requests: number; totalTokens: number }[];
      byDay: { date: string; requests: number; models: { model: string | null }[] }[];
    }>(`${t.url}/api/usage`, { headers: bearer(client.apiKey) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const today = new Date().toISOString().slice(0, 10);
    expect(res.body).toMatchObject({ clientId: client.clientId, to: today });

    // Compare with what the table holds for this client: every request so far but this one, whose own row
    // may or may not have been flushed by now.
    const { rows } = await db.query(
      `SELECT count(*)::int AS requests, sum(total_tokens)::int AS tokens,
              count(*) FILTER (WHERE cache_status = 'hit')::int AS hits
       FROM "${t.schema}".request_history WHERE client_id = $1 AND endpoint <> '/api/usage'`,
      [client.clientId],
    );
    expect(res.body.totals).toMatchObject({ requests: rows[0].requests, totalTokens: rows[0].tokens });
    expect(res.body.totals.cachedRequests).toBe(rows[0].hits);
    expect(res.body.totals.failedRequests).toBeGreaterThanOrEqual(1);
    const opus = res.body.byModel.find((m) => m.model === 'claude-opus-4-6');
    expect(opus).toMatchObject({
      requests: 2,
      totalTokens: answers[1]!.usage.totalTokens + answers[2]!.usage.totalTokens,
    });
    expect(res.body.byDay).toHaveLength(1);
    expect(res.body.byDay[0]).toMatchObject({ date: today, requests: rows[0].requests });
  });

  it("lets an admin read another client's usage and rejects bad ranges with 400", async () => {
    const other = await adminHttp<{ clientId: string; totals: { requests: number } }>(
      `${t.url}/api/usage?clientId=client_other&from=2026-01-01&to=2026-01-31`,
    );
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ clientId: 'client_other', from: '2026-01-01', to: '2026-01-31' });
    expect(other.body.totals.requests).toBe(0);
    const mine = await adminHttp<{ clientId: string; totals: { requests: number } }>(
      `${t.url}/api/usage?clientId=${client.clientId}`,
    );
    expect(mine.body.clientId).toBe(client.clientId);
    expect(mine.body.totals.requests).toBeGreaterThan(0);

    // A client reads only its own usage.
    const refused = await http<{ error: { code: string } }>(`${t.url}/api/usage?clientId=client_other`, {
      headers: bearer(client.apiKey),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('authorization_error');

    for (const query of ['from=2026-02-01&to=2026-01-01', 'from=yesterday', 'from=2024-01-01&to=2026-01-01']) {
      const res = await adminHttp<{ error: { code: string } }>(`${t.url}/api/usage?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
  });

  it('deletes rows older than HISTORY_RETENTION_DAYS and keeps the rest', async () => {
    await db.query(
      `INSERT INTO "${t.schema}".request_history (created_at, request_id, client_id, endpoint, method, status, outcome, latency_ms)
       VALUES (now() - interval '31 days', 'old-row', 'anonymous', '/api/claude/query', 'POST', 200, 'success', 1),
              (now() - interval '29 days', 'kept-row', 'anonymous', '/api/claude/query', 'POST', 200, 'success', 1)`,
    );
    const before = await db.query(`SELECT count(*)::int AS n FROM "${t.schema}".request_history`);
    expect(await t.server.services.history.purgeExpired()).toBe(1);
    const { rows } = await db.query(`SELECT request_id FROM "${t.schema}".request_history`);
    expect(rows.map((r) => r.request_id)).not.toContain('old-row');
    expect(rows.map((r) => r.request_id)).toContain('kept-row');
    expect(rows).toHaveLength(before.rows[0].n - 1);
  });

  it('flushes buffered rows on shutdown', async () => {
    const res = await asClient(`${t.url}/api/claude/query`, { body: { prompt: 'last words', caching: false } });
    await t.server.close();
    const { rows } = await db.query(`SELECT 1 FROM "${t.schema}".request_history WHERE request_id = $1`, [
      res.headers.get('x-request-id'),
    ]);
    expect(rows).toHaveLength(1);
  });
});
