import type { AppRouter } from '@claude-proxy/api';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestServer, type TestServer } from './helpers.js';

describe('tRPC transport', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const client = () =>
    createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${t.url}/trpc`, transformer: superjson })] });

  it('returns the same shape as REST for the same query', async () => {
    const input = { prompt: 'Explain the categorical imperative', parameters: { model: 'claude-3' } };
    const viaTrpc = await client().claude.query.mutate(input);
    const viaRest = await http<typeof viaTrpc>(`${t.url}/api/claude/query`, { body: input });
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

  it('serves health', async () => {
    const health = await client().health.query();
    expect(health.status).toBe('healthy');
    expect(health.components.database?.status).toBe('healthy');
  });
});
