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

  it('keeps the exact format and key of entries already stored', () => {
    const request = {
      model: 'claude-sonnet-4-6',
      max_tokens: 1000,
      messages: [{ role: 'user', content: 'h\u00e9llo "q" \u2028' }],
      temperature: 0.7,
      system: undefined,
      Z: [1, null, { b: 2, a: [] }],
      '\u00e9': 1,
      a: true,
    };
    expect(canonicalJson({ scope: 'shared', request })).toBe(
      '{"request":{"Z":[1,null,{"a":[],"b":2}],"a":true,"max_tokens":1000,"messages":[{"content":"h\u00e9llo \\"q\\" \u2028","role":"user"}],"model":"claude-sonnet-4-6","temperature":0.7,"\u00e9":1},"scope":"shared"}',
    );
    expect(cacheKey('shared', request)).toBe('02785a3e6a38b8f61045080048d953c70fe3980895283f19ffb405ffec21eee9');
  });
});
