import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator } from '@claude-proxy/claude-sim';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  http,
  type RegisteredClient,
  registerClient,
  type SpawnedServer,
  spawnBuiltServer,
  startTestServer,
  TEST_DATABASE_URL,
  type TestServer,
  uniqueSchema,
  waitFor,
  workerEnv,
} from './helpers.js';

/** Terminates every backend of one application_name; how many it ended. */
async function terminateBackends(appName: string): Promise<number> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [appName],
    );
    return (rows[0] as { n: number }).n;
  } finally {
    await admin.end();
  }
}

/**
 * Postgres drops connections (a failover, a restart, an administrator's pg_terminate_backend): the requests
 * that were using them fail, the server stays up and answers the next ones.
 */
describe('connections dropped by Postgres under load', () => {
  const appName = `cp-fault-${randomBytes(4).toString('hex')}`;
  let t: TestServer;
  let client: RegisteredClient;
  beforeAll(async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('application_name', appName);
    t = await startTestServer({ env: { DATABASE_URL: url.toString() } });
    client = await registerClient(t);
  });
  afterAll(() => t?.close());

  it('keeps serving: requests in flight may fail, none crash the process, later ones succeed', async () => {
    let stop = false;
    const statuses = new Map<number, number>();
    const loop = async () => {
      while (!stop) {
        const res = await http(`${t.url}/api/claude/queue`, {
          body: { prompt: `fault ${randomBytes(4).toString('hex')}` },
          headers: bearer(client.apiKey),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    const loops = Array.from({ length: 30 }, loop);
    let terminated = 0;
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 250));
      terminated += await terminateBackends(appName);
    }
    stop = true;
    await Promise.all(loops);
    expect(terminated).toBeGreaterThan(0);
    expect(statuses.get(202)).toBeGreaterThan(0);
    // Whatever failed failed as an answer in the spec's shape, not as a dropped connection.
    for (const status of statuses.keys()) expect([202, 429, 503]).toContain(status);

    let queued = 0;
    for (let i = 0; i < 20 && queued === 0; i++) {
      const res = await http(`${t.url}/api/claude/queue`, {
        body: { prompt: 'after' },
        headers: bearer(client.apiKey),
      });
      if (res.status === 202) queued++;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(queued).toBe(1);
    const query = await http(`${t.url}/api/claude/query`, {
      body: { prompt: 'after the faults', caching: false },
      headers: bearer(client.apiKey),
    });
    expect(query.status).toBe(200);
  });
});

describe('connections dropped while a worker delivers webhooks', () => {
  const spawned: SpawnedServer[] = [];
  let receiver: Server | undefined;
  afterAll(async () => {
    for (const s of spawned) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    receiver?.close();
  });

  it('the worker process stays up (pg-boss settles webhook jobs without awaiting them)', async () => {
    receiver = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => receiver?.listen(0, '127.0.0.1', resolve));
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const sim = await startSimulator({});
    const schema = uniqueSchema('faultwh');
    const appName = `cp-wh-${randomBytes(4).toString('hex')}`;
    const common = { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', RATE_LIMIT_QUEUE_PER_MIN: '0' };
    const api = await startTestServer({
      sharedSim: sim,
      schema,
      dropSchemaOnClose: true,
      env: { SERVER_MODE: 'api', ...common },
    });
    try {
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set('application_name', appName);
      const worker = await spawnBuiltServer(
        workerEnv({
          schema,
          simUrl: sim.url,
          databaseUrl: url.toString(),
          extra: { ...common, WEBHOOK_RETRY_BASE_DELAY_MS: '200' },
        }),
      );
      spawned.push(worker);
      await waitFor(() => worker.output.join('').includes('listening'), 30_000);
      const client = await registerClient(api);
      let stop = false;
      const submit = async () => {
        while (!stop) {
          await http(`${api.url}/api/claude/queue`, {
            body: { prompt: `hook ${randomBytes(4).toString('hex')}`, caching: false, callbackUrl },
            headers: bearer(client.apiKey),
          });
        }
      };
      const loops = Array.from({ length: 20 }, submit);
      for (let i = 0; i < 12; i++) {
        await new Promise((r) => setTimeout(r, 400));
        await terminateBackends(appName);
      }
      stop = true;
      await Promise.all(loops);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(worker.child.exitCode, worker.output.join('').slice(-2_000)).toBeNull();
    } finally {
      // The worker goes first: its pg-boss still works in the schemas the API server's close drops.
      for (const s of spawned) {
        if (s.child.exitCode !== null) continue;
        const exited = new Promise((resolve) => s.child.once('exit', resolve));
        s.child.kill('SIGKILL');
        await exited;
      }
      await api.close();
      await sim.close();
    }
  });
});
