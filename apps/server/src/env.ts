import { DEFAULT_MODEL_ALIASES } from '@claude-proxy/core';
import { z } from 'zod';
import { parseTrustedProxies } from './client-ip.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const modelAliases = z.string().transform((text, ctx) => {
  try {
    const parsed = JSON.parse(text) as unknown;
    const result = z.record(z.string().min(1), z.string().min(1)).safeParse(parsed);
    if (result.success) return { ...DEFAULT_MODEL_ALIASES, ...result.data };
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object of alias -> model id strings' });
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
  }
  return z.NEVER;
});

/** A comma-separated list; blanks dropped. */
const list = (fallback = '') =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== ''),
    );

const trustedProxies = list().transform((entries, ctx) => {
  const { list: blockList, problems } = parseTrustedProxies(entries);
  for (const message of problems) ctx.addIssue({ code: 'custom', message });
  return entries.length > 0 ? blockList : undefined;
});

const corsOrigins = list().refine((origins) => origins.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o)), {
  message: 'each origin must be scheme://host[:port] (no path) or *',
});

/**
 * Every environment variable the server reads, in one schema. README.md documents each one.
 * Nothing else in the codebase reads process.env.
 */
export const envSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: optionalString,
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('public'),
  DATABASE_POOL_MAX: int(1, 200).default(10),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: int(1, 65535).default(54329),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString.pipe(z.url().optional()),
  ADMIN_API_KEY: optionalString.pipe(z.string().min(16).optional()),
  JWT_SECRET: optionalString.pipe(z.string().min(32).optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.default(false),
  MODEL_ALIASES: modelAliases.optional(),
  CACHE_TTL_SECONDS: int(1, 365 * 24 * 3600).default(24 * 3600),
  CACHE_MAX_MB: int(1, 16_384).default(64),
  CACHE_SHARED: bool.default(false),
  UPSTREAM_MAX_ATTEMPTS: int(1, 10).default(3),
  UPSTREAM_RETRY_BASE_DELAY_MS: int(0, 60_000).default(500),
  UPSTREAM_RETRY_MAX_DELAY_MS: int(0, 600_000).default(8_000),
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: int(100, 600_000).default(30_000),
  UPSTREAM_TIMEOUT_MS: int(1_000, 3_600_000).default(600_000),
  BODY_LIMIT_BYTES: int(1_024, 50 * 1024 * 1024).default(1024 * 1024),
  SERVER_MODE: z.enum(['all', 'api', 'worker']).default('all'),
  WORKER_CONCURRENCY: int(1, 1_000).default(8),
  TASK_MAX_RETRIES: int(0, 10).default(3),
  TASK_LEASE_SECONDS: int(1, 3_600).default(30),
  TASK_RETENTION_HOURS: int(1, 24 * 3650).default(24 * 7),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(25_000),
  HEAP_GROWING_PERCENT: int(0, 1_000).default(50),
  HEALTH_CHECK_INTERVAL_MS: int(1_000, 3_600_000).default(30_000),
  RATE_LIMIT_QUERY_PER_MIN: int(0, 1_000_000).default(60),
  RATE_LIMIT_QUEUE_PER_MIN: int(0, 1_000_000).default(20),
  RATE_LIMIT_READ_PER_MIN: int(0, 1_000_000).default(600),
  RATE_LIMIT_IP_PER_MIN: int(0, 1_000_000).default(60),
  RATE_LIMIT_AUTH_FAILURES_PER_MIN: int(0, 1_000_000).default(10),
  MAX_TOKENS_PER_REQUEST: int(1, 128_000).optional(),
  TRUSTED_PROXIES: trustedProxies,
  CORS_ORIGINS: corsOrigins,
  CORS_METHODS: list('GET,POST,PUT,DELETE').pipe(z.array(z.string().regex(/^[A-Z]+$/, 'methods are upper-case words'))),
  CORS_HEADERS: list('Authorization,Content-Type,X-Request-ID').pipe(
    z.array(z.string().regex(/^[A-Za-z0-9-]+$/, 'header names only')),
  ),
  CORS_MAX_AGE_SECONDS: int(0, 86_400).default(600),
  REQUEST_TIMEOUT_MS: int(100, 3_600_000).default(300_000),
  HSTS_MAX_AGE_SECONDS: int(0, 63_072_000).default(31_536_000),
  AUTH_ALLOW_QUERY_KEY: bool.default(true),
  AUTH_DISABLED: bool.default(false),
  BCRYPT_COST: int(4, 15).default(10),
  AUTH_CACHE_TTL_SECONDS: int(1, 3_600).default(30),
  AUTH_CACHE_MAX: int(100, 1_000_000).default(10_000),
  JWT_MAX_TTL_SECONDS: int(60, 365 * 24 * 3600).default(7 * 24 * 3600),
  ANOMALY_WINDOW_SECONDS: int(1, 24 * 3600).default(60),
  ANOMALY_MAX_FAILURES: int(0, 1_000_000_000).default(50),
  ANOMALY_MAX_REQUESTS: int(0, 1_000_000_000).default(0),
  HISTORY_ENABLED: bool.default(true),
  HISTORY_RETENTION_DAYS: int(1, 3650).default(30),
  METRICS_CLIENT_LABELS: bool.default(false),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  WEBHOOK_MAX_ATTEMPTS: int(1, 50).default(12),
  WEBHOOK_RETRY_BASE_DELAY_MS: int(1, 3_600_000).default(60_000),
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim())
        .filter((h) => h !== ''),
    ),
  WEBHOOK_SECRET_ENCRYPTION_KEY: optionalString.pipe(z.string().min(32).optional()),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Rules that involve several variables. */
function crossCheck(env: Env): string[] {
  const problems: string[] = [];
  // Outside the zero-config run a generated secret would differ per deployment step and silently log
  // everyone out on a restore: an operator must choose it (docs/auth.md).
  if (env.DATABASE_URL && !env.JWT_SECRET) {
    problems.push('JWT_SECRET: required when DATABASE_URL is set (at least 32 characters)');
  }
  return problems;
}

/** Parses the environment; a bad value throws ConfigError listing every problem at once. */
export function loadEnv(source: Record<string, string | undefined>): Env {
  // A variable set to nothing (`X=` in a .env file, `X: ${X}` in compose with X unset) is unset: it gets its
  // default, not 0 for a number (a rate limit of 0 is "off") or an error for a boolean.
  const given = Object.fromEntries(Object.entries(source).filter(([, value]) => value?.trim() !== ''));
  const result = envSchema.safeParse(given);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const problems = crossCheck(result.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data;
}
