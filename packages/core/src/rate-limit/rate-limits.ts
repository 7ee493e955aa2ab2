import { LRUCache } from 'lru-cache';
import type { Clock } from '../util/clock.js';
import { outcomeOf, refusesAt } from './gcra.js';
import { ipKey } from './ip-key.js';
import type { ClientLimits, RateLimitOverrides, RateLimitType } from './rate-limit-overrides.js';
import type { RateLimitDecision, RateLimiter, RateLimitRule } from './rate-limiter.js';

export interface RateLimitConfig {
  /** Default requests per minute by type for an authenticated client; 0 turns that limit off. */
  perMinute: Record<RateLimitType, number>;
  /** Unauthenticated callers, per IP and type: min(this, the type's default). 0: the type's default. */
  ipPerMinute: number;
  /** Failed authentications per IP per minute before that IP gets 429; 0 turns it off. */
  authFailuresPerMinute: number;
  /** Default cap on `maxTokens` for every client; undefined: only the model's own cap. */
  maxTokensPerRequest?: number;
}

export const DEFAULT_RATE_LIMIT_CONFIG: RateLimitConfig = {
  perMinute: { query: 60, queue: 20, read: 600 },
  ipPerMinute: 60,
  authFailuresPerMinute: 10,
};

const PERIOD_MS = 60_000;

export interface RateLimitSubject {
  type: RateLimitType;
  /** Authenticated caller; absent for unauthenticated traffic, which is limited by IP. */
  clientId?: string;
  ip: string;
}

export interface RateLimitCheck extends RateLimitDecision {
  type: RateLimitType;
  scope: 'client' | 'ip';
}

export interface EffectiveLimits {
  query: number;
  queue: number;
  read: number;
  maxTokens: number | null;
}

/** The sync face of the failed-auth limit, as the auth middleware needs it (answered from local knowledge). */
export interface FailedAuthLimit {
  /** Seconds the IP must wait, or undefined when it may try (a refusal this instance already knows of). */
  blockedFor(ip: string): number | undefined;
  /** Counts one failure in the shared store; the decision says whether the IP is now over its limit. */
  recordFailure(ip: string): Promise<RateLimitDecision | undefined>;
}

export interface RateLimits {
  readonly config: RateLimitConfig;
  readonly overrides: RateLimitOverrides;
  readonly failedAuth: FailedAuthLimit;
  /** Consumes one request of `subject`; undefined when no limit applies. */
  check(subject: RateLimitSubject): Promise<RateLimitCheck | undefined>;
  /** The limits that apply to a client: its overrides over the defaults. */
  limitsFor(clientId: string): Promise<EffectiveLimits>;
  start(): Promise<void>;
}

interface Known {
  tatUs: number;
  limit: number;
  periodMs: number;
}

export function effectiveLimits(config: RateLimitConfig, overrides: ClientLimits | undefined): EffectiveLimits {
  return {
    query: overrides?.query ?? config.perMinute.query,
    queue: overrides?.queue ?? config.perMinute.queue,
    read: overrides?.read ?? config.perMinute.read,
    maxTokens: overrides?.maxTokens ?? config.maxTokensPerRequest ?? null,
  };
}

/**
 * Limits per client and type (or per IP for unauthenticated callers) over a shared limiter. Refusals this
 * instance has seen are remembered in a bounded LRU and answered without a round trip: a key's TAT only
 * grows, so a refusal known locally is always still a refusal.
 */
export function createRateLimits(deps: {
  limiter: RateLimiter;
  overrides: RateLimitOverrides;
  config: RateLimitConfig;
  clock: Clock;
  maxKnownRefusals?: number;
}): RateLimits {
  const known = new LRUCache<string, Known>({ max: deps.maxKnownRefusals ?? 50_000 });

  const decide = async (rule: RateLimitRule): Promise<RateLimitDecision> => {
    const nowUs = deps.clock.now() * 1000;
    const k = known.get(rule.key);
    if (k && k.limit === rule.limit && k.periodMs === rule.periodMs && refusesAt(k.tatUs, nowUs, rule)) {
      return outcomeOf(k.tatUs, nowUs, 0, 0, rule);
    }
    const decision = await deps.limiter.consume(rule, deps.clock.now());
    if (decision.remaining === 0)
      known.set(rule.key, { tatUs: decision.tatUs, limit: rule.limit, periodMs: rule.periodMs });
    else if (k) known.delete(rule.key);
    return decision;
  };

  const ruleFor = async (
    subject: RateLimitSubject,
  ): Promise<(RateLimitRule & { scope: 'client' | 'ip' }) | undefined> => {
    const base = deps.config.perMinute[subject.type];
    if (subject.clientId !== undefined) {
      const limit = (await deps.overrides.get(subject.clientId))?.[subject.type] ?? base;
      if (limit <= 0) return undefined;
      return { key: `${subject.type}:c:${subject.clientId}`, limit, periodMs: PERIOD_MS, scope: 'client' };
    }
    const ipCap = deps.config.ipPerMinute;
    const limit = base <= 0 ? ipCap : ipCap <= 0 ? base : Math.min(base, ipCap);
    if (limit <= 0) return undefined;
    return { key: `${subject.type}:ip:${ipKey(subject.ip)}`, limit, periodMs: PERIOD_MS, scope: 'ip' };
  };

  const failureRule = (ip: string): RateLimitRule => ({
    key: `auth_failure:ip:${ipKey(ip)}`,
    limit: deps.config.authFailuresPerMinute,
    periodMs: PERIOD_MS,
  });

  return {
    config: deps.config,
    overrides: deps.overrides,
    async check(subject) {
      const rule = await ruleFor(subject);
      if (!rule) return undefined;
      const decision = await decide(rule);
      return { ...decision, type: subject.type, scope: rule.scope };
    },
    async limitsFor(clientId) {
      return effectiveLimits(deps.config, await deps.overrides.get(clientId));
    },
    failedAuth: {
      blockedFor(ip) {
        if (deps.config.authFailuresPerMinute <= 0) return undefined;
        const rule = failureRule(ip);
        const k = known.get(rule.key);
        const nowUs = deps.clock.now() * 1000;
        if (!k || k.limit !== rule.limit || !refusesAt(k.tatUs, nowUs, rule)) return undefined;
        return Math.max(1, Math.ceil(outcomeOf(k.tatUs, nowUs, 0, 0, rule).retryAfterMs / 1000));
      },
      async recordFailure(ip) {
        if (deps.config.authFailuresPerMinute <= 0) return undefined;
        return decide(failureRule(ip));
      },
    },
    start: () => deps.overrides.start(),
  };
}
