import type { AppRouter } from '@claude-proxy/api';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, http, registerClient, startTestServer, type TestServer } from './helpers.js';

describe('tRPC transport', () => {
  let t: TestServer;
  let apiKey: string;
  beforeAll(async () => {
    t = await startTestServer();
    apiKey = (await registerClient(t, ['query'])).apiKey;
  });
  afterAll(() => t.close());

  const client = (credential: string | null = apiKey) =>
    createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `${t.url}/trpc`,
          transformer: superjson,
          headers: () => (credential ? bearer(credential) : {}),
        }),
      ],
    });

  it('returns the same shape as REST for the same query', async () => {
    const input = { prompt: 'Explain the categorical imperative', parameters: { model: 'claude-3' } };
    const viaTrpc = await client().claude.query.mutate(input);
    const viaRest = await http<typeof viaTrpc>(`${t.url}/api/claude/query`, { body: input, headers: bearer(apiKey) });
    expect(viaRest.status).toBe(200);
    expect(Object.keys(viaTrpc).sort()).toEqual(Object.keys(viaRest.body).sort());
    expect(viaTrpc.content).toBe(viaRest.body.content);
    expect(viaTrpc.usage).toEqual(viaRest.body.usage);
    expect(viaTrpc.metadata.model).toBe(viaRest.body.metadata.model);
    expect(viaRest.body.metadata.cached).toBe(true);
  });

  it('reports validation failures with the spec code and request id', async () => {
    const error = await client()
      .claude.query.mutate({ prompt: '' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    const data = (error as TRPCClientError<AppRouter>).data as { code: string; httpStatus: number; requestId: string };
    expect(data.code).toBe('invalid_request');
    expect(data.httpStatus).toBe(400);
    expect(data.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a body that is not JSON as REST does: 400 invalid_request carrying the request id', async () => {
    const refused: Record<string, string>[] = [
      { 'content-type': 'text/xml' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    ];
    for (const headers of refused) {
      const res = await http<{ error: { code: string; message: string; requestId: string } }>(
        `${t.url}/trpc/claude.query`,
        { method: 'POST', rawBody: '{"json":{"prompt":"x"}}', headers: { ...bearer(apiKey), ...headers } },
      );
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(/Content-(Type|Encoding)/);
      expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
    }
  });

  it('refuses a query without credentials with the spec code, and serves the auth procedures', async () => {
    const error = await client(null)
      .claude.query.mutate({ prompt: 'x' })
      .catch((e: unknown) => e);
    const data = (error as TRPCClientError<AppRouter>).data as { code: string; httpStatus: number };
    expect(data).toMatchObject({ code: 'authentication_error', httpStatus: 401 });

    const issued = await client().auth.token.mutate({ apiKey, expiresIn: '30m' });
    expect(issued.tokenType).toBe('Bearer');
    const answer = await client(issued.token).claude.query.mutate({ prompt: 'via a token' });
    expect(answer.content.length).toBeGreaterThan(0);
    const forbidden = await client(issued.token)
      .auth.listClients.query()
      .catch((e: unknown) => e);
    expect((forbidden as TRPCClientError<AppRouter>).data).toMatchObject({ code: 'authorization_error' });
  });

  it('serves health', async () => {
    const health = await client(null).health.query();
    expect(health.status).toBe('healthy');
    expect(health.components.database?.status).toBe('healthy');
  });
});
