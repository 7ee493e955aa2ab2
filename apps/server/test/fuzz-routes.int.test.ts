import { type RestRoute, restRoutes } from '@claude-proxy/api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestServer, TEST_ADMIN_KEY, type TestServer } from './helpers.js';

/** Cases per route: with the table's routes this keeps the whole run to a few hundred requests. */
const RUNS_PER_ROUTE = Math.ceil(300 / restRoutes.length);

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u202e',
    '\ud800',
    '../../etc/passwd',
    '%00',
    "'; DROP TABLE x;--",
    '𝕏'.repeat(40),
  ),
);
const huge = fc.constantFrom(10_000, 200_000, 1_100_000).map((n) => 'é'.repeat(n));
const wrongType = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer()), text);

/** Bodies that look like requests (right keys, wrong values), plus anything JSON, plus what is not JSON at all. */
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        prompt: fc.oneof(text, huge, wrongType),
        system: fc.oneof(text, wrongType),
        caching: wrongType,
        parameters: fc.oneof(
          wrongType,
          fc.record(
            {
              temperature: fc.oneof(fc.double(), wrongType),
              maxTokens: fc.oneof(fc.integer(), wrongType),
              model: fc.oneof(fc.constantFrom('claude-3', 'claude-3-haiku', 'nope'), text),
              topP: fc.oneof(fc.double(), wrongType),
              topK: fc.oneof(fc.integer(), wrongType),
            },
            { requiredKeys: [] },
          ),
        ),
        query: wrongType,
        queue: wrongType,
        maxTokens: wrongType,
        metadata: fc.oneof(wrongType, fc.dictionary(text, wrongType)),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.oneof(text, huge),
  fc.constant('{"prompt":'),
  fc.constant(`${'['.repeat(100_000)}`),
  fc.constant(`{"prompt":"hi","metadata":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`),
  fc
    .constantFrom('\u0000', '\ud800', 'ok\udfff')
    .map((bad) => JSON.stringify({ prompt: `x${bad}`, metadata: { [bad]: bad } })),
  fc.constant(undefined),
);

const method = (route: RestRoute) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(route.method) },
    { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') },
  );

/** Percent-encodes anything, lone surrogates included (they become U+FFFD, as a browser would send them). */
const enc = (s: string) =>
  encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** The route's path with each `:param` replaced, sometimes followed by junk segments and a query string. */
const path = (route: RestRoute) =>
  fc
    .record({
      params: fc.array(fc.oneof(text, fc.constantFrom('anonymous', 'task_1', 'a'.repeat(300))), {
        minLength: 4,
        maxLength: 4,
      }),
      suffix: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: text }),
      query: fc.array(fc.tuple(text, text), { maxLength: 4 }),
      rawQuery: fc.constantFrom('', '?%', '?a=%ZZ', '?apiKey=', '?apiKey=%E0%A4%A', '?page=-1&limit=1e9'),
    })
    .map(({ params, suffix, query, rawQuery }) => {
      let i = 0;
      const filled = route.path.replace(/:[A-Za-z]+/g, () => enc(params[i++] || 'x'));
      const extra = suffix ? `/${enc(suffix)}` : '';
      const qs = query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
      return `${filled}${extra}${rawQuery || (qs ? `?${qs}` : '')}`;
    });

/** Half the cases carry the admin key, so validation behind authentication is fuzzed too. */
const credentials = fc.constantFrom<Record<string, string>>({}, bearer(TEST_ADMIN_KEY));

const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined);

describe('fuzzing every REST route', () => {
  let t: TestServer;
  beforeAll(async () => {
    const high = '1000000';
    t = await startTestServer({
      env: {
        RATE_LIMIT_QUERY_PER_MIN: high,
        RATE_LIMIT_QUEUE_PER_MIN: high,
        RATE_LIMIT_READ_PER_MIN: high,
        RATE_LIMIT_IP_PER_MIN: high,
        LOG_LEVEL: 'error',
      },
    });
  });
  afterAll(() => t?.close());

  for (const route of restRoutes) {
    it(`${route.method} ${route.path} answers only 2xx/4xx in the error shape`, async () => {
      await fc.assert(
        fc.asyncProperty(method(route), path(route), body, contentType, credentials, async (m, p, b, type, auth) => {
          const hasBody = b !== undefined && m !== 'GET';
          const res = await fetch(`${t.url}${p}`, {
            method: m,
            headers: { ...auth, ...(type && hasBody ? { 'content-type': type } : {}) },
            ...(hasBody ? { body: b } : {}),
          });
          const raw = await res.text();
          expect(res.status, `${m} ${p} -> ${raw.slice(0, 300)}`).toBeLessThan(500);
          expect(res.headers.get('x-request-id')).toBeTruthy();
          expect(res.headers.get('x-content-type-options')).toBe('nosniff');
          if (res.status >= 400) {
            const parsed = JSON.parse(raw) as { error: Record<string, unknown> };
            expect(Object.keys(parsed)).toEqual(['error']);
            expect(typeof parsed.error.code).toBe('string');
            expect(typeof parsed.error.message).toBe('string');
            expect(parsed.error.requestId).toBe(res.headers.get('x-request-id'));
          } else if (raw) {
            JSON.parse(raw);
          }
        }),
        {
          numRuns: RUNS_PER_ROUTE,
          endOnFailure: true,
          ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
        },
      );
      // No fault was logged while fuzzing.
      expect(t.logs.records.filter((r) => r.level === 'ERROR')).toEqual([]);
    });
  }
});
