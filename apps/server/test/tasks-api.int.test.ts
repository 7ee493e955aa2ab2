import { randomUUID } from 'node:crypto';
import { AppError, insertTask } from '@claude-proxy/core';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  enqueueTask,
  adminHttp as http,
  startTestServer,
  TEST_DATABASE_URL,
  type TestServer,
  waitForTask,
} from './helpers.js';

type ErrorBody = { error: { code: string; message: string; taskStatus?: string; details?: string } };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('tasks API (E2–E6)', () => {
  let t: TestServer;
  let sql: pg.Client;
  beforeAll(async () => {
    // The suite submits about as many tasks as one client may per minute (E2 default 20): raise it.
    t = await startTestServer({
      env: { UPSTREAM_RETRY_BASE_DELAY_MS: '1', WORKER_CONCURRENCY: '2', RATE_LIMIT_QUEUE_PER_MIN: '1000' },
    });
    sql = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await sql.connect();
  });
  afterAll(async () => {
    await sql.end();
    await t.close();
  });
  beforeEach(() => t.sim.reset());
  const rows = async (query: string, values: unknown[] = []) =>
    (await sql.query(query.replaceAll('$schema', t.schema), values)).rows;

  it("queues the spec's example: 202 in the spec's shape, then completed, then the result", async () => {
    const metadata = { requestType: 'philosophy-comparison', userReference: 'project-123' };
    const res = await http(`${t.url}/api/claude/queue`, {
      body: {
        prompt: 'Compare Kant and Hegel',
        parameters: { temperature: 0.7, maxTokens: 500, model: 'claude-3-opus' },
        priority: 'medium',
        callbackUrl: 'https://myapp.example.com/api/webhooks/claude-callback',
        metadata,
      },
    });
    expect(res.status).toBe(202);
    expect(Object.keys(res.body).sort()).toEqual(['estimatedStartTime', 'metadata', 'position', 'status', 'taskId']);
    const body = res.body as { taskId: string; status: string; position: number; estimatedStartTime: string };
    expect(body.taskId).toMatch(/^task_[A-Za-z0-9_-]{22}$/);
    expect(body.status).toBe('queued');
    expect(body.position).toBeGreaterThanOrEqual(1);
    expect(body.estimatedStartTime).toMatch(ISO);
    expect(res.body.metadata).toEqual(metadata);

    const done = await waitForTask(t.url, body.taskId, ['completed']);
    // The callbackUrl adds the state of the task's webhook delivery (enqueued with the final state).
    expect(Object.keys(done).sort()).toEqual(
      ['completionTime', 'metadata', 'resultAvailable', 'retries', 'startTime', 'status', 'taskId', 'webhook'].sort(),
    );
    expect(done).toMatchObject({ status: 'completed', resultAvailable: true, retries: 0, metadata });
    expect(done.webhook).toMatchObject({ deliveryId: expect.stringMatching(/^whd_/) });
    expect(Date.parse(done.completionTime as string)).toBeGreaterThanOrEqual(Date.parse(done.startTime as string));

    const result = await http<{ taskId: string; content: string; usage: Record<string, number>; metadata: object }>(
      `${t.url}/api/claude/task/${body.taskId}/result`,
    );
    expect(result.status).toBe(200);
    expect(result.body.taskId).toBe(body.taskId);
    expect(result.body.content.length).toBeGreaterThan(0);
    expect(result.body.usage.totalTokens).toBe(result.body.usage.promptTokens! + result.body.usage.completionTokens!);
    expect(result.body.metadata).toMatchObject({ ...metadata, model: 'claude-opus-4-6', cached: false });
    expect((result.body.metadata as { timestamp: string }).timestamp).toMatch(ISO);

    const upstream = t.sim.requests({ path: '/v1/messages' });
    expect(upstream).toHaveLength(1);
    expect(upstream[0]?.body).toMatchObject({ model: 'claude-opus-4-6', max_tokens: 500, stream: true });
    const [row] = await rows('SELECT * FROM $schema.tasks WHERE id = $1', [body.taskId]);
    expect(row).toMatchObject({
      type: 'claude-query',
      priority: 2,
      client_id: 'admin',
      callback_url: 'https://myapp.example.com/api/webhooks/claude-callback',
      retries: 0,
      max_retries: 3,
      status: 'completed',
    });
    expect(row.payload).toEqual({
      prompt: 'Compare Kant and Hegel',
      parameters: { temperature: 0.7, maxTokens: 500, model: 'claude-3-opus' },
    });
  });

  it('answers an identical task from the cache, as E1 does', async () => {
    const body = { prompt: 'cache me as a task' };
    const first = await enqueueTask(t.url, body);
    await waitForTask(t.url, first.taskId, ['completed']);
    const second = await enqueueTask(t.url, body);
    await waitForTask(t.url, second.taskId, ['completed']);
    const result = await http<{ metadata: { cached: boolean } }>(`${t.url}/api/claude/task/${second.taskId}/result`);
    expect(result.body.metadata.cached).toBe(true);
    expect(t.sim.messageCount()).toBe(1);
  });

  it.each([
    [{ parameters: {} }, 'prompt'],
    [{ prompt: 'x', priority: 'urgent' }, 'priority'],
    [{ prompt: 'x', callbackUrl: 'ftp://example.com/hook' }, 'callbackUrl'],
    [{ prompt: 'x', callbackUrl: 'not a url' }, 'callbackUrl'],
    [{ prompt: 'x', metadata: ['a'] }, 'metadata'],
    [{ prompt: 'x', metadata: 'a string' }, 'metadata'],
    [{ prompt: 'x', parameters: { temperature: 3 } }, 'parameters.temperature'],
    [{ prompt: 'x', extra: true }, ''],
  ])('rejects %j with 400 naming %s, storing nothing', async (body, path) => {
    const before = await rows('SELECT count(*)::int AS n FROM $schema.tasks');
    const res = await http<ErrorBody>(`${t.url}/api/claude/queue`, { body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    if (path) expect(res.body.error.details).toContain(`${path}: `);
    expect(await rows('SELECT count(*)::int AS n FROM $schema.tasks')).toEqual(before);
    expect(t.sim.messageCount()).toBe(0);
  });

  it('rejects metadata over 16 KiB of JSON', async () => {
    const res = await http<ErrorBody>(`${t.url}/api/claude/queue`, {
      body: { prompt: 'x', metadata: { big: 'y'.repeat(20_000) } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContain('metadata: ');
  });

  it('rejects text Postgres cannot store (NUL, lone surrogates) and hostile nesting with a 400 naming the field', async () => {
    const before = await rows('SELECT count(*)::int AS n FROM $schema.tasks');
    const cases: [body: Record<string, unknown>, path: string, says: string][] = [
      [{ prompt: 'a\u0000b' }, 'prompt', 'NUL'],
      [{ prompt: 'a\ud800b' }, 'prompt', 'surrogate'],
      [{ prompt: 'ok', system: '\udfff' }, 'system', 'surrogate'],
      [{ prompt: 'ok', metadata: { note: 'x\u0000' } }, 'metadata', 'metadata.note must not contain NUL'],
      [{ prompt: 'ok', metadata: { list: ['fine', '\ud83d'] } }, 'metadata', 'metadata.list[1]'],
      [{ prompt: 'ok', metadata: { 'k\u0000': 1 } }, 'metadata', 'metadata key'],
      [{ prompt: 'ok', callbackUrl: 'https://example.com/\u0000' }, 'callbackUrl', 'NUL'],
      [{ prompt: '   \n\t ' }, 'prompt', 'whitespace'],
    ];
    for (const [body, path, says] of cases) {
      const res = await http<ErrorBody>(`${t.url}/api/claude/queue`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details).toContain(`${path}: `);
      expect(res.body.error.message).toContain(says);
    }
    // 5,000 levels: a plain message, not a stack overflow.
    const deep = await http<ErrorBody>(`${t.url}/api/claude/queue`, {
      method: 'POST',
      rawBody: `{"prompt":"ok","metadata":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(deep.status).toBe(400);
    expect(deep.body.error.message).toBe('Invalid parameter metadata: metadata may nest at most 8 levels');
    // A `__proto__` key (top level or nested) is refused, not silently dropped.
    for (const metadata of ['{"__proto__":{"isAdmin":true},"a":1}', '{"a":{"__proto__":{"isAdmin":true}}}']) {
      const proto = await http<ErrorBody>(`${t.url}/api/claude/queue`, {
        method: 'POST',
        rawBody: `{"prompt":"ok","metadata":${metadata}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(proto.status, metadata).toBe(400);
      expect(proto.body.error.code).toBe('invalid_request');
      expect(proto.body.error.message, metadata).toContain('__proto__');
    }
    expect(await rows('SELECT count(*)::int AS n FROM $schema.tasks')).toEqual(before);
  });

  it('rejects an unknown model and malformed JSON at enqueue time', async () => {
    const model = await http<ErrorBody>(`${t.url}/api/claude/queue`, {
      body: { prompt: 'x', parameters: { model: 'gpt-4' } },
    });
    expect(model.status).toBe(400);
    expect(model.body.error.message).toContain('gpt-4');
    const malformed = await http<ErrorBody>(`${t.url}/api/claude/queue`, {
      method: 'POST',
      rawBody: '{"prompt":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
  });

  it('answers 404 task_not_found for a missing task on E3, E4 and E5', async () => {
    for (const [method, path] of [
      ['GET', '/api/claude/task/task_missing'],
      ['GET', '/api/claude/task/task_missing/result'],
      ['DELETE', '/api/claude/task/task_missing'],
      ['GET', '/api/claude/task/%00%27;drop'],
    ] as const) {
      const res = await http<ErrorBody>(`${t.url}${path}`, { method });
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('task_not_found');
    }
  });

  it("treats another client's task exactly as a missing one (A9)", async () => {
    const task = await enqueueTask(t.url, { prompt: 'mine', caching: false });
    const tasks = t.server.services.tasks;
    for (const call of [
      () => tasks.get(task.taskId, 'client_other'),
      () => tasks.result(task.taskId, 'client_other'),
      () => tasks.cancel(task.taskId, 'client_other'),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('task_not_found');
      expect((error as AppError).message).toBe(`Task with ID ${task.taskId} not found`);
    }
    expect((await tasks.list({}, 'client_other')).pagination.total).toBe(0);
    await waitForTask(t.url, task.taskId, ['completed']);
  });

  it('E4 before completion and E5 after it answer 400 with taskStatus at the top level', async () => {
    t.sim.script([{ kind: 'ok', ttftMs: 60_000 }]);
    const task = await enqueueTask(t.url, { prompt: 'slow one', caching: false });
    await waitForTask(t.url, task.taskId, ['processing']);
    const early = await http<ErrorBody>(`${t.url}/api/claude/task/${task.taskId}/result`);
    expect(early.status).toBe(400);
    expect(early.body.error).toMatchObject({ code: 'result_not_available', taskStatus: 'processing' });
    expect(early.body.error.message).toContain('processing');
    expect((await http(`${t.url}/api/claude/task/${task.taskId}`, { method: 'DELETE' })).status).toBe(200);

    const quick = await enqueueTask(t.url, { prompt: 'quick one', caching: false });
    await waitForTask(t.url, quick.taskId, ['completed']);
    const late = await http<ErrorBody>(`${t.url}/api/claude/task/${quick.taskId}`, { method: 'DELETE' });
    expect(late.status).toBe(400);
    expect(late.body.error).toMatchObject({ code: 'cannot_cancel', taskStatus: 'completed' });
    expect(late.body.error.message).toContain('completed');
  });

  it('writes the task row and its job in one transaction: a rollback leaves neither', async () => {
    const deps = t.server.services.tasks.deps!;
    const id = `task_rollback_${randomUUID()}`;
    const jobId = randomUUID();
    const failing = deps.db.transaction().execute(async (trx) => {
      await insertTask(trx, {
        id,
        jobId,
        clientId: 'anonymous',
        priority: 2,
        payload: { prompt: 'never' },
        callbackUrl: undefined,
        metadata: {},
        maxRetries: 3,
      });
      await deps.queue.send(trx, { id: jobId, taskId: id, priority: 2 });
      expect(await trx.selectFrom('tasks').select('id').where('id', '=', id).execute()).toHaveLength(1);
      throw new Error('crash between commit points');
    });
    await expect(failing).rejects.toThrow('crash between commit points');
    expect(await rows('SELECT id FROM $schema.tasks WHERE id = $1', [id])).toHaveLength(0);
    expect(await rows('SELECT id FROM $schema_boss.job WHERE id = $1', [jobId])).toHaveLength(0);
  });

  it('purges finished tasks past the retention and keeps the rest; the purge is scheduled', async () => {
    const old = await enqueueTask(t.url, { prompt: 'old finished', caching: false });
    const recent = await enqueueTask(t.url, { prompt: 'recent finished', caching: false });
    await waitForTask(t.url, old.taskId, ['completed']);
    await waitForTask(t.url, recent.taskId, ['completed']);
    await rows(`UPDATE $schema.tasks SET completed_at = now() - interval '8 days' WHERE id = $1`, [old.taskId]);
    expect(await t.server.services.tasks.purgeFinished()).toBe(1);
    expect((await http(`${t.url}/api/claude/task/${old.taskId}`)).status).toBe(404);
    expect((await http(`${t.url}/api/claude/task/${recent.taskId}`)).status).toBe(200);
    expect(await rows('SELECT name, cron FROM $schema_boss.schedule')).toEqual([
      { name: 'tasks-purge', cron: '*/10 * * * *' },
    ]);
  });
});

describe('GET /api/claude/tasks (E6)', () => {
  let t: TestServer;
  const ids: string[] = [];
  beforeAll(async () => {
    // No worker: every task stays queued, so positions are known.
    t = await startTestServer({ env: { SERVER_MODE: 'api' } });
    for (const [i, priority] of ['low', 'high', 'medium', 'high', 'low'].entries()) {
      ids.push((await enqueueTask(t.url, { prompt: `list ${i}`, priority, metadata: { i } })).taskId);
    }
    await t.server.services.tasks.cancel(ids[4]!, 'admin');
  });
  afterAll(() => t.close());
  type List = {
    tasks: {
      taskId: string;
      status: string;
      createdAt: string;
      position?: number;
      completedAt?: string;
      metadata: { i: number };
    }[];
    pagination: { total: number; page: number; limit: number; pages: number };
  };
  const list = (query = '') => http<List>(`${t.url}/api/claude/tasks${query}`);

  it('lists newest first by default with exact pagination and queue positions', async () => {
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.body.pagination).toEqual({ total: 5, page: 1, limit: 10, pages: 1 });
    expect(res.body.tasks.map((x) => x.metadata.i)).toEqual([4, 3, 2, 1, 0]);
    const byI = Object.fromEntries(res.body.tasks.map((x) => [x.metadata.i, x]));
    // high 1, high 3, medium 2, low 0 (4 is cancelled)
    expect([1, 3, 2, 0].map((i) => byI[i]?.position)).toEqual([1, 2, 3, 4]);
    expect(byI[4]).toMatchObject({ status: 'cancelled' });
    expect(byI[4]).not.toHaveProperty('position');
    expect(byI[4]?.completedAt).toBeDefined();
    expect(Object.keys(byI[0]!).sort()).toEqual(['createdAt', 'metadata', 'position', 'priority', 'status', 'taskId']);
  });

  it('filters by status, pages, and sorts by a whitelisted key', async () => {
    const queued = await list('?status=queued&limit=2&page=2&sortBy=priority&sortOrder=asc');
    expect(queued.status).toBe(200);
    expect(queued.body.pagination).toEqual({ total: 4, page: 2, limit: 2, pages: 2 });
    expect(queued.body.tasks.map((x) => x.metadata.i)).toEqual([2, 0]);
    const beyond = await list('?page=9');
    expect(beyond.body.tasks).toEqual([]);
    expect(beyond.body.pagination.total).toBe(5);
    const cancelled = await list('?status=cancelled');
    expect(cancelled.body.tasks.map((x) => x.taskId)).toEqual([ids[4]]);
  });

  it.each([
    '?status=done',
    '?page=0',
    '?page=x',
    '?limit=101',
    '?limit=0',
    '?limit=1.5',
    '?sortBy=prompt',
    '?sortBy=created_at',
    '?sortOrder=up',
  ])('answers 400 invalid_request for %s', async (query) => {
    const res = await http<ErrorBody>(`${t.url}/api/claude/tasks${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });

  it('says what a page or limit must be', async () => {
    for (const [query, message] of [
      ['?limit=abc', 'Invalid parameter limit: must be a whole number from 1 to 100'],
      ['?limit=1.5', 'Invalid parameter limit: must be a whole number from 1 to 100'],
      ['?page=x', 'Invalid parameter page: must be a whole number from 1 to 1000000'],
    ] as const) {
      const res = await http<ErrorBody>(`${t.url}/api/claude/tasks${query}`);
      expect(res.body.error.message, query).toBe(message);
    }
  });

  it('lets a queued task be read (with position) and cancelled in api mode', async () => {
    const view = await http<{ status: string; position: number }>(`${t.url}/api/claude/task/${ids[0]}`);
    expect(view.body).toMatchObject({ status: 'queued', position: 4 });
  });
});

describe('concurrent submissions (written in batches)', () => {
  let t: TestServer;
  let sql: pg.Client;
  beforeAll(async () => {
    t = await startTestServer({ env: { SERVER_MODE: 'api', RATE_LIMIT_QUEUE_PER_MIN: '1000' } });
    sql = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await sql.connect();
  });
  afterAll(async () => {
    await sql.end();
    await t.close();
  });

  it('stores every task with its pg-boss job, each once, and answers each with its exact queue position', async () => {
    const bodies = await Promise.all(
      Array.from({ length: 40 }, (_, i) => enqueueTask(t.url, { prompt: `batch ${i}`, metadata: { i } })),
    );
    const ids = bodies.map((b) => b.taskId);
    expect(new Set(ids).size).toBe(40);
    const { rows } = await sql.query(
      `SELECT t.id, t.seq, j.id AS job FROM "${t.schema}".tasks t
         LEFT JOIN "${t.schema}_boss".job j ON j.id = t.job_id AND j.name = 'claude-tasks'
        WHERE t.id = ANY($1) ORDER BY t.seq`,
      [ids],
    );
    expect(rows).toHaveLength(40);
    for (const row of rows) expect(row.job).not.toBeNull();
    // One instance writes one batch at a time, so each answer's position is exactly its rank in the queue.
    const rank = new Map(rows.map((r, i) => [r.id as string, i + 1]));
    for (const b of bodies) expect((b as unknown as { position: number }).position).toBe(rank.get(b.taskId));
    // Read back now, every task's position is exactly its rank.
    const listed = await http<{ tasks: { taskId: string; position: number }[] }>(
      `${t.url}/api/claude/tasks?limit=100&sortBy=createdAt&sortOrder=asc`,
    );
    for (const task of listed.body.tasks) expect(task.position).toBe(rank.get(task.taskId));
  });
});
