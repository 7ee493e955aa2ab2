import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from './jwt.js';

const SECRET = 'unit-test-secret-0123456789abcdef0123';
const NOW = 1_800_000_000;
const claims = { clientId: 'client_a', keyId: 'key_a', permissions: ['query' as const], expiresAt: NOW + 3600 };

describe('tokens', () => {
  it('round-trips its claims', async () => {
    const token = await signToken(SECRET, claims, NOW);
    expect(await verifyToken(SECRET, token, NOW)).toEqual({ ok: true, claims });
  });

  it('refuses expiry, another secret, another algorithm and alg:none', async () => {
    const token = await signToken(SECRET, claims, NOW);
    expect(await verifyToken(SECRET, token, NOW + 3600)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifyToken(`${SECRET}x`, token, NOW)).toEqual({ ok: false, reason: 'invalid' });
    const hs512 = await new SignJWT({ perms: ['query'], key: 'key_a' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('client_a')
      .setIssuer('claude-proxy')
      .setAudience('claude-proxy')
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 60)
      .sign(new TextEncoder().encode(SECRET));
    expect((await verifyToken(SECRET, hs512, NOW)).ok).toBe(false);
    const [, payload] = token.split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    expect((await verifyToken(SECRET, none, NOW)).ok).toBe(false);
  });
});
