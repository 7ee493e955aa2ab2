import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { HEADERS, messageBody, postMessages } from './helpers.js';

describe('control endpoints and recording', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ recordLimit: 3 });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  const control = (path: string, body?: unknown) =>
    fetch(`${sim.url}/_sim/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });

  it('POST /_sim/script queues outcomes for the next requests', async () => {
    const res = await control('script', { outcomes: [{ kind: 'error', status: 500, type: 'api_error' }] });
    expect(await res.json()).toEqual({ queued: 1 });
    expect((await postMessages(sim, messageBody())).status).toBe(500);
    expect((await postMessages(sim, messageBody())).status).toBe(200);
    expect((await control('script', { outcomes: [{ kind: 'bogus' }] })).status).toBe(400);
  });

  it('GET /_sim/requests lists recorded /v1 requests with their status, bounded by recordLimit', async () => {
    for (let i = 0; i < 4; i++) await postMessages(sim, messageBody({ max_tokens: 10 + i }));
    await fetch(`${sim.url}/v1/models`, { headers: HEADERS });
    const { requests, messageCount } = await (await control('requests')).json();
    expect(messageCount).toBe(4);
    expect(requests).toHaveLength(3);
    expect(requests.map((r: { path: string }) => r.path)).toEqual(['/v1/messages', '/v1/messages', '/v1/models']);
    expect(requests[0].body.max_tokens).toBe(12);
    expect(requests[0].status).toBe(200);
    const filtered = await (await control('requests?path=/v1/models')).json();
    expect(filtered.requests).toHaveLength(1);
  });

  it('POST /_sim/options and /_sim/reset change and restore behaviour', async () => {
    expect((await control('options', { apiKeys: ['only-this'] })).status).toBe(200);
    expect((await postMessages(sim, messageBody())).status).toBe(401);
    expect((await control('options', { port: 1 })).status).toBe(400);
    await control('reset', {});
    expect((await postMessages(sim, messageBody())).status).toBe(200);
    expect(sim.requests()).toHaveLength(1);
  });

  it('ignores the query string on /v1 paths (beta SDK methods add ?beta=true)', async () => {
    const res = await fetch(`${sim.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify(messageBody()),
    });
    expect(res.status).toBe(200);
    expect(sim.requests()[0]?.path).toBe('/v1/messages');
  });

  it('answers unknown /v1 routes with a not_found_error', async () => {
    const res = await fetch(`${sim.url}/v1/nothing`, { headers: HEADERS });
    expect(res.status).toBe(404);
    expect((await res.json()).error.type).toBe('not_found_error');
  });

  it('close() ends open streams promptly', async () => {
    const slow = await startSimulator({ tokensPerSecond: 1 });
    const res = await postMessages(slow, messageBody({ stream: true }));
    const reading = res.text().catch(() => 'closed');
    const started = performance.now();
    await slow.close();
    await reading;
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
