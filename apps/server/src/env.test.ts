import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from './env.js';

const failure = (source: Record<string, string>): ConfigError => {
  try {
    loadEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('loadEnv', () => {
  it('gives a variable set to nothing its default, not 0 or an error', () => {
    const env = loadEnv({
      HEAP_GROWING_PERCENT: '',
      RATE_LIMIT_QUERY_PER_MIN: ' ',
      SHUTDOWN_TIMEOUT_MS: '',
      HISTORY_ENABLED: '',
      LOG_LEVEL: '',
      MODEL_ALIASES: '',
    });
    expect(env.HEAP_GROWING_PERCENT).toBe(50);
    expect(env.RATE_LIMIT_QUERY_PER_MIN).toBe(60);
    expect(env.SHUTDOWN_TIMEOUT_MS).toBe(25_000);
    expect(env.HISTORY_ENABLED).toBe(true);
    expect(env.LOG_LEVEL).toBe('info');
  });

  it('takes an explicit 0 as 0', () => {
    const env = loadEnv({ HEAP_GROWING_PERCENT: '0', RATE_LIMIT_QUERY_PER_MIN: '0' });
    expect(env.HEAP_GROWING_PERCENT).toBe(0);
    expect(env.RATE_LIMIT_QUERY_PER_MIN).toBe(0);
  });

  it('names each variable that is out of range or malformed', () => {
    const error = failure({ HEAP_GROWING_PERCENT: '5000', PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(['HEAP_GROWING_PERCENT', 'LOG_LEVEL', 'PORT']);
    expect(error.message).toMatch(/^Invalid configuration:\n {2}- /);
  });
});
