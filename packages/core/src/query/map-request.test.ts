import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_ALIASES } from '../claude/models.js';
import { toUsage } from './map-request.js';
import { buildUpstreamRequest } from './run-query.js';

describe('buildUpstreamRequest', () => {
  it('applies the spec defaults and resolves the alias', () => {
    expect(buildUpstreamRequest({ prompt: 'hi' }, DEFAULT_MODEL_ALIASES)).toEqual({
      model: 'claude-sonnet-4-6',
      max_tokens: 1000,
      temperature: 0.7,
      messages: [{ role: 'user', content: 'hi' }],
    });
  });

  it('sends top_p instead of temperature when only topP changed, top_k only when > 0', () => {
    const r = buildUpstreamRequest({ prompt: 'hi', parameters: { topP: 0.8, topK: 0 } }, DEFAULT_MODEL_ALIASES);
    expect(r.top_p).toBe(0.8);
    expect(r).not.toHaveProperty('temperature');
    expect(r).not.toHaveProperty('top_k');
  });

  it('refuses temperature with a changed topP', () => {
    expect(() =>
      buildUpstreamRequest({ prompt: 'hi', parameters: { topP: 0.8, temperature: 0.2 } }, DEFAULT_MODEL_ALIASES),
    ).toThrow(/temperature and topP/);
  });

  it('rejects an unknown model naming it', () => {
    expect(() =>
      buildUpstreamRequest({ prompt: 'hi', parameters: { model: 'gpt-4o' } }, DEFAULT_MODEL_ALIASES),
    ).toThrow('gpt-4o');
  });
});

describe('toUsage', () => {
  it('counts prompt-cache tokens as prompt tokens', () => {
    const usage = toUsage({
      id: 'm',
      model: 'x',
      content: [],
      stop_reason: 'end_turn',
      usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 3, cache_read_input_tokens: 100 },
    });
    expect(usage).toEqual({ promptTokens: 113, completionTokens: 5, totalTokens: 118 });
  });
});
