import { startSimulator } from '@claude-proxy/claude-sim';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  enqueueTask,
  getTask,
  type SpawnedServer,
  spawnBuiltServer,
  startTestServer,
  TEST_DATABASE_URL,
  uniqueSchema,
  waitFor,
  waitForTask,
  workerEnv,
} from './helpers.js';

describe('a worker killed mid-task (SIGKILL)', () => {
  const spawned: SpawnedServer[] = [];
  afterAll(() => {
    for (const s of spawned) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  });

  it('loses nothing: the task returns to the queue after the lease and completes exactly once on a new worker', async () => {
    const sim = await startSimulator({ tokensPerSecond: 20 });
    const schema = uniqueSchema('crash');
    // This process only serves the API; the workers are separate processes of the built server.
    const api = await startTestServer({ sharedSim: sim, schema, dropSchemaOnClose: true, env: { SERVER_MODE: 'api' } });
    const env = workerEnv({
      schema,
      simUrl: sim.url,
      extra: { DATABASE_POOL_MAX: '3', TASK_LEASE_SECONDS: '2', SHUTDOWN_TIMEOUT_MS: '1000' },
    });
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      const first = await spawnBuiltServer(env);
      spawned.push(first);
      const task = await enqueueTask(api.url, { prompt: 'survive a crash', caching: false });
      await waitFor(() => sim.requests({ path: '/v1/messages' }).length === 1, 30_000);
      await waitForTask(api.url, task.taskId, ['processing']);

      first.child.kill('SIGKILL');
      await first.exited;
      expect((await getTask(api.url, task.taskId)).status).toBe('processing');
      await waitFor(() => sim.requests({ path: '/v1/messages' })[0]?.aborted === true);

      sim.setOptions({ tokensPerSecond: 0 });
      const second = await spawnBuiltServer(env);
      spawned.push(second);
      const done = await waitForTask(api.url, task.taskId, ['completed', 'failed'], 30_000);
      expect(done.status).toBe('completed');

      const upstream = sim.requests({ path: '/v1/messages' });
      expect(upstream).toHaveLength(2);
      expect(upstream.map((r) => [r.status, r.aborted ?? false])).toEqual([
        [200, true],
        [200, false],
      ]);
      const { rows } = await db.query(`SELECT status, deliveries, result FROM "${schema}".tasks`);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'completed', deliveries: 2 });
      const jobs = await db.query(
        `SELECT state FROM "${schema}_boss".job WHERE name = 'claude-tasks' ORDER BY created_on`,
      );
      expect(jobs.rows.map((r) => r.state)).toEqual(['completed', 'completed']);
      // A clean stop once it has booted completely (signal handlers are installed after boot).
      await waitFor(() => second.output.join('').includes('claude-proxy listening'), 30_000);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await db.end();
      await api.close();
      await sim.close();
    }
  }, 90_000);
});
