import { connect } from 'node:net';
import { type Simulator, startSimulator } from '@claude-proxy/claude-sim';
import { manualClock } from '@claude-proxy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, dropSchemas, adminHttp as http, startTestServer, type TestServer, uniqueSchema } from './helpers.js';

type ErrorBody = { error: { code: string; message: string; requestId: string } };

/** A wrong key: traffic that has no client, so it is limited by IP (the failed-authentication limit). */
const WRONG_KEY = `sk_live_${'W'.repeat(32)}`;
const hit = (url: string, headers: Record<string, string> = {}) =>
  http(`${url}/api/claude/query`, { body: { prompt: 'who am I' }, headers: { ...bearer(WRONG_KEY), ...headers } });

describe('client IP and X-Forwarded-For', () => {
  let direct: TestServer;
  let proxied: TestServer;
  beforeAll(async () => {
    const env = { RATE_LIMIT_AUTH_FAILURES_PER_MIN: '2' };
    direct = await startTestServer({ env });
    proxied = await startTestServer({ env: { ...env, TRUSTED_PROXIES: '127.0.0.1, ::1' }, sharedSim: direct.sim });
  });
  afterAll(async () => {
    await proxied?.close();
    await direct?.close();
  });

  it('ignores a spoofed X-Forwarded-For from an untrusted peer', async () => {
    const statuses = [];
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      statuses.push((await hit(direct.url, { 'x-forwarded-for': ip })).status);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });

  it('believes X-Forwarded-For from a trusted proxy, read from the right', async () => {
    const statuses = [];
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      statuses.push((await hit(proxied.url, { 'x-forwarded-for': ip })).status);
    }
    expect(statuses).toEqual([401, 401, 401]);
    // What the client wrote left of the proxy's entry does not make it someone else.
    const same = [];
    for (const spoof of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) {
      same.push((await hit(proxied.url, { 'x-forwarded-for': `${spoof}, 203.0.113.9` })).status);
    }
    expect(same).toEqual([401, 401, 429]);
  });
});

describe('CORS, security headers, body size, timeout', () => {
  let t: TestServer;
  let open: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        CORS_ORIGINS: 'https://app.example.com,https://admin.example.com',
        REQUEST_TIMEOUT_MS: '300',
        UPSTREAM_MAX_ATTEMPTS: '1',
        TRUSTED_PROXIES: '127.0.0.1',
      },
    });
    open = await startTestServer({ sharedSim: t.sim });
  });
  afterAll(async () => {
    await open?.close();
    await t?.close();
  });

  const preflight = (url: string, origin: string) =>
    fetch(`${url}/api/claude/query`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });

  it('answers a preflight for an allowed origin', async () => {
    const res = await preflight(t.url, 'https://app.example.com');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST,PUT,DELETE');
    expect(res.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type,X-Request-ID');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('gives a refused origin nothing a browser would accept', async () => {
    const res = await preflight(t.url, 'https://evil.example.net');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const post = await http(`${t.url}/api/claude/query`, { body: {}, headers: { origin: 'https://evil.example.net' } });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an allowed origin read the rate-limit headers of an answer', async () => {
    const res = await http(`${t.url}/api/claude/query`, { body: {}, headers: { origin: 'https://admin.example.com' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
    expect(res.headers.get('access-control-expose-headers')).toContain('X-RateLimit-Remaining');
  });

  it('sends no CORS headers at all when no origin is configured', async () => {
    const res = await preflight(open.url, 'https://app.example.com');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    // Without CORS, OPTIONS is just a method the route does not have.
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBeTruthy();
  });

  it('sets the security headers on every answer, HSTS only behind TLS', async () => {
    for (const res of [await http(`${t.url}/api/health`), await http(`${t.url}/nowhere`), await hit(t.url)]) {
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      );
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
    const tls = await http(`${t.url}/api/health`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(tls.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    const spoofed = await http(`${open.url}/api/health`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(spoofed.headers.get('strict-transport-security')).toBeNull();
  });

  it('answers a 2 MiB body with 400 invalid_request in the error shape, over REST and tRPC', async () => {
    const big = JSON.stringify({ prompt: 'x'.repeat(2 * 1024 * 1024) });
    for (const path of ['/api/claude/query', '/trpc/claude.query']) {
      const res = await http<ErrorBody>(`${t.url}${path}`, {
        method: 'POST',
        rawBody: big,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(/exceeds \d+ bytes|too large/i);
      expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
    }
  });

  it("answers what Node's HTTP parser refuses (bad syntax, huge headers) in the error shape, not empty", async () => {
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const { port } = new URL(t.url);
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
        const chunks: Buffer[] = [];
        socket.on('data', (d) => chunks.push(d));
        socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
        socket.on('error', reject);
      });
    const cases: [request: string, status: number][] = [
      ['GARBAGE / HTTP/1.1\r\n\r\n', 400],
      // 400, not 431: the spec's statuses (X3).
      [`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 400],
    ];
    for (const [request, status] of cases) {
      const answer = await raw(request);
      expect(answer.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
      const [head, body] = answer.split('\r\n\r\n');
      const parsed = JSON.parse(body ?? '') as ErrorBody;
      expect(parsed.error.code).toBe('invalid_request');
      expect(head).toContain(`X-Request-ID: ${parsed.error.requestId}`);
    }
  });

  it('answers a request that takes too long with 503 in the error shape instead of hanging', async () => {
    t.sim.setOptions({ ttftMs: 2_000 });
    try {
      const started = Date.now();
      const res = await http<ErrorBody>(`${t.url}/api/claude/query`, { body: { prompt: 'slow', caching: false } });
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('service_unavailable');
      expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
      expect(res.headers.get('retry-after')).toBe('1');
    } finally {
      t.sim.setOptions({ ttftMs: 0 });
    }
  });
});

describe('failed authentication per IP, shared by two instances', () => {
  const clock = manualClock(Date.UTC(2026, 0, 1));
  const schema = uniqueSchema('rla');
  let sim: Simulator;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    sim = await startSimulator();
    const env = { RATE_LIMIT_AUTH_FAILURES_PER_MIN: '5' };
    a = await startTestServer({ schema, sharedSim: sim, clock, env });
    b = await startTestServer({ schema, sharedSim: sim, clock, env });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await sim?.close();
    await dropSchemas(schema);
  });

  it('allows the limit of failures across both instances, then blocks the IP on each', async () => {
    const ip = '198.51.100.77';
    const limits = [a.server.services.rateLimits.failedAuth, b.server.services.rateLimits.failedAuth];
    const decisions = [];
    for (let i = 0; i < 7; i++) decisions.push((await limits[i % 2]!.recordFailure(ip))?.allowed);
    expect(decisions).toEqual([true, true, true, true, true, false, false]);
    expect(limits[0]!.blockedFor(ip)).toBe(12);
    expect(limits[1]!.blockedFor(ip)).toBe(12);
    expect(limits[0]!.blockedFor('198.51.100.78')).toBeUndefined();
    clock.advance(12_000);
    expect(limits[0]!.blockedFor(ip)).toBeUndefined();
    expect((await limits[0]!.recordFailure(ip))?.allowed).toBe(true);
    expect((await limits[1]!.recordFailure(ip))?.allowed).toBe(false);
  });

  it('answers wrong keys from one address with 401 up to the limit across both instances, then 429 on each', async () => {
    clock.advance(120_000);
    const wrong = (t: TestServer, i: number) =>
      http<ErrorBody>(`${t.url}/api/claude/query`, {
        body: { prompt: 'guess' },
        headers: bearer(`sk_live_${String(i).padStart(32, 'G')}`),
      });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await wrong(i % 2 === 0 ? a : b, i)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // b has seen only two of the five failures; the shared count refuses its next one all the same.
    for (const [i, t] of [b, a, b].entries()) {
      const res = await wrong(t, 10 + i);
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('rate_limit_exceeded');
      expect(res.body.error.message).toMatch(/failed authentication/);
      expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // One allowance per minute at most: after one interval (12 s at 5 per minute) one more attempt is heard.
    clock.advance(12_000);
    expect((await wrong(b, 20)).status).toBe(401);
    expect((await wrong(a, 21)).status).toBe(429);
  });
});
