import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { messageBody, parseSse, postMessages, type SseEvent } from './helpers.js';

/** Checks the documented order and usage rules on a parsed stream; returns the concatenated text. */
function assertWellFormed(events: SseEvent[]): { text: string; outputTokens: number } {
  for (const e of events) expect(e.data.type).toBe(e.event);
  const names = events.map((e) => e.event).filter((name) => name !== 'ping');
  expect(names[0]).toBe('message_start');
  expect(names.filter((n) => n === 'message_start')).toHaveLength(1);
  expect(names.at(-1)).toBe('message_stop');
  expect(names.at(-2)).toBe('message_delta');
  const open = new Set<number>();
  let text = '';
  for (const { event, data } of events) {
    const index = data.index as number;
    if (event === 'content_block_start') {
      expect(open.has(index)).toBe(false);
      open.add(index);
    }
    if (event === 'content_block_delta') {
      expect(open.has(index)).toBe(true);
      text += (data.delta as { text: string }).text;
    }
    if (event === 'content_block_stop') {
      expect(open.delete(index)).toBe(true);
    }
  }
  expect(open.size).toBe(0);
  const start = events[0]!.data.message as { usage: { output_tokens: number } };
  const delta = events.find((e) => e.event === 'message_delta')!.data.usage as { output_tokens: number };
  expect(delta.output_tokens).toBeGreaterThanOrEqual(start.usage.output_tokens);
  return { text, outputTokens: delta.output_tokens };
}

describe('SSE stream, event by event', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it('follows the documented event sequence and matches the non-streaming reply', async () => {
    const res = await postMessages(sim, messageBody({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(res.headers.get('anthropic-ratelimit-requests-reset')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event).slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    const { text, outputTokens } = assertWellFormed(events);

    const plain = await (await postMessages(sim, messageBody())).json();
    expect(text).toBe(plain.content[0].text);
    expect(outputTokens).toBe(plain.usage.output_tokens);
    const start = events[0]!.data.message as { usage: { input_tokens: number } };
    expect(start.usage.input_tokens).toBe(plain.usage.input_tokens);
    const delta = events.find((e) => e.event === 'message_delta')!.data.delta as { stop_reason: string };
    expect(delta.stop_reason).toBe(plain.stop_reason);
  });

  it('cuts at max_tokens with stop_reason max_tokens and output_tokens equal to max_tokens', async () => {
    const events = parseSse(await (await postMessages(sim, messageBody({ stream: true, max_tokens: 7 }))).text());
    const { outputTokens } = assertWellFormed(events);
    expect(outputTokens).toBe(7);
    const delta = events.find((e) => e.event === 'message_delta')!.data.delta as { stop_reason: string };
    expect(delta.stop_reason).toBe('max_tokens');
  });

  it('paces deltas by tokensPerSecond so progress is observable', async () => {
    sim.setOptions({ tokensPerSecond: 200, ttftMs: 30 });
    const started = performance.now();
    const res = await postMessages(sim, messageBody({ stream: true, max_tokens: 10 }));
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    let raw = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(performance.now() - started);
      raw += new TextDecoder().decode(value);
    }
    const events = parseSse(raw);
    assertWellFormed(events);
    expect(events.filter((e) => e.event === 'content_block_delta')).toHaveLength(10);
    expect(arrivals.length).toBeGreaterThan(3);
    // 30 ms to the first token, then 9 more at 5 ms each.
    expect(arrivals.at(-1)!).toBeGreaterThanOrEqual(70);
  });
});
