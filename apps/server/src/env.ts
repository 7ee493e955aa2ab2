import { DEFAULT_MODEL_ALIASES } from '@claude-proxy/core';
import { z } from 'zod';

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
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(25_000),
  HEALTH_CHECK_INTERVAL_MS: int(1_000, 3_600_000).default(30_000),
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

/** Parses the environment; a bad value throws ConfigError listing every problem at once. */
export function loadEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  return result.data;
}
