import { type Simulator, startSimulator } from '@claude-proxy/claude-sim';
import { manualClock } from '@claude-proxy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHttp,
  bearer,
  dropSchemas,
  http,
  type RegisteredClient,
  registerClient,
  startTestServer,
  type TestServer,
  uniqueSchema,
  waitFor,
} from './helpers.js';

type ErrorBody = { error: { code: string; message: string; requestId: string; details?: unknown } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A query with `apiKey`, or unauthenticated without one. */
const query = (url: string, apiKey?: string, body: unknown = { prompt: 'Rate me' }) =>
  http(`${url}/api/claude/query`, { body, headers: apiKey ? bearer(apiKey) : {} });

describe('rate limits shared by two instances (S1, S2)', () => {
  const clock = manualClock(Math.floor(Date.now() / 1000) * 1000);
  const schema = uniqueSchema('rl');
  let sim: Simulator;
  let a: TestServer;
  let b: TestServer;
  /** One client, one key: the limits follow the key, whichever instance or address it calls from. */
  let client: RegisteredClient;

  beforeAll(async () => {
    sim = await startSimulator();
    a = await startTestServer({ schema, sharedSim: sim, clock });
    b = await startTestServer({ schema, sharedSim: sim, clock });
    client = await registerClient(a, ['query']);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await sim?.close();
    await dropSchemas(schema);
  });

  it('lets exactly 60 of 100 concurrent requests through, and refuses 40 with 429 and correct headers', async () => {
    const t0 = clock.now();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => query(i % 2 === 0 ? a.url : b.url, client.apiKey)),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(60);
    expect(refused).toHaveLength(40);

    const reset = String(t0 / 1000 + 60);
    // Every grant saw a distinct count of what was left: the two instances decided as one.
    const remaining = ok.map((r) => Number(r.headers.get('x-ratelimit-remaining'))).sort((x, y) => x - y);
    expect(remaining).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (const r of ok) {
      expect(r.headers.get('x-ratelimit-limit')).toBe('60');
      // Full again once the requests used so far have drained, one per second.
      const used = 60 - Number(r.headers.get('x-ratelimit-remaining'));
      expect(r.headers.get('x-ratelimit-reset')).toBe(String(t0 / 1000 + used));
      expect(r.headers.get('retry-after')).toBeNull();
    }
    for (const r of refused) {
      const body = r.body as ErrorBody;
      expect(body.error.code).toBe('rate_limit_exceeded');
      expect(body.error.details).toMatch(/^query limit 60 per minute by client; 0 remaining until \d+/);
      expect(body.error.requestId).toMatch(UUID);
      expect(body.error.requestId).toBe(r.headers.get('x-request-id'));
      expect(r.headers.get('x-ratelimit-limit')).toBe('60');
      expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(r.headers.get('x-ratelimit-reset')).toBe(reset);
      expect(r.headers.get('retry-after')).toBe('1');
    }
    // Refused requests never reached the upstream.
    expect(sim.requests({ path: '/v1/messages' }).length).toBeLessThanOrEqual(60);

    // The limit is the client's: another client still has its own full allowance.
    const other = await registerClient(a, ['query']);
    const fresh = await query(b.url, other.apiKey);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-ratelimit-remaining')).toBe('59');
  });

  it('serves the same headers over tRPC', async () => {
    clock.advance(60_000);
    const res = await fetch(`${a.url}/trpc/claude.query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(client.apiKey) },
      body: JSON.stringify({ json: { prompt: 'Rate me' } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe('60');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('59');
  });

  it('shares admin overrides at once: a maxTokens cap set on one instance holds on the other', async () => {
    const limitsUrl = (t: TestServer) => `${t.url}/api/admin/rate-limits/${client.clientId}`;
    const before = await adminHttp<{ limits: { maxTokens: number | null } }>(limitsUrl(b));
    expect(before.body.limits.maxTokens).toBeNull();
    const put = await adminHttp(limitsUrl(a), { method: 'PUT', body: { maxTokens: 500 } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ clientId: client.clientId, overrides: { maxTokens: 500 } });
    expect(put.body).toMatchObject({ limits: { query: 60, queue: 20, maxTokens: 500 } });

    const body = (maxTokens: number) => ({ prompt: 'capped', caching: false, parameters: { maxTokens } });
    const calls = sim.requests({ path: '/v1/messages' }).length;
    const over = await waitFor(async () => {
      const res = await query(b.url, client.apiKey, body(501));
      return res.status === 400 ? res : undefined;
    });
    expect((over.body as ErrorBody).error.message).toContain('at most 500');
    expect(sim.requests({ path: '/v1/messages' })).toHaveLength(calls);
    expect((await query(b.url, client.apiKey, body(500))).status).toBe(200);
    // Only this client is capped.
    expect((await query(b.url, (await registerClient(a, ['query'])).apiKey, body(501))).status).toBe(200);

    const cleared = await adminHttp(limitsUrl(b), { method: 'DELETE' });
    expect(cleared.body).toMatchObject({ overrides: {}, limits: { maxTokens: null }, updatedAt: null });
    await waitFor(async () => (await query(a.url, client.apiKey, body(501))).status === 200);
  });

  it('applies a client maxTokens cap to queued tasks too, at submission', async () => {
    const queuer = await registerClient(a, ['queue']);
    const put = await adminHttp(`${a.url}/api/admin/rate-limits/${queuer.clientId}`, {
      method: 'PUT',
      body: { maxTokens: 300 },
    });
    expect(put.status).toBe(200);
    const submit = (maxTokens: number) =>
      http<ErrorBody>(`${b.url}/api/claude/queue`, {
        body: { prompt: 'capped task', caching: false, parameters: { maxTokens } },
        headers: bearer(queuer.apiKey),
      });
    const over = await waitFor(async () => {
      const res = await submit(301);
      return res.status === 400 ? res : undefined;
    });
    expect(over.body.error.message).toContain('at most 300');
    expect((await submit(300)).status).toBe(202);
  });

  it('refuses bad overrides with 400', async () => {
    const bad = [{ query: 0 }, { query: 'many' }, { unknown: 1 }, [1, 2], { maxTokens: 10_000_000 }];
    for (const limits of bad) {
      const res = await adminHttp<ErrorBody>(`${a.url}/api/admin/rate-limits/client_x`, {
        method: 'PUT',
        body: limits,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    const badId = await adminHttp<ErrorBody>(`${a.url}/api/admin/rate-limits/${encodeURIComponent('a b')}`);
    expect(badId.status).toBe(400);
    // A well-formed id of no client: 404, and nothing is stored.
    const missing = await adminHttp<ErrorBody>(`${a.url}/api/admin/rate-limits/client_nobody`, {
      method: 'PUT',
      body: { query: 5 },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    // GET and DELETE of no client: 404 too, not the defaults of a client that does not exist.
    for (const method of ['GET', 'DELETE']) {
      const res = await adminHttp<ErrorBody>(`${a.url}/api/admin/rate-limits/client_nobody`, { method });
      expect(res.status, method).toBe(404);
    }
  });

  it("refuses maxTokens above the model's cap before any upstream call", async () => {
    const calls = sim.requests({ path: '/v1/messages' }).length;
    const res = await query(a.url, client.apiKey, {
      prompt: 'p',
      parameters: { model: 'claude-3-haiku', maxTokens: 64_001 },
    });
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error.message).toContain('at most 64000');
    expect(sim.requests({ path: '/v1/messages' })).toHaveLength(calls);
  });
});

describe('the window slides (injected clock)', () => {
  const clock = manualClock(Date.UTC(2026, 0, 1));
  let t: TestServer;
  let apiKey: string;
  beforeAll(async () => {
    t = await startTestServer({ clock, env: { RATE_LIMIT_QUERY_PER_MIN: '6' } });
    apiKey = (await registerClient(t, ['query'])).apiKey;
  });
  afterAll(() => t?.close());

  const statuses = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await query(t.url, apiKey)).status);
    return out;
  };

  it('refills one request per interval and never a whole window at an edge', async () => {
    expect(await statuses(7)).toEqual([200, 200, 200, 200, 200, 200, 429]);
    const refused = await query(t.url, apiKey);
    expect(refused.headers.get('retry-after')).toBe('10');

    clock.advance(9_999);
    expect(await statuses(1)).toEqual([429]);
    clock.advance(1);
    expect(await statuses(2)).toEqual([200, 429]);

    clock.advance(30_000);
    const after = await query(t.url, apiKey);
    expect(after.status).toBe(200);
    expect(after.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(await statuses(3)).toEqual([200, 200, 429]);

    clock.advance(60_000);
    expect(await statuses(7)).toEqual([200, 200, 200, 200, 200, 200, 429]);
  });
});

describe('per IP without a client (AUTH_DISABLED: every caller is the anonymous principal)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        AUTH_DISABLED: 'true',
        RATE_LIMIT_QUERY_PER_MIN: '60',
        RATE_LIMIT_IP_PER_MIN: '3',
        TRUSTED_PROXIES: '127.0.0.1, ::1',
      },
    });
  });
  afterAll(() => t?.close());

  const from = (ip: string) =>
    http<ErrorBody>(`${t.url}/api/claude/query`, { body: {}, headers: { 'x-forwarded-for': ip } });

  it('limits each address by RATE_LIMIT_IP_PER_MIN, and one address never uses up another', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await from('198.51.100.10')).status);
    // An empty body is a 400 that costs no upstream call, but it still counts against the limit.
    expect(statuses).toEqual([400, 400, 400, 429]);
    const refused = await from('198.51.100.10');
    expect(refused.body.error.details).toMatch(/^query limit 3 per minute by ip;/);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await from('198.51.100.11')).status).toBe(400);
  });
});
