import { describe, expect, it } from 'vitest';
import { type SimulatorOptions, startSimulator } from '../src/index.js';
import { HEADERS, messageBody, postMessages } from './helpers.js';

async function withSim<T>(
  options: SimulatorOptions,
  fn: (sim: Awaited<ReturnType<typeof startSimulator>>) => Promise<T>,
) {
  const sim = await startSimulator(options);
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

describe('simulator options', () => {
  it('delays a non-streaming reply by ttftMs plus output tokens at tokensPerSecond', async () => {
    await withSim({ ttftMs: 40, tokensPerSecond: 1000 }, async (sim) => {
      const started = performance.now();
      const res = await postMessages(sim, messageBody({ max_tokens: 20 }));
      expect(res.status).toBe(200);
      // 40 ms + 20 tokens at 1 ms each.
      expect(performance.now() - started).toBeGreaterThanOrEqual(58);
    });
  });

  it('draws the same random faults for the same seed', async () => {
    const statuses = (seed: number) =>
      withSim({ faultRate: 0.5, seed }, async (sim) => {
        const out: number[] = [];
        for (let i = 0; i < 12; i++) out.push((await postMessages(sim, messageBody())).status);
        return out;
      });
    const first = await statuses(7);
    expect(await statuses(7)).toEqual(first);
    expect(first.some((s) => s === 200)).toBe(true);
    expect(first.some((s) => s !== 200)).toBe(true);
  });

  it("echoes the requested model name with responseModel 'requested'", async () => {
    await withSim({ responseModel: 'requested' }, async (sim) => {
      const body = await (await postMessages(sim, messageBody())).json();
      expect(body.model).toBe('claude-sonnet-4-5');
    });
  });

  it("rejects consecutive same-role turns with consecutiveRoles 'reject' and merges them by default", async () => {
    const messages = [
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
    ];
    await withSim({ consecutiveRoles: 'reject' }, async (sim) => {
      expect((await postMessages(sim, messageBody({ messages }))).status).toBe(400);
    });
    await withSim({}, async (sim) => {
      expect((await postMessages(sim, messageBody({ messages }))).status).toBe(200);
    });
  });

  it('count_tokens rejects fields that only Messages accepts', async () => {
    await withSim({}, async (sim) => {
      const res = await fetch(`${sim.url}/v1/messages/count_tokens`, {
        method: 'POST',
        headers: HEADERS,
        body: JSON.stringify(messageBody()),
      });
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toBe('max_tokens: Extra inputs are not permitted');
    });
  });

  it('setOptions can switch the rate limiter off again', async () => {
    await withSim({ rateLimit: { requestsPerMinute: 1 } }, async (sim) => {
      expect((await postMessages(sim, messageBody())).status).toBe(200);
      expect((await postMessages(sim, messageBody())).status).toBe(429);
      sim.setOptions({ rateLimit: undefined });
      expect((await postMessages(sim, messageBody())).status).toBe(200);
    });
  });

  it('a scripted 529 carries no retry-after unless asked for', async () => {
    await withSim({}, async (sim) => {
      sim.script([{ kind: 'error', status: 529, type: 'overloaded_error' }]);
      const res = await postMessages(sim, messageBody());
      expect(res.status).toBe(529);
      expect(res.headers.get('retry-after')).toBeNull();
      expect((await res.json()).error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    });
  });
});
