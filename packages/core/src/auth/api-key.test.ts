import { describe, expect, it } from 'vitest';
import { apiKeyPrefix, generateApiKey, isApiKeyFormat, isJwtFormat, secretsEqual } from './api-key.js';

describe('api keys', () => {
  it('generates distinct sk_live_ keys under 72 bytes with a visible lookup prefix', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.apiKey).not.toBe(b.apiKey);
    expect(a.apiKey).toMatch(/^sk_live_[A-Za-z0-9_-]{32}$/);
    expect(Buffer.byteLength(a.apiKey)).toBeLessThan(72);
    expect(a.prefix).toBe(a.apiKey.slice(0, 16));
    expect(apiKeyPrefix(a.apiKey)).toBe(a.prefix);
    expect(isApiKeyFormat(a.apiKey)).toBe(true);
  });

  it.each([
    'sk_live_short',
    'sk_test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    `sk_live_${'a'.repeat(33)}`,
    `sk_live_${'!'.repeat(32)}`,
  ])('rejects malformed key %s', (key) => expect(isApiKeyFormat(key)).toBe(false));

  it('recognises the JWT shape', () => {
    expect(isJwtFormat('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig')).toBe(true);
    expect(isJwtFormat('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.')).toBe(true);
    expect(isJwtFormat('not a jwt')).toBe(false);
  });

  it('compares secrets', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
  });
});
