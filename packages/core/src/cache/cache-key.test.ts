import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalJson } from './cache-key.js';

describe('cacheKey', () => {
  it('does not depend on key order at any depth', () => {
    const a = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], temperature: 0.7 };
    const b = { temperature: 0.7, messages: [{ content: 'x', role: 'user' }], max_tokens: 10, model: 'm' };
    expect(cacheKey('c1', a)).toBe(cacheKey('c1', b));
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it('changes with every field and with the scope', () => {
    const base = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], temperature: 0.7 };
    const keys = new Set([
      cacheKey('c1', base),
      cacheKey('c2', base),
      cacheKey('c1', { ...base, model: 'n' }),
      cacheKey('c1', { ...base, max_tokens: 11 }),
      cacheKey('c1', { ...base, temperature: 0.71 }),
      cacheKey('c1', { ...base, top_k: 5 }),
      cacheKey('c1', { ...base, system: 's' }),
      cacheKey('c1', { ...base, messages: [{ role: 'user', content: 'y' }] }),
    ]);
    expect(keys.size).toBe(8);
  });

  it('treats an undefined field as absent', () => {
    expect(cacheKey('s', { a: 1, b: undefined })).toBe(cacheKey('s', { a: 1 }));
  });
});
