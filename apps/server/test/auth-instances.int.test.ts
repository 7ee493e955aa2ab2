import { startSimulator } from '@claude-proxy/claude-sim';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bearer,
  http,
  registerClient,
  startTestServer,
  TEST_ADMIN_KEY,
  TEST_JWT_SECRET,
  type TestServer,
  uniqueSchema,
  waitFor,
} from './helpers.js';

const query = (t: TestServer, credential: string, how: 'header' | 'query' = 'header') =>
  http(`${t.url}/api/claude/query${how === 'query' ? `?apiKey=${encodeURIComponent(credential)}` : ''}`, {
    body: { prompt: 'instances', caching: false },
    ...(how === 'header' ? { headers: bearer(credential) } : {}),
  });

describe('auth across instances and in logs', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('a revocation on one instance is refused by the other within 1 s', async () => {
    const sim = await startSimulator({});
    closers.push(() => sim.close());
    const schema = uniqueSchema();
    // A long cache TTL: only the pushed notification can make the other instance forget in time.
    const env = { AUTH_CACHE_TTL_SECONDS: '3600' };
    const a = await startTestServer({ sharedSim: sim, schema, env, dropSchemaOnClose: true });
    closers.push(() => a.close());
    const b = await startTestServer({ sharedSim: sim, schema, env, dropSchemaOnClose: false });
    closers.push(() => b.close());

    const reg = await registerClient(a, ['query']);
    const token = (await http<{ token: string }>(`${a.url}/api/auth/token`, { body: { apiKey: reg.apiKey } })).body
      .token;
    expect((await query(b, reg.apiKey)).status).toBe(200);
    expect((await query(b, token)).status).toBe(200);

    const started = performance.now();
    const del = await http(`${a.url}/api/auth/clients/${reg.clientId}`, {
      method: 'DELETE',
      headers: bearer(TEST_ADMIN_KEY),
    });
    expect(del.status).toBe(200);
    await waitFor(async () => (await query(b, reg.apiKey)).status === 401, 1_000, 10);
    await waitFor(async () => (await query(b, token)).status === 401, 1_000, 10);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('never writes a key, token, hash or secret into any log line', async () => {
    const t = await startTestServer({ env: { LOG_LEVEL: 'trace', RATE_LIMIT_AUTH_FAILURES_PER_MIN: '0' } });
    closers.push(() => t.close());
    const reg = await registerClient(t, ['query']);
    const token = (await http<{ token: string }>(`${t.url}/api/auth/token`, { body: { apiKey: reg.apiKey } })).body
      .token;
    const wrong = `sk_live_${'C'.repeat(32)}`;
    const malformed = 'secret-but-malformed-credential';
    const rotated = (
      await http<{ apiKey: string }>(`${t.url}/api/auth/clients/${reg.clientId}/rotate`, {
        headers: bearer(TEST_ADMIN_KEY),
        body: { gracePeriod: '1h' },
      })
    ).body.apiKey;
    for (const credential of [reg.apiKey, token, rotated, wrong, malformed, TEST_ADMIN_KEY]) {
      await query(t, credential);
      await query(t, credential, 'query');
      await http(`${t.url}/trpc/claude.query`, { body: { json: { prompt: 'x' } }, headers: bearer(credential) });
      await http(`${t.url}/api/auth/token`, { body: { apiKey: credential } });
    }
    await http(`${t.url}/api/auth/register`, { headers: bearer(TEST_ADMIN_KEY), body: { name: 'logs' } });
    await http(`${t.url}/api/auth/clients/${reg.clientId}`, { method: 'DELETE', headers: bearer(TEST_ADMIN_KEY) });
    await query(t, reg.apiKey);

    const hashes = await t.server.services.db.db.selectFrom('client_keys').select('key_hash').execute();
    const log = t.logs.lines.join('\n');
    expect(t.logs.lines.length).toBeGreaterThan(5);
    const secrets = [reg.apiKey, token, rotated, wrong, malformed, TEST_ADMIN_KEY, TEST_JWT_SECRET, reg.webhookSecret];
    for (const secret of [...secrets, ...hashes.map((h) => h.key_hash)]) expect(log).not.toContain(secret);
  });
});
