import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  http,
  type RegisteredClient,
  registerClient,
  startTestServer,
  TEST_DATABASE_URL,
  type TestServer,
} from './helpers.js';

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

  async function terminateOurBackends(): Promise<number> {
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
      terminated += await terminateOurBackends();
    }
    stop = true;
    await Promise.all(loops);
    expect(terminated).toBeGreaterThan(0);
    expect(statuses.get(202)).toBeGreaterThan(0);
    // Whatever failed failed as an answer in the spec's shape, not as a dropped connection.
    for (const status of statuses.keys()) expect([202, 429, 500, 503]).toContain(status);

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
