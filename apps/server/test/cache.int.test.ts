import { manualClock } from '@claude-proxy/core';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  adminHttp as http,
  startTestServer,
  TEST_DATABASE_URL,
  type TestServer,
  uniqueSchema,
  waitFor,
} from './helpers.js';

type Answer = { content: string; metadata: { cached: boolean } };
const clock = manualClock(Date.UTC(2026, 5, 1));

describe('response cache (C1-C4)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ clock, env: { CACHE_TTL_SECONDS: '3600', UPSTREAM_RETRY_BASE_DELAY_MS: '1' } });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    t.sim.reset();
    await http(`${t.url}/api/admin/cache`, { method: 'DELETE' });
  });

  const query = (body: unknown) => http<Answer>(`${t.url}/api/claude/query`, { body });

  it('a repeat is a hit with Cache-Control max-age counting down; key order does not matter', async () => {
    const first = await query({ prompt: 'cache me', parameters: { temperature: 0.5, maxTokens: 200 } });
    expect(first.status).toBe(200);
    expect(first.body.metadata.cached).toBe(false);
    expect(first.headers.get('cache-control')).toBe('max-age=3600');

    clock.advance(600_000);
    const second = await query({ parameters: { maxTokens: 200, temperature: 0.5 }, prompt: 'cache me' });
    expect(second.body.metadata.cached).toBe(true);
    expect(second.body.content).toBe(first.body.content);
    expect(second.headers.get('cache-control')).toBe('max-age=3000');
    expect(second.headers.get('x-cache-key')).toBe(first.headers.get('x-cache-key'));
    expect(t.sim.messageCount()).toBe(1);
  });

  it('every parameter change is a miss', async () => {
    const base = {
      prompt: 'vary',
      system: 's',
      parameters: { temperature: 0.5, maxTokens: 200, topK: 3, model: 'claude-3' },
    };
    const variants = [
      base,
      { ...base, prompt: 'vary!' },
      { ...base, system: 's2' },
      { ...base, parameters: { ...base.parameters, temperature: 0.6 } },
      { ...base, parameters: { ...base.parameters, maxTokens: 201 } },
      { ...base, parameters: { ...base.parameters, topK: 4 } },
      { ...base, parameters: { ...base.parameters, model: 'claude-3-opus' } },
      { prompt: 'vary', system: 's', parameters: { topP: 0.9, maxTokens: 200, topK: 3 } },
    ];
    for (const v of variants) expect((await query(v)).body.metadata.cached).toBe(false);
    expect(t.sim.messageCount()).toBe(variants.length);
    for (const v of variants) expect((await query(v)).body.metadata.cached).toBe(true);
    expect(t.sim.messageCount()).toBe(variants.length);
  });

  it('an alias and its model id share an entry', async () => {
    await query({ prompt: 'alias', parameters: { model: 'claude-3' } });
    const again = await query({ prompt: 'alias', parameters: { model: 'claude-sonnet-4-6' } });
    expect(again.body.metadata.cached).toBe(true);
  });

  it('10 identical concurrent requests make one upstream call', async () => {
    t.sim.setOptions({ ttftMs: 100 });
    const results = await Promise.all(Array.from({ length: 10 }, () => query({ prompt: 'together' })));
    t.sim.setOptions({ ttftMs: 0 });
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.content)).size).toBe(1);
    expect(t.sim.messageCount()).toBe(1);
  });

  it('caching:false neither reads nor writes, and says no-store', async () => {
    await query({ prompt: 'stored' });
    const bypass = await query({ prompt: 'stored', caching: false });
    expect(bypass.body.metadata.cached).toBe(false);
    expect(bypass.headers.get('cache-control')).toBe('no-store');
    await query({ prompt: 'never stored', caching: false });
    const after = await query({ prompt: 'never stored' });
    expect(after.body.metadata.cached).toBe(false);
    expect(t.sim.messageCount()).toBe(4);
  });

  it('errors are not cached', async () => {
    t.sim.script([{ kind: 'error', status: 400, type: 'invalid_request_error', message: 'nope' }]);
    const failed = await query({ prompt: 'error once' });
    expect(failed.status).toBe(400);
    const ok = await query({ prompt: 'error once' });
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.cached).toBe(false);
    expect(t.sim.messageCount()).toBe(2);
  });

  it('a truncated answer (stop_reason max_tokens) is not cached', async () => {
    const body = { prompt: 'Write a very long essay about everything there is', parameters: { maxTokens: 3 } };
    const first = await query(body);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const second = await query(body);
    expect(second.body.metadata.cached).toBe(false);
    expect(t.sim.messageCount()).toBe(2);
  });

  it('entries expire after the TTL (injected clock)', async () => {
    await query({ prompt: 'expiring' });
    clock.advance(3_599_000);
    expect((await query({ prompt: 'expiring' })).body.metadata.cached).toBe(true);
    clock.advance(2_000);
    expect((await query({ prompt: 'expiring' })).body.metadata.cached).toBe(false);
    expect(t.sim.messageCount()).toBe(2);
  });

  it('a cache table that cannot be read or written costs only the caching: the query still answers', async () => {
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      await db.query(`ALTER TABLE "${t.schema}".cache_entries RENAME TO cache_entries_away`);
      const res = await query({ prompt: 'cache table away' });
      expect(res.status).toBe(200);
      expect(res.body.metadata.cached).toBe(false);
      expect(t.sim.messageCount()).toBe(1);
      expect(t.logs.records.some((l) => l.message === 'cache lookup failed; treated as a miss')).toBe(true);
      expect(t.logs.records.some((l) => String(l.message).startsWith('cache write failed'))).toBe(true);
    } finally {
      await db.query(`ALTER TABLE "${t.schema}".cache_entries_away RENAME TO cache_entries`);
      await db.end();
    }
  });

  it('scopes entries per client by default', async () => {
    // Today every caller is one client; the scope shows in the key: a shared-cache server computes another one.
    const a = await query({ prompt: 'scoped' });
    const shared = await startTestServer({ sharedSim: t.sim, env: { CACHE_SHARED: 'true' } });
    try {
      const b = await http<Answer>(`${shared.url}/api/claude/query`, { body: { prompt: 'scoped' } });
      expect(b.headers.get('x-cache-key')).not.toBe(a.headers.get('x-cache-key'));
    } finally {
      await shared.close();
    }
  });
});

describe('forced invalidation on every instance (C3)', () => {
  const schema = uniqueSchema();
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    one = await startTestServer({ schema, dropSchemaOnClose: false });
    two = await startTestServer({ schema, sharedSim: one.sim, dropSchemaOnClose: true });
  });
  afterAll(async () => {
    await one.close();
    await two.close();
  });

  it('an entry written by one instance is a hit on the other, and invalidation empties both tiers everywhere', async () => {
    const body = { prompt: 'shared entry' };
    const a = await http<Answer>(`${one.url}/api/claude/query`, { body });
    const b = await http<Answer>(`${two.url}/api/claude/query`, { body });
    expect(a.body.metadata.cached).toBe(false);
    expect(b.body.metadata.cached).toBe(true);
    const c = await http<Answer>(`${one.url}/api/claude/query`, { body: { prompt: 'other entry' } });
    await http<Answer>(`${two.url}/api/claude/query`, { body: { prompt: 'other entry' } });

    const one_ = await http<{ removed: number }>(`${one.url}/api/admin/cache?key=${a.headers.get('x-cache-key')}`, {
      method: 'DELETE',
    });
    expect(one_.status).toBe(200);
    expect(one_.body.removed).toBe(1);
    // The other instance hears of it over LISTEN/NOTIFY within milliseconds.
    const key = a.headers.get('x-cache-key') ?? '';
    await waitFor(() => !two.server.services.cache.hasLocal(key), 1_000);
    expect(two.server.services.cache.hasLocal()).toBe(true);
    // Both tiers on both instances: the next request on the other instance goes upstream.
    const calls = one.sim.messageCount();
    const again = await http<Answer>(`${two.url}/api/claude/query`, { body });
    expect(again.body.metadata.cached).toBe(false);
    expect(one.sim.messageCount()).toBe(calls + 1);
    expect(
      (await http<Answer>(`${two.url}/api/claude/query`, { body: { prompt: 'other entry' } })).body.metadata.cached,
    ).toBe(true);

    const all = await http<{ removed: number; invalidated: string }>(`${two.url}/api/admin/cache`, {
      method: 'DELETE',
    });
    expect(all.body).toMatchObject({ invalidated: 'all', removed: 2 });
    expect(c.status).toBe(200);
    await waitFor(() => !one.server.services.cache.hasLocal() && !two.server.services.cache.hasLocal(), 1_000);
    const r = await http<Answer>(`${one.url}/api/claude/query`, { body: { prompt: 'other entry' } });
    expect(r.body.metadata.cached).toBe(false);
  });

  it('rejects a malformed key', async () => {
    const res = await http<{ error: { code: string } }>(`${one.url}/api/admin/cache?key=nothex`, { method: 'DELETE' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });
});
