import type { AuthConfig, Services } from '@claude-proxy/core';
import type { Logger } from 'pino';
import type { Env } from './env.js';

export function authConfigFromEnv(env: Env): AuthConfig {
  return {
    disabled: env.AUTH_DISABLED,
    adminApiKey: env.ADMIN_API_KEY,
    jwtSecret: env.JWT_SECRET,
    // Only the zero-config run may invent its secret (env.ts refuses DATABASE_URL without JWT_SECRET).
    persistJwtSecret: !env.DATABASE_URL,
    bcryptCost: env.BCRYPT_COST,
    cacheMax: env.AUTH_CACHE_MAX,
    cacheTtlMs: env.AUTH_CACHE_TTL_SECONDS * 1000,
    tokenMaxTtlMs: env.JWT_MAX_TTL_SECONDS * 1000,
    failedAuthPerMinute: env.RATE_LIMIT_AUTH_FAILURES_PER_MIN,
    anomaly: {
      windowMs: env.ANOMALY_WINDOW_SECONDS * 1000,
      maxFailures: env.ANOMALY_MAX_FAILURES,
      maxRequests: env.ANOMALY_MAX_REQUESTS,
    },
    maxRotationGraceMs: 7 * 24 * 3600 * 1000,
  };
}

function banner(clientId: string, apiKey: string, baseUrl: string, recovered: boolean): string {
  const line = '='.repeat(78);
  return [
    '',
    line,
    recovered
      ? '  ADMINISTRATOR API KEY (no usable administrator was left, so a new one was created; shown once)'
      : '  ADMINISTRATOR API KEY (created on first start; shown once, only its hash is stored)',
    '',
    `    ${apiKey}`,
    '',
    `  client ${clientId}. Register client keys with it:`,
    `    curl -X POST ${baseUrl}/api/auth/register -H 'authorization: Bearer ${apiKey}' \\`,
    `      -H 'content-type: application/json' -d '{"name":"my app","permissions":["query","queue"]}'`,
    '  Set ADMIN_API_KEY to use a key of your own instead.',
    line,
    '',
    '',
  ].join('\n');
}

/**
 * Without ADMIN_API_KEY, the first start creates an administrator key and prints it once, outside the log
 * stream (it is the one secret the operator must see); later starts only say that one exists.
 */
export async function ensureAdminAccess(
  env: Env,
  services: Services,
  logger: Logger,
  write: (text: string) => void,
): Promise<void> {
  if (env.AUTH_DISABLED) {
    logger.warn('*** AUTH_DISABLED=true: every caller has every permission. For benchmarks only: UNSAFE ***');
  }
  if (env.ADMIN_API_KEY) return;
  const result = await services.auth.clients.bootstrapAdmin();
  if (result.created) {
    const host =
      env.HOST === '0.0.0.0' || env.HOST === '::' ? 'localhost' : env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
    const baseUrl = `http://${host}:${env.PORT === 0 ? '<port>' : env.PORT}`;
    write(banner(result.clientId, result.apiKey, baseUrl, result.recovered === true));
    logger.warn(
      { clientId: result.clientId, recovered: result.recovered === true },
      result.recovered
        ? 'ADMIN_API_KEY is not set and no usable administrator was left: created a new administrator key (printed above)'
        : 'ADMIN_API_KEY is not set: created an administrator key (printed above)',
    );
  } else {
    logger.info(
      { clientId: result.clientId },
      'ADMIN_API_KEY is not set: an administrator key exists (created on first start; lost it? set ADMIN_API_KEY and restart, then rotate or revoke the old one: docs/auth.md)',
    );
  }
}
