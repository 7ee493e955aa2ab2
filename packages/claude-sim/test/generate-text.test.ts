import { describe, expect, it } from 'vitest';
import { countInputTokens, generateText } from '../src/index.js';

const base = { model: 'claude-sonnet-4-5-20250929', max_tokens: 1000, messages: [{ role: 'user', content: 'Hi' }] };

describe('generateText', () => {
  it('is deterministic for the same request and differs when the prompt differs', () => {
    expect(generateText(base)).toEqual(generateText(base));
    const other = generateText({ ...base, messages: [{ role: 'user', content: 'Hello' }] });
    expect(other.text).not.toBe(generateText(base).text);
    expect(generateText({ ...base, temperature: 0.3 }).text).not.toBe(generateText(base).text);
  });

  it('gives natural answers of 20..200 tokens that end the turn', () => {
    for (let i = 0; i < 50; i++) {
      const result = generateText({ ...base, messages: [{ role: 'user', content: `prompt ${i}` }] });
      expect(result.outputTokens).toBeGreaterThanOrEqual(20);
      expect(result.outputTokens).toBeLessThanOrEqual(200);
      expect(result.stopReason).toBe('end_turn');
      expect(result.tokens.join('')).toBe(result.text);
    }
  });

  it('never exceeds max_tokens and reports max_tokens when it cuts', () => {
    for (const max of [1, 2, 5, 19]) {
      const result = generateText({ ...base, max_tokens: max });
      expect(result.outputTokens).toBe(max);
      expect(result.stopReason).toBe('max_tokens');
    }
  });

  it('stops at the earliest stop sequence and drops it from the text', () => {
    const full = generateText(base);
    const words = full.text.split(' ');
    const stop = ` ${words[3]}`;
    const result = generateText({ ...base, stop_sequences: ['zzz-never', stop] });
    expect(result.stopReason).toBe('stop_sequence');
    expect(result.stopSequence).toBe(stop);
    expect(result.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
    expect(result.outputTokens).toBeLessThanOrEqual(full.outputTokens);
    expect(result.tokens.join('')).toBe(result.text);
  });

  it('handles a stop sequence spanning two tokens', () => {
    const result = generateText({ ...base, stop_sequences: ['two three'] }, 'one two three four');
    expect(result.text).toBe('one ');
    expect(result.outputTokens).toBe(3);
    expect(result.stopSequence).toBe('two three');
  });
});

describe('countInputTokens', () => {
  it('is about four characters per token plus framing per message', () => {
    const text = 'x'.repeat(400);
    expect(countInputTokens({ messages: [{ role: 'user', content: text }] })).toBe(104);
    expect(countInputTokens({ system: 'y'.repeat(40), messages: [{ role: 'user', content: text }] })).toBe(114);
  });
});
