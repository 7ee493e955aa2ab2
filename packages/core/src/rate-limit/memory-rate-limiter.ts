import { LRUCache } from 'lru-cache';
import { gcraConsume, outcomeOf } from './gcra.js';
import type { RateLimiter } from './rate-limiter.js';

/** One process only (unit tests, single-instance tools): the same GCRA over a bounded LRU of keys. */
export function createMemoryRateLimiter(options: { maxKeys?: number } = {}): RateLimiter {
  const tats = new LRUCache<string, number>({ max: options.maxKeys ?? 100_000 });
  return {
    async consume(rule, nowMs) {
      const nowUs = nowMs * 1000;
      const next = gcraConsume(tats.get(rule.key), nowUs, 1, rule);
      tats.set(rule.key, next.tatUs);
      return outcomeOf(next.tatUs, nowUs, next.granted, 0, rule);
    },
  };
}
