import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  http,
  registerClient,
  startTestServer,
  type TaskBody,
  TEST_DATABASE_URL,
  type TestServer,
  waitFor,
} from './helpers.js';

const CLIENTS = 20;
const PER_CLIENT = 50;
const TOTAL = CLIENTS * PER_CLIENT;

describe(`${TOTAL} tasks from ${CLIENTS} concurrent clients`, () => {
  let t: TestServer;
  let db: pg.Client;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        WORKER_CONCURRENCY: '32',
        DATABASE_POOL_MAX: '10',
        LOG_LEVEL: 'warn',
        // Each client submits PER_CLIENT tasks within the minute: above the default E2 limit of 20.
        RATE_LIMIT_QUEUE_PER_MIN: String(PER_CLIENT),
      },
    });
    db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('all complete, none twice, none lost (counted in the database and at the simulator)', async () => {
    // Twenty real clients, each with its own key (and its own per-client rate limit).
    const keys = await Promise.all(
      Array.from({ length: CLIENTS }, async () => (await registerClient(t, ['queue'])).apiKey),
    );
    const started = Date.now();
    const ids = (
      await Promise.all(
        keys.map(async (apiKey, client) => {
          const mine: string[] = [];
          for (let i = 0; i < PER_CLIENT; i++) {
            const priority = (['high', 'medium', 'low'] as const)[i % 3];
            const res = await http<TaskBody>(`${t.url}/api/claude/queue`, {
              body: { prompt: `load ${client}/${i}`, priority },
              headers: bearer(apiKey),
            });
            expect(res.status).toBe(202);
            mine.push(res.body.taskId);
          }
          return mine;
        }),
      )
    ).flat();
    expect(new Set(ids).size).toBe(TOTAL);
    expect(
      Number((await db.query(`SELECT count(DISTINCT client_id)::int AS n FROM "${t.schema}".tasks`)).rows[0].n),
    ).toBe(CLIENTS);
    console.info(`enqueued in ${(Date.now() - started) / 1000} s`);

    const count = async (where: string) =>
      Number((await db.query(`SELECT count(*)::int AS n FROM "${t.schema}".tasks WHERE ${where}`)).rows[0].n);
    await waitFor(async () => (await count(`status = 'completed'`)) === TOTAL, 60_000, 100);
    const seconds = (Date.now() - started) / 1000;

    expect(await count('true')).toBe(TOTAL);
    expect(await count('deliveries = 1 AND retries = 0 AND result IS NOT NULL')).toBe(TOTAL);
    const prompts = t.sim.requests({ path: '/v1/messages' }).map((r) => {
      return (r.body as { messages: { content: string }[] }).messages[0]?.content;
    });
    expect(t.sim.messageCount()).toBe(TOTAL);
    expect(new Set(prompts).size).toBe(TOTAL);
    const jobs = await db.query(
      `SELECT state, count(*)::int AS n FROM "${t.schema}_boss".job WHERE name = 'claude-tasks' GROUP BY state`,
    );
    expect(jobs.rows).toEqual([{ state: 'completed', n: TOTAL }]);
    console.info(`${TOTAL} tasks queued and completed in ${seconds.toFixed(1)} s (${(TOTAL / seconds).toFixed(0)}/s)`);
  }, 120_000);
});
