import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors/app-error.js';
import { enforceMaxTokens, METADATA_LIMITS, metadataSchema } from './request-limits.js';

const request = (model: string, max_tokens: number) => ({ model, max_tokens, messages: [] });

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isAppError(error) ? error.code : 'other';
  }
}

describe('enforceMaxTokens', () => {
  it("refuses more than the model's cap and more than the client's", () => {
    expect(codeOf(() => enforceMaxTokens(request('claude-haiku-4-5-20251001', 64_001), undefined))).toBe(
      'invalid_request',
    );
    expect(codeOf(() => enforceMaxTokens(request('claude-haiku-4-5-20251001', 64_000), undefined))).toBeUndefined();
    expect(codeOf(() => enforceMaxTokens(request('claude-sonnet-4-6', 2_001), 2_000))).toBe('invalid_request');
    expect(codeOf(() => enforceMaxTokens(request('claude-sonnet-4-6', 2_000), 2_000))).toBeUndefined();
  });
});

describe('metadataSchema', () => {
  it('accepts a small object and refuses large, deep or wide ones', () => {
    expect(metadataSchema.safeParse({ userId: 'u1', tags: ['a'] }).success).toBe(true);
    expect(metadataSchema.safeParse({ blob: 'x'.repeat(METADATA_LIMITS.maxBytes) }).success).toBe(false);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 20; i++) deep = { d: deep };
    expect(metadataSchema.safeParse(deep).success).toBe(false);
    const wide = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
    expect(metadataSchema.safeParse(wide).success).toBe(false);
    expect(metadataSchema.safeParse(['not', 'an', 'object']).success).toBe(false);
  });
});
