import { manualClock } from '@claude-proxy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, http, registerClient, startTestServer, TEST_ADMIN_KEY, type TestServer } from './helpers.js';

type ErrorBody = { error: { code: string; message: string } };
const admin = bearer(TEST_ADMIN_KEY);

describe('failed-auth limit per IP, anomaly watch (A8) and the query-string switch', () => {
  let t: TestServer;
  const clock = manualClock(Date.now());
  const query = (credential: string, how: 'header' | 'query' = 'header') =>
    http<ErrorBody>(`${t.url}/api/claude/query${how === 'query' ? `?apiKey=${encodeURIComponent(credential)}` : ''}`, {
      body: { prompt: 'limits', caching: false },
      ...(how === 'header' ? { headers: bearer(credential) } : {}),
    });

  beforeAll(async () => {
    t = await startTestServer({
      clock,
      env: {
        RATE_LIMIT_AUTH_FAILURES_PER_MIN: '3',
        ANOMALY_MAX_FAILURES: '3',
        ANOMALY_MAX_REQUESTS: '5',
        AUTH_ALLOW_QUERY_KEY: 'false',
      },
    });
  });
  afterAll(() => t.close());

  it('ignores ?apiKey= when AUTH_ALLOW_QUERY_KEY is false', async () => {
    const { apiKey } = await registerClient(t, ['query']);
    expect((await query(apiKey, 'query')).status).toBe(401);
    expect((await query(apiKey)).status).toBe(200);
  });

  it('suspends a client after too many failures, logs a WARN, and an admin lifts it', async () => {
    const reg = await registerClient(t, ['query']);
    for (let i = 0; i < 3; i++) {
      const res = await http(`${t.url}/api/auth/clients`, { headers: bearer(reg.apiKey) });
      expect(res.status).toBe(403);
    }
    const refused = await query(reg.apiKey);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/suspended/);
    const warn = t.logs.records.find((r) => r.message === 'client suspended by the anomaly watch');
    // L2: a line's own fields sit under `context`.
    expect(warn).toMatchObject({ level: 'WARN', context: { clientId: reg.clientId } });

    const list = await http<{ clients: { clientId: string; status: string }[] }>(`${t.url}/api/auth/clients`, {
      headers: admin,
    });
    expect(list.body.clients.find((c) => c.clientId === reg.clientId)?.status).toBe('suspended');

    const lift = await http(`${t.url}/api/auth/clients/${reg.clientId}/unsuspend`, { method: 'POST', headers: admin });
    expect(lift.status).toBe(200);
    expect(lift.body).toMatchObject({ status: 'active' });
    expect((await query(reg.apiKey)).status).toBe(200);
  });

  it('suspends a client that bursts past the request rule', async () => {
    clock.advance(120_000);
    const reg = await registerClient(t, ['query']);
    for (let i = 0; i < 5; i++) expect((await query(reg.apiKey)).status).toBe(200);
    const sixth = await query(reg.apiKey);
    expect(sixth.status).toBe(401);
    expect(sixth.body.error.message).toMatch(/suspended/);
  });

  it('answers 429 with Retry-After after too many failures from one IP, yet lets cached keys through', async () => {
    clock.advance(120_000);
    const { apiKey } = await registerClient(t, ['query']);
    expect((await query(apiKey)).status).toBe(200);
    const wrong = `sk_live_${'B'.repeat(32)}`;
    for (let i = 0; i < 3; i++) expect((await query(wrong)).status).toBe(401);
    const limited = await query(wrong);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limit_exceeded');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    // S2: this 429 carries the rate-limit headers like any other.
    expect(limited.headers.get('x-ratelimit-limit')).toBe('3');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('x-ratelimit-reset'))).toBe(Math.ceil(clock.now() / 1000) + retryAfter);
    const token = await http<ErrorBody>(`${t.url}/api/auth/token`, { body: { apiKey: wrong } });
    expect(token.status).toBe(429);
    expect(token.headers.get('x-ratelimit-limit')).toBe('3');
    expect(token.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(token.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Math.ceil(clock.now() / 1000));
    // A key verified before is served from the cache: no bcrypt, no lock-out of legitimate callers.
    expect((await query(apiKey)).status).toBe(200);

    clock.advance(61_000);
    expect((await query(wrong)).status).toBe(401);
  });
});
