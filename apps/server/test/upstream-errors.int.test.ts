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

type ErrorBody = { error: { code: string; message: string; details?: string; requestId: string } };

describe('upstream failures through E1', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { UPSTREAM_RETRY_BASE_DELAY_MS: '1', UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '300' } });
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.reset());

  const query = (prompt: string) => http<ErrorBody>(`${t.url}/api/claude/query`, { body: { prompt, caching: false } });

  it('529 then 200 succeeds within the budget', async () => {
    t.sim.script([{ kind: 'error', status: 529, type: 'overloaded_error', retryAfterMs: 5 }]);
    const res = await query('overloaded once');
    expect(res.status).toBe(200);
    expect(t.sim.messageCount()).toBe(2);
  });

  it('a 400 from the upstream is not retried and is the caller’s invalid_request', async () => {
    t.sim.script([{ kind: 'error', status: 400, type: 'invalid_request_error', message: 'messages: too long' }]);
    const res = await query('bad');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details).toMatch(/\(upstream 400, invalid_request_error, request-id [^)]+\)$/);
    expect(t.sim.messageCount()).toBe(1);
  });

  it.each([401, 403, 404, 413])('%i is not retried', async (status) => {
    const type = {
      401: 'authentication_error',
      403: 'permission_error',
      404: 'not_found_error',
      413: 'request_too_large',
    }[status] as string;
    t.sim.script([{ kind: 'error', status, type }]);
    const res = await query(`no retry ${status}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(t.sim.messageCount()).toBe(1);
  });

  // E1 and the spec's own example: an upstream rate limit is 500 claude_api_error, not the caller's 429.
  it('a persistent upstream 429 becomes 500 claude_api_error with Retry-After', async () => {
    const e = { kind: 'error' as const, status: 429, type: 'rate_limit_error', retryAfter: 1 };
    t.sim.script([e, e, e]);
    const res = await query('limited');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('claude_api_error');
    expect(res.body.error.details).toMatch(/\(upstream 429, rate_limit_error, request-id /);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(t.sim.messageCount()).toBe(3);
  });

  it('a persistently overloaded upstream becomes 500 claude_api_error with Retry-After', async () => {
    const e = { kind: 'error' as const, status: 529, type: 'overloaded_error', retryAfterMs: 5 };
    t.sim.script([e, e, e]);
    const res = await query('overloaded');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('claude_api_error');
    expect(res.body.error.details).toMatch(/\(upstream 529, overloaded_error, /);
    expect(res.headers.get('retry-after')).not.toBeNull();
  });

  it('a slow first byte is cut at the timeout and retried', async () => {
    // 300 ms + 10 tokens × 28 ms for the generation of a non-streaming answer, then cut.
    t.sim.script([{ kind: 'slow', firstByteDelayMs: 2_000 }]);
    const res = await http<ErrorBody>(`${t.url}/api/claude/query`, {
      body: { prompt: 'slow first byte', caching: false, parameters: { maxTokens: 10 } },
    });
    expect(res.status).toBe(200);
    expect(t.sim.messageCount()).toBe(2);
  });

  it('a long non-streaming generation is waited for, not cut at the first-byte timeout and billed again', async () => {
    // Headers after 1.5 s: five times the 300 ms first-byte timeout, within what 1,000 tokens may take.
    t.sim.script([{ kind: 'ok', ttftMs: 1_500 }]);
    const res = await http<ErrorBody>(`${t.url}/api/claude/query`, {
      body: { prompt: 'a long answer', caching: false, parameters: { maxTokens: 1000 } },
    });
    expect(res.status).toBe(200);
    expect(t.sim.messageCount()).toBe(1);
  });

  it("the upstream's x-should-retry: false is obeyed (a 500 is not retried then)", async () => {
    t.sim.script([{ kind: 'error', status: 500, type: 'api_error', headers: { 'x-should-retry': 'false' } }]);
    const res = await query('do not retry');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('claude_api_error');
    expect(t.sim.messageCount()).toBe(1);
  });

  it('a dropped connection is retried', async () => {
    t.sim.script([{ kind: 'drop' }]);
    const res = await query('dropped');
    expect(res.status).toBe(200);
    expect(t.sim.messageCount()).toBe(2);
  });
});

describe('answers carrying characters Postgres jsonb cannot store', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.reset());

  // The simulator sends them as JSON escapes (\u0000, \ud800), as any JSON encoder would.
  const text = 'before\u0000after \ud800 end';
  const stored = 'before\ufffdafter \ufffd end';

  it('a sync query answers, caches and serves the answer with U+FFFD in their place (one upstream call)', async () => {
    t.sim.script([{ kind: 'ok', text }]);
    const first = await http<{ content: string }>(`${t.url}/api/claude/query`, { body: { prompt: 'nul please' } });
    expect(first.status).toBe(200);
    expect(first.body.content).toBe(stored);
    const second = await http<{ content: string }>(`${t.url}/api/claude/query`, { body: { prompt: 'nul please' } });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.body.content).toBe(stored);
    expect(t.sim.messageCount()).toBe(1);
  });

  it('a task completes once with the cleaned text (no failed final write, no re-run)', async () => {
    t.sim.script([{ kind: 'ok', text }]);
    const { taskId } = await enqueueTask(t.url, { prompt: 'nul in a task', caching: false });
    await waitForTask(t.url, taskId, ['completed', 'failed']);
    const result = await http<{ content: string }>(`${t.url}/api/claude/task/${taskId}/result`);
    expect(result.status).toBe(200);
    expect(result.body.content).toBe(stored);
    expect(t.sim.messageCount()).toBe(1);
  });

  it('a result Postgres refuses fails the task once, at once (no re-run, no second upstream call)', async () => {
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      // Stands in for any value Postgres refuses (SQLSTATE class 22) in the final write.
      await db.query(`CREATE FUNCTION "${t.schema}".refuse_marker() RETURNS trigger AS $$
        BEGIN
          IF NEW.result::text LIKE '%REFUSE-ME%' THEN RAISE EXCEPTION 'refused' USING ERRCODE = '22023'; END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql`);
      await db.query(`CREATE TRIGGER refuse_marker BEFORE UPDATE ON "${t.schema}".tasks
        FOR EACH ROW EXECUTE FUNCTION "${t.schema}".refuse_marker()`);
      t.sim.script([{ kind: 'ok', text: 'REFUSE-ME' }]);
      const { taskId } = await enqueueTask(t.url, { prompt: 'refused result', caching: false });
      const done = await waitForTask(t.url, taskId, ['completed', 'failed'], 10_000);
      expect(done.status).toBe('failed');
      expect((done.error as { code: string }).code).toBe('internal_server_error');
      expect(t.sim.messageCount()).toBe(1);
    } finally {
      await db.query(`DROP TRIGGER IF EXISTS refuse_marker ON "${t.schema}".tasks`);
      await db.end();
    }
  });
});
