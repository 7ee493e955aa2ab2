import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  enqueueTask,
  getTask,
  adminHttp as http,
  startTestServer,
  type TaskBody,
  type TestServer,
  waitFor,
  waitForTask,
} from './helpers.js';
import { scrape, seriesKey } from './metrics-text.js';

const promptOf = (body: unknown) => (body as { messages: { content: string }[] }).messages[0]?.content;

/** One worker slot, so the order and timing of tasks are observable. */
describe('task worker (Q3–Q5)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      // The suite submits more tasks as one client than the default E2 limit (20 a minute) allows.
      env: { WORKER_CONCURRENCY: '1', UPSTREAM_RETRY_BASE_DELAY_MS: '1', RATE_LIMIT_QUEUE_PER_MIN: '1000' },
    });
  });
  afterAll(() => t.close());
  // A failed test must not leave work behind that would consume the next test's scripted outcomes.
  beforeEach(async () => {
    for (const status of ['queued', 'processing']) {
      const list = await http<{ tasks: { taskId: string }[] }>(`${t.url}/api/claude/tasks?status=${status}&limit=100`);
      for (const task of list.body.tasks) await http(`${t.url}/api/claude/task/${task.taskId}`, { method: 'DELETE' });
    }
    t.sim.reset();
  });
  const prompts = () => t.sim.requests({ path: '/v1/messages' }).map((r) => promptOf(r.body));

  it('runs a backlog high before medium before low, FIFO within a priority; position and ETA move as it drains', async () => {
    t.sim.script([{ kind: 'ok', ttftMs: 1_000 }]);
    t.sim.setOptions({ ttftMs: 150 });
    const blocker = await enqueueTask(t.url, { prompt: 'blocker', caching: false });
    await waitForTask(t.url, blocker.taskId, ['processing']);
    const order = ['low-1', 'medium-1', 'high-1', 'low-2', 'high-2', 'medium-2'];
    const queued: TaskBody[] = [];
    for (const name of order) {
      queued.push(await enqueueTask(t.url, { prompt: name, priority: name.split('-')[0], caching: false }));
    }
    expect(queued.map((q) => q.position)).toEqual([1, 1, 1, 4, 2, 4]);

    const last = queued[3]!; // low-2 starts last
    const samples: { position: number; waitMs: number }[] = [];
    await waitFor(async () => {
      const view = await getTask(t.url, last.taskId);
      if (view.status !== 'queued') return true;
      samples.push({
        position: view.position as number,
        waitMs: Date.parse(view.estimatedStartTime as string) - Date.now(),
      });
      return false;
    }, 20_000);
    const positions = [...new Set(samples.map((s) => s.position))];
    expect(positions[0]).toBe(6);
    expect(positions.length).toBeGreaterThanOrEqual(3);
    expect(positions).toEqual([...positions].sort((a, b) => b - a));
    expect(samples.at(-1)!.waitMs).toBeLessThan(samples[0]!.waitMs);

    for (const q of queued) await waitForTask(t.url, q.taskId, ['completed']);
    expect(prompts()).toEqual(['blocker', 'high-1', 'high-2', 'medium-1', 'medium-2', 'low-1', 'low-2']);
  });

  it('reports progress rising between 0 and 1 during a slow generation, with a completion estimate', async () => {
    t.sim.script([{ kind: 'ok', text: 'word '.repeat(120), tokensPerSecond: 60 }]);
    const task = await enqueueTask(t.url, {
      prompt: 'slow generation',
      caching: false,
      parameters: { maxTokens: 200 },
    });
    const seen: number[] = [];
    let final: TaskBody | undefined;
    await waitFor(async () => {
      const view = await getTask(t.url, task.taskId);
      if (view.status === 'processing') {
        seen.push(view.progress as number);
        expect(Date.parse(view.estimatedCompletionTime as string)).toBeGreaterThan(
          Date.parse(view.startTime as string),
        );
      }
      if (view.status === 'completed') final = view;
      return final;
    }, 20_000);
    const inside = [...new Set(seen.filter((p) => p > 0 && p < 1))];
    expect(inside.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(Math.max(...seen)).toBeLessThan(1);
    expect(final).toMatchObject({ status: 'completed', retries: 0 });
  });

  it('retries transient upstream errors: 529, 529, 200 completes with retries = 2', async () => {
    t.sim.script([
      { kind: 'error', status: 529, type: 'overloaded_error' },
      { kind: 'error', status: 529, type: 'overloaded_error' },
    ]);
    const task = await enqueueTask(t.url, { prompt: 'overloaded twice', caching: false });
    const done = await waitForTask(t.url, task.taskId, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', retries: 2 });
    expect(t.sim.messageCount()).toBe(3);
    expect((await http(`${t.url}/api/claude/task/${task.taskId}/result`)).status).toBe(200);
  });

  it('gives up after maxRetries transient errors and keeps the last error', async () => {
    t.sim.script(Array.from({ length: 4 }, () => ({ kind: 'error' as const, status: 500, type: 'api_error' })));
    const task = await enqueueTask(t.url, { prompt: 'always 500', caching: false });
    const done = await waitForTask(t.url, task.taskId, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'failed', retries: 3, error: { code: 'claude_api_error' } });
    expect(t.sim.messageCount()).toBe(4);
  });

  it('fails at once on a 400 from upstream, with the upstream details', async () => {
    t.sim.script([{ kind: 'error', status: 400, type: 'invalid_request_error', message: 'prompt is too long' }]);
    const task = await enqueueTask(t.url, { prompt: 'rejected upstream', caching: false });
    const done = await waitForTask(t.url, task.taskId, ['completed', 'failed']);
    expect(Object.keys(done).sort()).toEqual(
      ['error', 'failureTime', 'metadata', 'retries', 'startTime', 'status', 'taskId'].sort(),
    );
    expect(done).toMatchObject({
      status: 'failed',
      retries: 0,
      error: { code: 'invalid_request', details: expect.stringMatching(/\(upstream 400, invalid_request_error, /) },
    });
    expect((done.error as { message: string }).message).toContain('prompt is too long');
    expect(t.sim.messageCount()).toBe(1);
    const result = await http<{ error: { code: string; taskStatus: string } }>(
      `${t.url}/api/claude/task/${task.taskId}/result`,
    );
    expect(result.body.error).toMatchObject({ code: 'result_not_available', taskStatus: 'failed' });
  });

  it('cancels a queued task, which the upstream then never sees', async () => {
    t.sim.setOptions({ ttftMs: 300 });
    const blocker = await enqueueTask(t.url, { prompt: 'ahead of the cancelled', caching: false });
    await waitForTask(t.url, blocker.taskId, ['processing']);
    const doomed = await enqueueTask(t.url, { prompt: 'cancel me while queued', caching: false });
    const after = await enqueueTask(t.url, { prompt: 'queued after the cancelled', caching: false });
    const res = await http(`${t.url}/api/claude/task/${doomed.taskId}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ taskId: doomed.taskId, status: 'cancelled', message: 'Task cancelled successfully' });
    await waitForTask(t.url, after.taskId, ['completed']);
    expect(prompts()).toEqual(['ahead of the cancelled', 'queued after the cancelled']);
    const view = await getTask(t.url, doomed.taskId);
    expect(view).toMatchObject({ status: 'cancelled', metadata: {} });
    expect(view).not.toHaveProperty('startTime');
    const again = await http<{ error: { code: string; taskStatus: string } }>(
      `${t.url}/api/claude/task/${doomed.taskId}`,
      { method: 'DELETE' },
    );
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 'cannot_cancel', taskStatus: 'cancelled' });
  });

  it('cancels a running task by aborting its upstream request', async () => {
    t.sim.script([{ kind: 'ok', text: 'word '.repeat(500), tokensPerSecond: 20 }]);
    const task = await enqueueTask(t.url, { prompt: 'cancel me while running', caching: false });
    await waitFor(() => t.sim.requests({ path: '/v1/messages' }).length === 1);
    await waitForTask(t.url, task.taskId, ['processing']);
    const res = await http(`${t.url}/api/claude/task/${task.taskId}`, { method: 'DELETE' });
    expect(res.body).toMatchObject({ status: 'cancelled' });
    await waitFor(() => t.sim.requests({ path: '/v1/messages' })[0]?.aborted === true);
    const view = await getTask(t.url, task.taskId);
    expect(view).toMatchObject({ status: 'cancelled' });
    expect(Date.parse(view.cancellationTime as string)).toBeGreaterThanOrEqual(Date.parse(view.startTime as string));
    // The slot is free again: the next task runs, and the cancelled one never completes.
    const next = await enqueueTask(t.url, { prompt: 'after a cancelled run', caching: false });
    await waitForTask(t.url, next.taskId, ['completed']);
    expect((await getTask(t.url, task.taskId)).status).toBe('cancelled');
  });

  it('records a finished task as E1 records a request: one TASK history row with its usage, and task metrics', async () => {
    const before = (await scrape(t.url)).series;
    const metric = (series: Map<string, number>, name: string, labels: Record<string, string>) =>
      series.get(seriesKey(name, labels)) ?? 0;
    const done = await enqueueTask(t.url, { prompt: 'history of a task', caching: false, priority: 'high' });
    await waitForTask(t.url, done.taskId, ['completed']);
    t.sim.script([{ kind: 'error', status: 400, type: 'invalid_request_error', message: 'no' }]);
    const failed = await enqueueTask(t.url, { prompt: 'history of a failed task', caching: false });
    await waitForTask(t.url, failed.taskId, ['failed']);

    const historyOf = async (taskId: string) =>
      (
        await t.server.services.db.pool.query(`SELECT * FROM request_history WHERE task_id = $1 AND method = 'TASK'`, [
          taskId,
        ])
      ).rows;
    const [row] = await waitFor(async () =>
      (await historyOf(done.taskId)).length ? historyOf(done.taskId) : undefined,
    );
    const result = await http<{ usage: { promptTokens: number; completionTokens: number; totalTokens: number } }>(
      `${t.url}/api/claude/task/${done.taskId}/result`,
    );
    expect(result.body.usage.totalTokens).toBeGreaterThan(0);
    expect(row).toMatchObject({
      request_id: done.taskId,
      client_id: 'admin',
      endpoint: '/api/claude/queue',
      status: 200,
      outcome: 'success',
      model: 'claude-sonnet-4-6',
      prompt_tokens: result.body.usage.promptTokens,
      completion_tokens: result.body.usage.completionTokens,
      total_tokens: result.body.usage.totalTokens,
      cache_status: 'bypass',
    });
    expect(row.latency_ms).toBeGreaterThan(0);
    const [failedRow] = await waitFor(async () =>
      (await historyOf(failed.taskId)).length ? historyOf(failed.taskId) : undefined,
    );
    expect(failedRow).toMatchObject({ status: 400, outcome: 'invalid_request', total_tokens: 0 });
    expect(await historyOf(done.taskId)).toHaveLength(1);

    const after = (await scrape(t.url)).series;
    const delta = (name: string, labels: Record<string, string>) =>
      metric(after, name, labels) - metric(before, name, labels);
    expect(delta('claude_proxy_task_duration_seconds_count', { status: 'completed' })).toBe(1);
    expect(delta('claude_proxy_task_duration_seconds_count', { status: 'failed' })).toBe(1);
    expect(delta('claude_proxy_queue_wait_seconds_count', { priority: 'high' })).toBe(1);
    expect(delta('claude_proxy_errors_total', { code: 'invalid_request', source: 'task' })).toBe(1);
  });
});

describe('task worker shutdown', () => {
  it('says what became of the running tasks: finished, or handed back to the queue', async () => {
    const t = await startTestServer({ env: { SHUTDOWN_TIMEOUT_MS: '300' }, sim: { ttftMs: 5_000 } });
    let closed = false;
    try {
      const task = await enqueueTask(t.url, { prompt: 'outlives the shutdown', caching: false });
      await waitForTask(t.url, task.taskId, ['processing']);
      await t.close();
      closed = true;
      const messages = t.logs.records.map((r) => r as { message?: string; context?: Record<string, unknown> });
      expect(messages.find((r) => r.message === 'waiting for running tasks to finish')?.context).toMatchObject({
        running: 1,
        timeoutMs: 300,
      });
      expect(messages.find((r) => r.message === 'task worker stopped')?.context).toMatchObject({
        finished: 0,
        returnedToQueue: 1,
      });
    } finally {
      if (!closed) await t.close();
    }
  });
});
