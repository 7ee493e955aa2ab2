import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
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
 * The hot routes are answered by the fast lane (plain node:http) when the request is ordinary, and by the
 * Hono app otherwise (a chunked body, a query string). Whichever answers, the caller sees the same thing.
 */
describe('fast lane and Hono app answer alike', () => {
  let t: TestServer;
  let client: RegisteredClient;
  beforeAll(async () => {
    t = await startTestServer();
    client = await registerClient(t);
  });
  afterAll(() => t?.close());

  /** POST with the body sent chunked (no Content-Length): the Hono app answers. */
  async function chunked(path: string, body: string, headers: Record<string, string>) {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body));
        controller.close();
      },
    });
    const res = await fetch(`${t.url}${path}`, {
      method: 'POST',
      headers,
      body: stream,
      duplex: 'half',
    } as RequestInit);
    return { status: res.status, headers: res.headers, body: JSON.parse(await res.text()) as Record<string, unknown> };
  }

  /** Header names an answer carries, minus those that differ per answer by nature. */
  const names = (headers: Headers) =>
    [...headers.keys()].filter((n) => !['date', 'transfer-encoding', 'content-length'].includes(n)).sort();

  it('a query answered either way has the same status, headers and body shape', async () => {
    const payload = JSON.stringify({ prompt: 'fast lane twin', caching: false });
    const headers = { ...bearer(client.apiKey), 'content-type': 'application/json' };
    const fast = await http(`${t.url}/api/claude/query`, { rawBody: payload, headers });
    const slow = await chunked('/api/claude/query', payload, headers);
    expect(fast.status).toBe(200);
    expect(slow.status).toBe(200);
    expect(names(fast.headers)).toEqual(names(slow.headers));
    expect(fast.headers.get('content-length')).toBe(String(Buffer.byteLength(JSON.stringify(fast.body))));
    expect(Object.keys(fast.body).sort()).toEqual(Object.keys(slow.body).sort());
    for (const name of ['content-security-policy', 'x-frame-options', 'cache-control', 'x-cache', 'x-ratelimit-limit'])
      expect(fast.headers.get(name)).toBe(slow.headers.get(name));
    expect(fast.headers.get('server-timing')).toMatch(/upstream;dur=[\d.]+, total;dur=[\d.]+$/);
  });

  it('refuses malformed JSON, bad credentials and bad input in the same shape either way', async () => {
    const cases: [string, Record<string, string>, number, string][] = [
      ['{"prompt": ', bearer(client.apiKey), 400, 'invalid_request'],
      [JSON.stringify({ prompt: 'x' }), bearer('cp_live_not-a-real-key'), 401, 'authentication_error'],
      [JSON.stringify({ prompt: 'x' }), { authorization: 'Basic dXNlcjpwYXNz' }, 401, 'authentication_error'],
      [JSON.stringify({ prompt: '' }), bearer(client.apiKey), 400, 'invalid_request'],
      [JSON.stringify([1, 2]), bearer(client.apiKey), 400, 'invalid_request'],
    ];
    for (const [raw, auth, status, code] of cases) {
      const headers = { ...auth, 'content-type': 'application/json' };
      const fast = await http<{ error: { code: string; message: string; requestId: string } }>(
        `${t.url}/api/claude/query`,
        { rawBody: raw, headers },
      );
      const slow = await chunked('/api/claude/query', raw, headers);
      expect(fast.status, raw).toBe(status);
      expect(slow.status, raw).toBe(status);
      expect(fast.body.error.code).toBe(code);
      expect(fast.body.error.message).toBe((slow.body.error as { message: string }).message);
      expect(fast.body.error.requestId).toBe(fast.headers.get('x-request-id'));
      expect(names(fast.headers)).toEqual(names(slow.headers));
    }
  });

  it("keeps the caller's X-Request-ID and logs one line and one history row per request", async () => {
    const requestId = randomUUID();
    const res = await http(`${t.url}/api/claude/query`, {
      body: { prompt: 'fast lane log line', caching: false },
      headers: { ...bearer(client.apiKey), 'x-request-id': requestId },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const lines = t.logs.records.filter(
      (l) =>
        (l.context as { requestId?: string } | undefined)?.requestId === requestId && l.message === 'request completed',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]?.context).toMatchObject({ route: '/api/claude/query', status: 200, clientId: client.clientId });
    await t.server.services.history.flush();
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT endpoint, status FROM "${t.schema}".request_history WHERE request_id = $1`,
        [requestId],
      );
      expect(rows).toEqual([{ endpoint: '/api/claude/query', status: 200 }]);
    } finally {
      await db.end();
    }
  });

  it('queues a task and reads it back (E2, E3); a task path with a query string goes to the Hono app alike', async () => {
    const queued = await http<{ taskId: string }>(`${t.url}/api/claude/queue`, {
      body: { prompt: 'fast lane task' },
      headers: bearer(client.apiKey),
    });
    expect(queued.status).toBe(202);
    const plain = await http<{ taskId: string }>(`${t.url}/api/claude/task/${queued.body.taskId}`, {
      headers: bearer(client.apiKey),
    });
    const withQuery = await http<{ taskId: string }>(`${t.url}/api/claude/task/${queued.body.taskId}?x=1`, {
      headers: bearer(client.apiKey),
    });
    expect(plain.status).toBe(200);
    expect(plain.body.taskId).toBe(queued.body.taskId);
    expect(withQuery.status).toBe(200);
    expect(names(plain.headers)).toEqual(names(withQuery.headers));
    const missing = await http<{ error: { code: string } }>(`${t.url}/api/claude/task/${randomUUID()}`, {
      headers: bearer(client.apiKey),
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('task_not_found');
  });

  it('survives a client that goes away halfway through its body, and answers the next one', async () => {
    await new Promise<void>((resolve) => {
      const u = new URL(`${t.url}/api/claude/query`);
      const req = httpRequest({
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { ...bearer(client.apiKey), 'content-type': 'application/json', 'content-length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"prompt": "half');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    const res = await http(`${t.url}/api/claude/query`, {
      body: { prompt: 'after the half body', caching: false },
      headers: bearer(client.apiKey),
    });
    expect(res.status).toBe(200);
  });
});
