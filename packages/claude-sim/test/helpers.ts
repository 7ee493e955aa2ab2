import Anthropic from '@anthropic-ai/sdk';
import type { Simulator } from '../src/index.js';

export const API_KEY = 'sk-ant-test-key';
export const MODEL = 'claude-sonnet-4-5';

export function sdkClient(sim: Simulator, maxRetries = 0): Anthropic {
  return new Anthropic({ apiKey: API_KEY, baseURL: sim.url, maxRetries });
}

export const HEADERS = { 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };

export function messageBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: MODEL, max_tokens: 1000, messages: [{ role: 'user', content: 'Hello there' }], ...extra };
}

export function postMessages(
  sim: Simulator,
  body: unknown,
  headers: Record<string, string> = HEADERS,
  signal?: AbortSignal,
): Promise<Response> {
  const init: RequestInit = { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) };
  if (signal) init.signal = signal;
  return fetch(`${sim.url}/v1/messages`, init);
}

export interface SseEvent {
  event: string;
  data: { type: string; [key: string]: unknown };
}

export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const lines = frame.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))!.slice('event: '.length);
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice('data: '.length));
      return { event, data };
    });
}

/** Polls `check` until it holds; tests wait on state, not on fixed sleeps. */
export async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
