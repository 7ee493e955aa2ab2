import { procedureMeta, type RestRoute, restRoutes } from '@claude-proxy/api';
import { manualClock } from '@claude-proxy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, http, type JsonResponse, registerClient, startTestServer, type TestServer } from './helpers.js';
import { makeCredentials, type SuiteCredentials } from './security/credentials.js';
import { type FixtureContext, fillPath, routeFixtures } from './security/route-fixtures.js';

type ErrorBody = { error: { code: string; message: string; requestId: string } };

/**
 * The shared security suite (issue 5, "Done when"): every route of the REST table, whatever it is, is called
 * with each kind of bad credential. New routes are covered by being in the table.
 */
describe('security suite over every REST route', () => {
  let t: TestServer;
  let creds: SuiteCredentials;
  let ctx: FixtureContext;
  const clock = manualClock(Date.now());

  beforeAll(async () => {
    t = await startTestServer({
      clock,
      // The suite fails on purpose hundreds of times from one IP: the limiters have their own tests. A long
      // cache TTL proves revocations drop cached verifications rather than waiting them out.
      env: { RATE_LIMIT_AUTH_FAILURES_PER_MIN: '0', ANOMALY_MAX_FAILURES: '0', AUTH_CACHE_TTL_SECONDS: '3600' },
    });
    ctx = { t, register: (permissions) => registerClient(t, permissions) };
    creds = await makeCredentials(t, (ms) => clock.advance(ms));
  });
  afterAll(() => t.close());

  const call = async (route: RestRoute, credential: string | undefined, how: 'header' | 'query' = 'header') => {
    const fixture = routeFixtures[`${route.method} ${route.path}`] ?? {};
    const params = fixture.params ? await fixture.params(ctx) : {};
    let url = `${t.url}${fillPath(route.path, params)}`;
    if (credential && how === 'query') url += `?apiKey=${encodeURIComponent(credential)}`;
    return http<ErrorBody>(url, {
      method: route.method,
      ...(route.body ? { body: fixture.body ?? {} } : {}),
      ...(credential && how === 'header' ? { headers: bearer(credential) } : {}),
    });
  };

  const expectRefused = (res: JsonResponse<ErrorBody>, status: 401 | 403, secret?: string) => {
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(status === 401 ? 'authentication_error' : 'authorization_error');
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
    if (secret) expect(JSON.stringify(res.body)).not.toContain(secret);
  };

  it('knows the access rule of every route', () => {
    for (const route of restRoutes) expect(procedureMeta(route.procedure), route.procedure).toBeDefined();
  });

  for (const route of restRoutes) {
    const meta = procedureMeta(route.procedure) ?? {};
    const name = `${route.method} ${route.path}`;
    const permission = meta.permission;

    if (permission) {
      describe(`${name} (needs '${permission}')`, () => {
        const okStatus = () => routeFixtures[name]?.okStatus;
        const expectPassed = (res: JsonResponse<ErrorBody>) => {
          expect([401, 403], JSON.stringify(res.body)).not.toContain(res.status);
          if (okStatus()) expect(res.status, JSON.stringify(res.body)).toBe(okStatus());
        };

        it('passes with a key holding the permission, in the header, the query string, or as a JWT', async () => {
          const good = creds.good[permission];
          expectPassed(await call(route, good.apiKey));
          expectPassed(await call(route, good.apiKey, 'query'));
          expectPassed(await call(route, good.token));
        });
        it('401 without credentials', async () => expectRefused(await call(route, undefined), 401));
        it('401 for malformed keys', async () => {
          for (const bad of creds.malformed) expectRefused(await call(route, bad), 401, bad);
        });
        it('401 for a wrong key (header and query string)', async () => {
          expectRefused(await call(route, creds.wrong), 401, creds.wrong);
          expectRefused(await call(route, creds.wrong, 'query'), 401, creds.wrong);
        });
        it('401 for an expired key', async () => expectRefused(await call(route, creds.expired), 401, creds.expired));
        it('401 for a revoked key', async () => expectRefused(await call(route, creds.revoked), 401, creds.revoked));
        it('401 for a JWT whose key was revoked', async () =>
          expectRefused(await call(route, creds.tokenOfRevoked), 401, creds.tokenOfRevoked));
        it('401 for a JWT signed with another secret', async () =>
          expectRefused(await call(route, creds.otherSecretToken), 401));
        it('401 for an alg:none JWT', async () => expectRefused(await call(route, creds.algNoneToken), 401));
        it('403 for a key without the permission (and its JWT)', async () => {
          expectRefused(await call(route, creds.lacking[permission]), 403);
        });

        const fixture = routeFixtures[name];
        if (fixture?.foreignResource) {
          it("404 for another client's resource, exactly as for a missing one", async () => {
            const owner = await registerClient(t, ['query', 'queue']);
            const params = await fixture.foreignResource!(ctx, owner);
            const other = creds.good[permission].apiKey;
            const url = (p: Record<string, string>) => `${t.url}${fillPath(route.path, p)}`;
            const foreign = await http<ErrorBody>(url(params), { method: route.method, headers: bearer(other) });
            const missing = await http<ErrorBody>(url(fixture.missingResource ?? {}), {
              method: route.method,
              headers: bearer(other),
            });
            expect(foreign.status).toBe(404);
            expect(foreign.status).toBe(missing.status);
            expect(foreign.body.error.code).toBe(missing.body.error.code);
            // The fixture did name a real resource: its owner reaches it.
            const own = await http<ErrorBody>(url(params), { method: route.method, headers: bearer(owner.apiKey) });
            expect(own.status, JSON.stringify(own.body)).not.toBe(404);
          });
        }
      });
    } else if (meta.credentialInBody) {
      describe(`${name} (key in the body)`, () => {
        const post = (body: unknown) => http<ErrorBody>(`${t.url}${route.path}`, { method: route.method, body });
        it('issues a token for a valid key', async () => {
          expect((await post({ apiKey: creds.good.query.apiKey })).status).toBe(200);
        });
        it('400 without apiKey', async () => expect((await post({})).status).toBe(400));
        it('401 for malformed, wrong, expired and revoked keys, and for JWTs', async () => {
          const bad = [
            ...creds.malformed,
            creds.wrong,
            creds.expired,
            creds.revoked,
            creds.good.query.token,
            creds.otherSecretToken,
            creds.algNoneToken,
          ];
          for (const apiKey of bad) expectRefused(await post({ apiKey }), 401, apiKey);
        });
      });
    } else {
      it(`${name} is public`, async () => {
        expect((await call(route, undefined)).status).not.toBe(401);
      });
    }
  }
});
