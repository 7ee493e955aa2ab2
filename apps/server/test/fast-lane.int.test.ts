import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
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

/** One request written byte for byte on its own connection (repeated headers, dot segments), answer read to the end. */
function rawRequest(
  url: string,
  head: string[],
  body = '',
): Promise<{ status: number; headers: string; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer in 5 s')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      resolve({
        status: Number(text.slice(9, 12)),
        headers: text.slice(0, split).toLowerCase(),
        body: text.slice(split + 4),
      });
    });
    const host = head.some((line) => /^host:/i.test(line)) ? [] : [`Host: ${u.host}`];
    socket.write(`${[...head, ...host, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`);
  });
}

/** POST with the body sent chunked (no Content-Length): the Hono app answers. */
async function chunkedTo(base: string, path: string, body: string, headers: Record<string, string>) {
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(body));
      controller.close();
    },
  });
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers,
    body: stream,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, headers: res.headers, body: JSON.parse(await res.text()) as Record<string, unknown> };
}

/** Starts a POST, writes half of its body and goes away. */
function sendHalfBody(url: string, headers: Record<string, string>): Promise<void> {
  return new Promise<void>((resolve) => {
    const u = new URL(url);
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers });
    req.on('error', () => resolve());
    req.write('{"prompt": "half');
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 50);
  });
}

/** The one "request completed" record of a request id, once the observer has written it. */
async function completedLine(t: TestServer, requestId: string) {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const lines = t.logs.records.filter(
      (l) => (l.context as { requestId?: string } | undefined)?.requestId === requestId,
    );
    if (lines.length > 0 || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 20));
  }
}

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

  const chunked = (path: string, body: string, headers: Record<string, string>) =>
    chunkedTo(t.url, path, body, headers);

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
    await sendHalfBody(`${t.url}/api/claude/query`, {
      ...bearer(client.apiKey),
      'content-type': 'application/json',
      'content-length': '1000',
    });
    const res = await http(`${t.url}/api/claude/query`, {
      body: { prompt: 'after the half body', caching: false },
      headers: bearer(client.apiKey),
    });
    expect(res.status).toBe(200);
  });
  it('records a body cut off by the client as its 400, on either path, and never as a server fault', async () => {
    for (const framing of ['content-length', 'chunked'] as const) {
      const requestId = randomUUID();
      await sendHalfBody(`${t.url}/api/claude/query`, {
        ...bearer(client.apiKey),
        'content-type': 'application/json',
        'x-request-id': requestId,
        ...(framing === 'content-length' ? { 'content-length': '1000' } : { 'transfer-encoding': 'chunked' }),
      });
      const lines = await completedLine(t, requestId);
      expect(lines, framing).toHaveLength(1);
      expect(lines[0]?.message, JSON.stringify(lines[0])).toBe('request rejected');
      expect(lines[0]?.context, framing).toMatchObject({ status: 400 });
    }
  });

  it('reads a body that starts with a UTF-8 byte order mark the same way on both paths', async () => {
    const payload = `\uFEFF${JSON.stringify({ prompt: 'with a BOM', caching: false })}`;
    const headers = { ...bearer(client.apiKey), 'content-type': 'application/json' };
    const fast = await http(`${t.url}/api/claude/query`, { rawBody: payload, headers });
    const slow = await chunked('/api/claude/query', payload, headers);
    expect(slow.status).toBe(200);
    expect(fast.status).toBe(200);
  });

  it('decides on repeated Authorization headers as the Hono app does (joined, so not a valid key)', async () => {
    const body = JSON.stringify({ prompt: 'two keys', caching: false });
    for (const pair of [
      [client.apiKey, 'cp_live_not-a-real-key'],
      ['cp_live_not-a-real-key', client.apiKey],
    ]) {
      const res = await rawRequest(
        `${t.url}/api/claude/query`,
        [
          'POST /api/claude/query HTTP/1.1',
          `Authorization: Bearer ${pair[0]}`,
          `Authorization: Bearer ${pair[1]}`,
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
        ],
        body,
      );
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe('authentication_error');
    }
    const single = await rawRequest(
      `${t.url}/api/claude/query`,
      [
        'POST /api/claude/query HTTP/1.1',
        `Authorization: Bearer ${client.apiKey}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
      ],
      body,
    );
    expect(single.status).toBe(200);
  });

  it('refuses a bad Host header or a backslash in the path with a 400 in the spec shape, on any route', async () => {
    const body = JSON.stringify({ prompt: 'bad host', caching: false });
    const cases: [string[], string][] = [
      [['POST /api/claude/query HTTP/1.1', 'Host: x/y', `Content-Length: ${Buffer.byteLength(body)}`], body],
      [['POST /api/claude/queue HTTP/1.1', 'Host: evil@x', `Content-Length: ${Buffer.byteLength(body)}`], body],
      [['GET /api/health/live HTTP/1.1', 'Host: x:99999'], ''],
      [['GET /api/claude/task/a\\b HTTP/1.1', 'Host: localhost'], ''],
    ];
    for (const [head, payload] of cases) {
      const res = await rawRequest(
        `${t.url}/`,
        [...head, `Authorization: Bearer ${client.apiKey}`, 'Content-Type: application/json'],
        payload,
      );
      const parsed = JSON.parse(res.body) as { error: { code: string; message: string; requestId: string } };
      expect(res.status, head[0]).toBe(400);
      expect(parsed.error.code, head[0]).toBe('invalid_request');
      expect(res.headers).toContain(`x-request-id: ${parsed.error.requestId}`);
      expect(res.headers).toContain('x-content-type-options: nosniff');
    }
    const fine = await rawRequest(`${t.url}/`, ['GET /api/health/live HTTP/1.1', 'Host: LOCALHOST:80']);
    expect(fine.status).toBe(200);
  });

  it('leaves the dot segments of a task path to URL resolution (404 for the route, not a task lookup)', async () => {
    for (const segment of ['.', '..']) {
      const res = await rawRequest(`${t.url}/`, [
        `GET /api/claude/task/${segment} HTTP/1.1`,
        `Authorization: Bearer ${client.apiKey}`,
      ]);
      expect(res.status, segment).toBe(404);
      expect(JSON.parse(res.body).error.code, segment).toBe('not_found');
    }
  });
});

describe('request timeout on both paths', () => {
  let t: TestServer;
  let client: RegisteredClient;
  beforeAll(async () => {
    t = await startTestServer({ env: { REQUEST_TIMEOUT_MS: '300' } });
    client = await registerClient(t);
  });
  afterAll(() => t?.close());

  it('answers a body that arrives too slowly with 503 once REQUEST_TIMEOUT_MS has passed, and closes', async () => {
    for (const framing of ['content-length', 'chunked'] as const) {
      const started = Date.now();
      const res = await new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
        const u = new URL(`${t.url}/api/claude/query`);
        const req = httpRequest(
          {
            host: u.hostname,
            port: u.port,
            path: u.pathname,
            method: 'POST',
            headers: {
              ...bearer(client.apiKey),
              'content-type': 'application/json',
              ...(framing === 'content-length' ? { 'content-length': '1000' } : { 'transfer-encoding': 'chunked' }),
            },
          },
          (answer) => {
            let text = '';
            answer.on('data', (c: Buffer) => {
              text += c.toString();
            });
            answer.on('end', () =>
              resolve({ status: answer.statusCode ?? 0, body: text, connection: answer.headers.connection }),
            );
          },
        );
        req.on('error', reject);
        req.setTimeout(5_000, () => req.destroy(new Error('no answer in 5 s')));
        req.write('{"prompt": "slow');
      });
      expect(res.status, framing).toBe(503);
      expect(JSON.parse(res.body).error.code).toBe('service_unavailable');
      expect(res.connection, framing).toBe('close');
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  });

  it('waits for a task submission already under way instead of answering 503 for a task that then lands', async () => {
    for (const path of ['fast', 'hono'] as const) {
      const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await db.connect();
      try {
        // The insert waits on the lock past REQUEST_TIMEOUT_MS (300 ms), not past twice that.
        await db.query('BEGIN');
        await db.query(`LOCK TABLE "${t.schema}".tasks IN EXCLUSIVE MODE`);
        const release = new Promise((r) => setTimeout(r, 450)).then(() => db.query('COMMIT'));
        const payload = JSON.stringify({ prompt: `under a lock (${path})` });
        const headers = { ...bearer(client.apiKey), 'content-type': 'application/json' };
        const res =
          path === 'fast'
            ? await http<{ taskId: string }>(`${t.url}/api/claude/queue`, { rawBody: payload, headers })
            : await chunkedTo(t.url, '/api/claude/queue', payload, headers);
        await release;
        expect(res.status, path).toBe(202);
        const { rows } = await db.query(`SELECT id FROM "${t.schema}".tasks WHERE id = $1`, [res.body.taskId]);
        expect(rows, path).toHaveLength(1);
      } finally {
        await db.end();
      }
    }
  });
});

describe('fast lane with CORS configured', () => {
  let t: TestServer;
  let client: RegisteredClient;
  beforeAll(async () => {
    t = await startTestServer({ env: { CORS_ORIGINS: 'https://app.example.com' } });
    client = await registerClient(t);
  });
  afterAll(() => t?.close());

  it('gives a request without an Origin the same headers as one the Hono app answers (Vary included)', async () => {
    const body = JSON.stringify({ prompt: 'cors parity', caching: false });
    const plain = await http(`${t.url}/api/claude/query`, {
      rawBody: body,
      headers: { ...bearer(client.apiKey), 'content-type': 'application/json' },
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('vary')).toContain('Origin');
  });
});
