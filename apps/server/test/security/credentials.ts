import { createHmac } from 'node:crypto';
import { expect } from 'vitest';
import { bearer, http, registerClient, TEST_ADMIN_KEY, type TestServer } from '../helpers.js';

export interface SuiteCredentials {
  /** A key holding exactly this permission, and a token derived from it. */
  good: Record<'query' | 'queue' | 'admin', { apiKey: string; token: string }>;
  /** A key that lacks the permission named. */
  lacking: Record<'query' | 'queue' | 'admin', string>;
  malformed: string[];
  wrong: string;
  expired: string;
  revoked: string;
  tokenOfRevoked: string;
  otherSecretToken: string;
  algNoneToken: string;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function tokenFor(t: TestServer, apiKey: string): Promise<string> {
  const res = await http<{ token: string }>(`${t.url}/api/auth/token`, { body: { apiKey } });
  if (res.status !== 200) throw new Error(`token failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

/**
 * Every credential the suite presents. `advanceClock` moves the server's clock past the `expired` key's
 * expiry (after it was used once, so the cached verification must expire too).
 */
export async function makeCredentials(t: TestServer, advanceClock: (ms: number) => void): Promise<SuiteCredentials> {
  const use = (credential: string) =>
    http(`${t.url}/api/claude/query`, { body: { prompt: 'warm', caching: false }, headers: bearer(credential) });

  const expired = await registerClient(t, ['query', 'queue', 'admin'], { expiresIn: 'PT1H' });
  expect((await use(expired.apiKey)).status).toBe(200);
  advanceClock(2 * 3600 * 1000);

  const good = {} as SuiteCredentials['good'];
  for (const p of ['query', 'queue', 'admin'] as const) {
    const { apiKey } = await registerClient(t, [p]);
    good[p] = { apiKey, token: await tokenFor(t, apiKey) };
  }
  const lacking = {
    query: (await registerClient(t, ['queue'])).apiKey,
    queue: (await registerClient(t, ['query'])).apiKey,
    admin: (await registerClient(t, ['query', 'queue'])).apiKey,
  };

  const revoked = await registerClient(t, ['query', 'queue', 'admin']);
  const tokenOfRevoked = await tokenFor(t, revoked.apiKey);
  expect((await use(revoked.apiKey)).status).toBe(200);
  expect((await use(tokenOfRevoked)).status).toBe(200);
  const del = await http(`${t.url}/api/auth/clients/${revoked.clientId}`, {
    method: 'DELETE',
    headers: bearer(TEST_ADMIN_KEY),
  });
  expect(del.status).toBe(200);

  const [header, payload] = good.admin.token.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  // The same header and claims, a valid HS256 signature, but under a secret the server does not hold.
  const signingInput = `${header}.${b64(claims)}`;
  const signature = createHmac('sha256', 'another-secret-0123456789abcdef0123456789').update(signingInput).digest();
  const otherSecretToken = `${signingInput}.${signature.toString('base64url')}`;
  const algNoneToken = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;

  return {
    good,
    lacking,
    malformed: ['sk_live_short', 'definitely not a key', `sk_live_${'!'.repeat(32)}`],
    wrong: `sk_live_${'A'.repeat(32)}`,
    expired: expired.apiKey,
    revoked: revoked.apiKey,
    tokenOfRevoked,
    otherSecretToken,
    algNoneToken,
  };
}
