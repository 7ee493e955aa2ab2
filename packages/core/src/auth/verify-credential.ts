import { verify as bcryptVerify } from '@node-rs/bcrypt';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { apiKeyPrefix, isApiKeyFormat, isJwtFormat, secretsEqual, sha256Hex } from './api-key.js';
import { type ClientRow, findClient, findKey, findKeysByPrefix, type KeyRow } from './clients-repository.js';
import { verifyToken } from './jwt.js';
import { PERMISSIONS, type Permission } from './permissions.js';
import type { Verified } from './verified-key-cache.js';

export type Verification =
  | { ok: true; verified: Verified }
  /** `clientId` when the failure is attributable to a client (anomaly watch). */
  | { ok: false; message: string; clientId?: string };

export interface VerifyDeps {
  db: Kysely<Database>;
  now: number;
  adminApiKey: string | undefined;
  jwtSecret: string;
}

export const ADMIN_CLIENT_ID = 'admin';
const NEVER = Number.MAX_SAFE_INTEGER;

/** The key id tokens carry for ADMIN_API_KEY: changes when the configured key changes, ending old tokens. */
export function envAdminKeyId(adminApiKey: string): string {
  return `env_${sha256Hex(adminApiKey).slice(0, 16)}`;
}

function envAdmin(adminApiKey: string, validUntil: number): Verification {
  return {
    ok: true,
    verified: { clientId: ADMIN_CLIENT_ID, keyId: envAdminKeyId(adminApiKey), permissions: PERMISSIONS, validUntil },
  };
}

/** Whether the key and its client may be used now; the message says why not. */
function checkUsable(key: KeyRow, client: ClientRow | undefined, now: number): Verification {
  const fail = (message: string): Verification => ({ ok: false, message, clientId: key.clientId });
  if (!client) return { ok: false, message: 'Invalid credentials' };
  if (client.revokedAt) return fail('API key has been revoked');
  if (key.revokedAt && key.revokedAt.getTime() <= now) return fail('API key has been revoked or replaced by rotation');
  if (key.expiresAt && key.expiresAt.getTime() <= now) return fail('API key has expired');
  if (client.suspendedAt) {
    return fail(
      `Client ${client.id} is suspended (${client.suspendedReason ?? 'anomalous activity'}); ` +
        'an administrator must lift the suspension',
    );
  }
  const ends = [key.expiresAt?.getTime(), key.revokedAt?.getTime()].filter((t): t is number => t !== undefined);
  return {
    ok: true,
    verified: {
      clientId: client.id,
      keyId: key.id,
      permissions: client.permissions,
      validUntil: Math.min(NEVER, ...ends),
    },
  };
}

async function verifyApiKey(deps: VerifyDeps, apiKey: string): Promise<Verification> {
  const candidates = await findKeysByPrefix(deps.db, apiKeyPrefix(apiKey));
  for (const key of candidates) {
    if (await bcryptVerify(apiKey, key.keyHash))
      return checkUsable(key, await findClient(deps.db, key.clientId), deps.now);
  }
  // A right prefix with a wrong secret is someone guessing at that client's key.
  const only = candidates.length === 1 ? candidates[0] : undefined;
  return { ok: false, message: 'Invalid API key', ...(only ? { clientId: only.clientId } : {}) };
}

async function verifyJwt(deps: VerifyDeps, token: string): Promise<Verification> {
  const check = await verifyToken(deps.jwtSecret, token, Math.floor(deps.now / 1000));
  if (!check.ok) return { ok: false, message: check.reason === 'expired' ? 'Token has expired' : 'Invalid token' };
  const { claims } = check;
  const tokenEnds = claims.expiresAt * 1000;
  if (claims.clientId === ADMIN_CLIENT_ID) {
    const current = deps.adminApiKey;
    if (current && claims.keyId === envAdminKeyId(current)) return envAdmin(current, tokenEnds);
    return { ok: false, message: 'Token has been revoked' };
  }
  const key = await findKey(deps.db, claims.keyId);
  if (!key || key.clientId !== claims.clientId) return { ok: false, message: 'Invalid token' };
  const usable = checkUsable(key, await findClient(deps.db, key.clientId), deps.now);
  if (!usable.ok) return { ...usable, message: `Token is no longer valid: ${usable.message}` };
  const current = new Set<Permission>(usable.verified.permissions);
  return {
    ok: true,
    verified: {
      ...usable.verified,
      permissions: claims.permissions.filter((p) => current.has(p)),
      validUntil: Math.min(usable.verified.validUntil, tokenEnds),
    },
  };
}

/** The full (uncached) check of a presented credential: admin key, client API key (bcrypt) or JWT. */
export async function verifyCredential(deps: VerifyDeps, credential: string): Promise<Verification> {
  if (deps.adminApiKey && secretsEqual(credential, deps.adminApiKey)) return envAdmin(deps.adminApiKey, NEVER);
  if (isApiKeyFormat(credential)) return verifyApiKey(deps, credential);
  if (isJwtFormat(credential)) return verifyJwt(deps, credential);
  return { ok: false, message: 'Malformed credentials: expected an sk_live_ API key or a JWT' };
}
