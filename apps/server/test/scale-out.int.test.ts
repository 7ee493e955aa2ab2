import { type Simulator, startSimulator } from '@claude-proxy/claude-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHttp,
  bearer,
  dropSchemas,
  freePort,
  http,
  registerClient,
  type SpawnedServer,
  spawnBuiltServer,
  TEST_ADMIN_KEY,
  TEST_DATABASE_URL,
  TEST_JWT_SECRET,
  uniqueSchema,
  waitFor,
} from './helpers.js';

interface Instance {
  url: string;
  proc: SpawnedServer;
}

/** Two API processes and one worker process on one database: D2, D3, D4 and graceful shutdown. */
describe('scale-out: api, api and worker processes on one database', () => {
  const schema = uniqueSchema('scale');
  let sim: Simulator;
  const running: Instance[] = [];

  async function start(mode: 'api' | 'worker' | 'all'): Promise<Instance> {
    const port = await freePort();
    const proc = await spawnBuiltServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      SERVER_MODE: mode,
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      ANTHROPIC_API_KEY: 'sk-ant-scale-test',
      ANTHROPIC_BASE_URL: sim.url,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      JWT_SECRET: TEST_JWT_SECRET,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '15000',
      TASK_LEASE_SECONDS: '5',
      RATE_LIMIT_QUEUE_PER_MIN: '1000',
      RATE_LIMIT_READ_PER_MIN: '100000',
      AUTH_CACHE_TTL_SECONDS: '3600',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`instance exited: ${proc.output.join('')}`);
        return fetch(`${url}/api/health/live`).then(
          (r) => r.ok,
          () => false,
        );
      },
      30_000,
      50,
    );
    const instance = { url, proc };
    running.push(instance);
    return instance;
  }

  async function stop(instance: Instance): Promise<number | null> {
    instance.proc.child.kill('SIGTERM');
    const code = await instance.proc.exited;
    running.splice(running.indexOf(instance), 1);
    return code;
  }

  let api1: Instance;
  let api2: Instance;
  let worker: Instance;

  beforeAll(async () => {
    sim = await startSimulator();
    api1 = await start('api');
    [api2, worker] = await Promise.all([start('api'), start('worker')]);
  }, 90_000);

  afterAll(async () => {
    for (const instance of [...running]) await stop(instance);
    await sim.close();
    await dropSchemas(schema);
  });

  const task = (url: string, prompt: string, key: string) =>
    http<{ taskId: string }>(`${url}/api/claude/queue`, { body: { prompt }, headers: bearer(key) });
  const status = async (url: string, id: string, key: string) =>
    (await http<{ status: string }>(`${url}/api/claude/task/${id}`, { headers: bearer(key) })).body.status;
  const completedUpstream = (prompt: string) =>
    sim
      .requests({ path: '/v1/messages' })
      .filter((r) => JSON.stringify(r.body).includes(prompt) && !r.aborted && r.status === 200).length;

  it('processes tasks submitted to either API instance exactly once, on the worker', async () => {
    const { apiKey } = await registerClient({ url: api1.url }, ['query', 'queue']);
    const prompts = Array.from({ length: 20 }, (_, i) => `scale task ${i} ${schema}`);
    const ids = await Promise.all(
      prompts.map(async (p, i) => {
        const res = await task(i % 2 ? api1.url : api2.url, p, apiKey);
        expect(res.status).toBe(202);
        return res.body.taskId;
      }),
    );
    await waitFor(async () => {
      const all = await Promise.all(ids.map((id, i) => status(i % 2 ? api2.url : api1.url, id, apiKey)));
      return all.every((s) => s === 'completed');
    }, 30_000);
    for (const p of prompts) expect(completedUpstream(p)).toBe(1);
  });

  it('a cache entry written by one instance is a hit on the other', async () => {
    const { apiKey } = await registerClient({ url: api1.url }, ['query']);
    const body = { prompt: `shared cache ${schema}` };
    const a = await http<{ metadata: { cached: boolean } }>(`${api1.url}/api/claude/query`, {
      body,
      headers: bearer(apiKey),
    });
    const b = await http<{ metadata: { cached: boolean } }>(`${api2.url}/api/claude/query`, {
      body,
      headers: bearer(apiKey),
    });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.metadata.cached).toBe(false);
    expect(b.body.metadata.cached).toBe(true);
  });

  it('shares rate limits: a client limited to 10/min gets exactly 10 across both instances', async () => {
    const { apiKey, clientId } = await registerClient({ url: api1.url }, ['query']);
    const set = await adminHttp(`${api2.url}/api/admin/rate-limits/${clientId}`, {
      method: 'PUT',
      body: { query: 10 },
    });
    expect(set.status).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        http(`${i % 2 ? api1.url : api2.url}/api/claude/query`, {
          body: { prompt: `limited ${i}`, caching: false },
          headers: bearer(apiKey),
        }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 429)).toHaveLength(6);
  });

  it('a revocation on one instance is honoured by the other within 1 s', async () => {
    const { apiKey, clientId } = await registerClient({ url: api1.url }, ['query']);
    const warm = await http(`${api2.url}/api/claude/query`, { body: { prompt: 'warm' }, headers: bearer(apiKey) });
    expect(warm.status).toBe(200);
    const revoked = await adminHttp(`${api1.url}/api/auth/clients/${clientId}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    const started = Date.now();
    await waitFor(
      async () =>
        (await http(`${api2.url}/api/claude/query`, { body: { prompt: 'warm' }, headers: bearer(apiKey) })).status ===
        401,
      1_000,
      20,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('SIGTERM on an API instance under load drops no accepted request', async () => {
    const { apiKey } = await registerClient({ url: api1.url }, ['query']);
    sim.setOptions({ ttftMs: 400 });
    try {
      const inflight = Array.from({ length: 12 }, (_, i) =>
        http(`${api2.url}/api/claude/query`, {
          body: { prompt: `drain ${i}`, caching: false },
          headers: bearer(apiKey),
        }),
      );
      await waitFor(
        () =>
          sim.requests({ path: '/v1/messages' }).filter((r) => /drain \d+/.test(JSON.stringify(r.body))).length === 12,
        5_000,
      );
      const exit = stop(api2);
      const results = await Promise.all(inflight);
      expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
      expect(await exit).toBe(0);
    } finally {
      sim.setOptions({ ttftMs: 0 });
    }
  });

  it('SIGTERM on the worker hands its running tasks back: a new worker completes each exactly once', async () => {
    const { apiKey } = await registerClient({ url: api1.url }, ['queue']);
    sim.setOptions({ ttftMs: 1_500 });
    const prompts = Array.from({ length: 4 }, (_, i) => `handback ${i} ${schema}`);
    try {
      const ids = await Promise.all(prompts.map(async (p) => (await task(api1.url, p, apiKey)).body.taskId));
      await waitFor(
        async () => (await Promise.all(ids.map((id) => status(api1.url, id, apiKey)))).includes('processing'),
        10_000,
      );
      expect(await stop(worker)).toBe(0);
      sim.setOptions({ ttftMs: 0 });
      worker = await start('worker');
      await waitFor(
        async () => (await Promise.all(ids.map((id) => status(api1.url, id, apiKey)))).every((s) => s === 'completed'),
        30_000,
      );
      for (const p of prompts) expect(completedUpstream(p)).toBe(1);
    } finally {
      sim.setOptions({ ttftMs: 0 });
    }
  });
});
