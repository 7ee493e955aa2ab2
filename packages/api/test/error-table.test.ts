import { AppError, ERROR_CODES, ERROR_TABLE, type ErrorCode } from '@claude-proxy/core';
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRequestContext, errorResult, publicProcedure, toAppError } from '../src/index.js';
import { router } from '../src/trpc.js';

const services = {} as never;

const boomRouter = router({
  boom: publicProcedure.input(z.object({ code: z.string() })).query(({ input }) => {
    throw new AppError(input.code as ErrorCode, `failed with ${input.code}`, {
      details: 'why: test',
      ...(input.code === 'result_not_available' ? { extra: { taskStatus: 'processing' } } : {}),
      ...(input.code === 'rate_limit_exceeded' ? { retryAfter: 7 } : {}),
    });
  }),
});

async function viaTrpc(code: ErrorCode) {
  const ctx = createRequestContext({ services, requestId: 'req-1', ip: '127.0.0.1', credential: undefined });
  const input = encodeURIComponent(JSON.stringify(superjson.serialize({ code })));
  const res = await fetchRequestHandler({
    endpoint: '/trpc',
    req: new Request(`http://x/trpc/boom?input=${input}`),
    router: boomRouter,
    createContext: () => ctx,
  });
  return {
    status: res.status,
    body: (await res.json()) as { error: { json: { message: string; data: Record<string, unknown> } } },
  };
}

describe('one error table for REST and tRPC', () => {
  it('answers only the statuses of the spec (X3)', () => {
    const x3 = [400, 401, 403, 404, 429, 500, 503];
    // 405 is the one addition: a known path asked with another method, answered with Allow.
    for (const code of ERROR_CODES) expect([...x3, 405]).toContain(ERROR_TABLE[code].status);
    expect(ERROR_CODES.filter((c) => ERROR_TABLE[c].status === 405)).toEqual(['method_not_allowed']);
  });

  it.each(ERROR_CODES)('%s has the same HTTP status through tRPC as in the table', (code) => {
    const status = getHTTPStatusCodeFromError(new TRPCError({ code: ERROR_TABLE[code].trpc }));
    expect(status).toBe(ERROR_TABLE[code].status);
  });

  it.each(ERROR_CODES)('%s answers the same status and code over REST and tRPC', async (code) => {
    const ctx = createRequestContext({ services, requestId: 'req-1', ip: '127.0.0.1', credential: undefined });
    const rest = errorResult(new AppError(code, `failed with ${code}`, { details: 'why: test' }), ctx);
    const trpc = await viaTrpc(code);
    expect(rest.status).toBe(ERROR_TABLE[code].status);
    expect(trpc.status).toBe(rest.status);
    expect(rest.body).toEqual({
      error: { code, message: `failed with ${code}`, details: 'why: test', requestId: 'req-1' },
    });
    expect(trpc.body.error.json.message).toBe(`failed with ${code}`);
    expect(trpc.body.error.json.data).toMatchObject({ code, httpStatus: rest.status, requestId: 'req-1' });
    expect(JSON.stringify(trpc.body)).not.toContain('stack');
  });

  it('carries extra fields and Retry-After', async () => {
    const ctx = createRequestContext({ services, requestId: 'r', ip: '', credential: undefined });
    const rest = errorResult(new AppError('rate_limit_exceeded', 'slow down', { retryAfter: 7 }), ctx);
    expect(ctx.responseHeaders.get('retry-after')).toBe('7');
    expect(rest.status).toBe(429);
    const trpc = await viaTrpc('result_not_available');
    expect(trpc.body.error.json.data).toMatchObject({ taskStatus: 'processing' });
  });

  it('turns unknown faults into a generic 500 without internals', () => {
    const ctx = createRequestContext({ services, requestId: 'r', ip: '', credential: undefined });
    const rest = errorResult(new Error('connection string postgres://secret@db'), ctx);
    expect(rest.status).toBe(500);
    expect(JSON.stringify(rest.body)).not.toContain('secret');
    expect(rest.body).toEqual({
      error: { code: 'internal_server_error', message: 'Internal server error', requestId: 'r' },
    });
  });
});

describe('a lost database connection', () => {
  it('is a 503 with Retry-After, not a 500, whether thrown as is or wrapped by tRPC', () => {
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    const cases: unknown[] = [
      terminated,
      new Error('Connection terminated unexpectedly'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: terminated }),
    ];
    for (const error of cases) {
      const app = toAppError(error);
      expect(app.code, String(error)).toBe('service_unavailable');
      expect(app.retryAfter).toBe(1);
    }
    expect(toAppError(new Error('something else')).code).toBe('internal_server_error');
    expect(toAppError(Object.assign(new Error('unique violation'), { code: '23505' })).code).toBe(
      'internal_server_error',
    );
  });
});
