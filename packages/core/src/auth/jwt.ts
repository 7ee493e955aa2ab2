import { errors, jwtVerify, SignJWT } from 'jose';
import { PERMISSIONS, type Permission } from './permissions.js';

const ISSUER = 'claude-proxy';
const AUDIENCE = 'claude-proxy';

export interface TokenClaims {
  clientId: string;
  /** The key the token was exchanged for: revoking or rotating it ends the token too. */
  keyId: string;
  permissions: Permission[];
  /** Epoch seconds. */
  expiresAt: number;
}

const encoder = new TextEncoder();

export async function signToken(secret: string, claims: TokenClaims, issuedAtSeconds: number): Promise<string> {
  return new SignJWT({ perms: claims.permissions, key: claims.keyId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.clientId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAtSeconds)
    .setExpirationTime(claims.expiresAt)
    .sign(encoder.encode(secret));
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'expired' | 'invalid' };

/** HS256 only: `alg:none`, other algorithms, bad signatures and expired tokens are all refused. */
export async function verifyToken(secret: string, token: string, nowSeconds: number): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: new Date(nowSeconds * 1000),
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    const perms = Array.isArray(payload.perms) ? payload.perms : [];
    if (typeof payload.key !== 'string' || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') {
      return { ok: false, reason: 'invalid' };
    }
    const permissions = perms.filter((p): p is Permission => PERMISSIONS.includes(p as Permission));
    return {
      ok: true,
      claims: { clientId: payload.sub, keyId: payload.key, permissions, expiresAt: payload.exp },
    };
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}
