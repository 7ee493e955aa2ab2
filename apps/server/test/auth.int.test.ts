import { manualClock } from '@claude-proxy/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  dropSchemas,
  http,
  registerClient,
  startTestServer,
  TEST_ADMIN_KEY,
  TEST_DATABASE_URL,
  type TestServer,
  uniqueSchema,
} from './helpers.js';

const admin = bearer(TEST_ADMIN_KEY);
const HOUR = 3600_000;

describe('client keys and tokens (E8, E9, A7)', () => {
  let t: TestServer;
  const clock = manualClock(Date.UTC(2026, 0, 31, 12));
  const query = (credential: string) =>
    http(`${t.url}/api/claude/query`, { body: { prompt: 'auth flow', caching: false }, headers: bearer(credential) });

  beforeAll(async () => {
    t = await startTestServer({ clock, env: { JWT_MAX_TTL_SECONDS: String(24 * 3600) } });
  });
  afterAll(() => t.close());

  it("registers a client with the spec's body and stores only a bcrypt hash", async () => {
    const res = await http<Record<string, unknown>>(`${t.url}/api/auth/register`, {
      headers: admin,
      body: { name: 'Philosophy Concepts SPA', description: 'SPA', permissions: ['query', 'queue'], expiresIn: 'P1Y' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({
      name: 'Philosophy Concepts SPA',
      permissions: ['query', 'queue'],
      createdAt: '2026-01-31T12:00:00.000Z',
      expiresAt: '2027-01-31T12:00:00.000Z',
    });
    expect(res.body.clientId).toMatch(/^client_/);
    expect(res.body.apiKey).toMatch(/^sk_live_[A-Za-z0-9_-]{32}$/);
    expect(res.body.webhookSecret).toMatch(/^whsec_/);
    expect(res.body.message).toMatch(/not be shown again/);

    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      const rows = await db.query(`SELECT prefix, key_hash FROM "${t.schema}".client_keys WHERE client_id = $1`, [
        res.body.clientId,
      ]);
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0].key_hash).toMatch(/^\$2b\$04\$/);
      expect((res.body.apiKey as string).startsWith(rows.rows[0].prefix)).toBe(true);
      const dump = await db.query(`SELECT row_to_json(k)::text AS j FROM "${t.schema}".client_keys k`);
      for (const r of dump.rows) expect(r.j).not.toContain(res.body.apiKey);
    } finally {
      await db.end();
    }
    expect((await query(res.body.apiKey as string)).status).toBe(200);
  });

  it.each([
    [{ name: 'x', expiresIn: '1 year' }, 'expiresIn'],
    [{ name: 'x', expiresIn: 'P' }, 'expiresIn'],
    [{ name: 'x', permissions: ['query', 'root'] }, 'permissions.1'],
    [{ name: '' }, 'name'],
    [{ description: 'no name' }, 'name'],
  ])('rejects registration %j naming %s', async (body, path) => {
    const res = await http<{ error: { code: string; details: string } }>(`${t.url}/api/auth/register`, {
      headers: admin,
      body,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details).toContain(`${path}: `);
  });

  it('defaults to the query permission and a one-year key', async () => {
    const res = await http<{ permissions: string[]; expiresAt: string }>(`${t.url}/api/auth/register`, {
      headers: admin,
      body: { name: 'defaults' },
    });
    expect(res.body.permissions).toEqual(['query']);
    expect(res.body.expiresAt).toBe(new Date(Date.UTC(2027, 0, 31, 12)).toISOString());
  });

  it('issues tokens: default 1h, short and ISO forms, capped by config and by the key expiry', async () => {
    const { apiKey } = await registerClient(t, ['query'], { expiresIn: 'PT36H' });
    const token = (expiresIn?: string) =>
      http<{ token: string; expiresAt: string; tokenType: string }>(`${t.url}/api/auth/token`, {
        body: { apiKey, ...(expiresIn ? { expiresIn } : {}) },
      });
    const at = (ms: number) => new Date(clock.now() + ms).toISOString();
    const def = await token();
    expect(def.status).toBe(200);
    expect(def.body).toMatchObject({ tokenType: 'Bearer', expiresAt: at(HOUR) });
    expect((await token('30m')).body.expiresAt).toBe(at(HOUR / 2));
    expect((await token('PT2H')).body.expiresAt).toBe(at(2 * HOUR));
    expect((await token('7d')).body.expiresAt).toBe(at(24 * HOUR));
    expect((await query(def.body.token)).status).toBe(200);

    clock.advance(20 * HOUR);
    expect((await token('1d')).body.expiresAt).toBe(new Date(Date.UTC(2026, 1, 2, 0)).toISOString());
    const bad = await token('forever');
    expect(bad.status).toBe(400);
  });

  it('lists clients without any secret', async () => {
    const reg = await registerClient(t, ['query']);
    const res = await http<{ clients: Record<string, unknown>[] }>(`${t.url}/api/auth/clients`, { headers: admin });
    expect(res.status).toBe(200);
    const mine = res.body.clients.find((c) => c.clientId === reg.clientId);
    expect(mine).toMatchObject({ permissions: ['query'], status: 'active', keyPrefix: reg.apiKey.slice(0, 16) });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(reg.apiKey);
    expect(text).not.toContain(reg.webhookSecret);
    expect(text).not.toMatch(/\$2b\$/);
  });

  it('rotates: the old key and its tokens stop at once, or after the grace period', async () => {
    const reg = await registerClient(t, ['query']);
    const oldToken = (await http<{ token: string }>(`${t.url}/api/auth/token`, { body: { apiKey: reg.apiKey } })).body
      .token;
    expect((await query(oldToken)).status).toBe(200);
    const rotate = (body: unknown) =>
      http<{ apiKey: string; previousKeyValidUntil: string; expiresAt: string }>(
        `${t.url}/api/auth/clients/${reg.clientId}/rotate`,
        { headers: admin, body },
      );
    const first = await rotate({});
    expect(first.status).toBe(200);
    expect(first.body.expiresAt).toBe(reg.expiresAt);
    expect((await query(reg.apiKey)).status).toBe(401);
    expect((await query(oldToken)).status).toBe(401);
    expect((await query(first.body.apiKey)).status).toBe(200);

    const second = await rotate({ gracePeriod: 'PT1H', expiresIn: 'P30D' });
    expect(second.body.previousKeyValidUntil).toBe(new Date(clock.now() + HOUR).toISOString());
    expect((await query(first.body.apiKey)).status).toBe(200);
    expect((await query(second.body.apiKey)).status).toBe(200);
    clock.advance(HOUR);
    expect((await query(first.body.apiKey)).status).toBe(401);
    expect((await query(second.body.apiKey)).status).toBe(200);

    expect((await rotate({ gracePeriod: '30d' })).status).toBe(400);
    const missing = await http(`${t.url}/api/auth/clients/client_nope/rotate`, { headers: admin, body: {} });
    expect(missing.status).toBe(404);
  });

  it('revokes a client: its key fails with a clear message; revoking again is harmless', async () => {
    const reg = await registerClient(t, ['query']);
    expect((await query(reg.apiKey)).status).toBe(200);
    const del = () => http(`${t.url}/api/auth/clients/${reg.clientId}`, { method: 'DELETE', headers: admin });
    const first = await del();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ clientId: reg.clientId, status: 'revoked' });
    const refused = await query(reg.apiKey);
    expect(refused.status).toBe(401);
    expect((refused.body as { error: { message: string } }).error.message).toMatch(/revoked/);
    expect((await del()).body).toMatchObject({ revokedAt: first.body.revokedAt });
  });

  it('refuses names and ids Postgres cannot store with a 400, not a 500', async () => {
    for (const body of [{ name: 'app\u0000' }, { name: 'ok', description: 'bad \ud800 half' }]) {
      const res = await http<{ error: { code: string; message: string } }>(`${t.url}/api/auth/register`, {
        headers: admin,
        body,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toContain('NUL characters or unpaired UTF-16 surrogates');
    }
    const del = await http(`${t.url}/api/auth/clients/${encodeURIComponent('client_\u0000')}`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(del.status).toBe(400);
  });

  it('says which Authorization scheme it does not take, and never echoes a bare credential', async () => {
    const reg = await registerClient(t, ['query']);
    const body = { prompt: 'scheme', caching: false };
    type Err = { error: { code: string; message: string } };
    const basic = await http<Err>(`${t.url}/api/claude/query`, {
      body,
      headers: { authorization: `Basic ${Buffer.from(`x:${reg.apiKey}`).toString('base64')}` },
    });
    expect(basic.status).toBe(401);
    expect(basic.body.error.message).toContain('Authorization scheme Basic is not supported');
    const bare = await http<Err>(`${t.url}/api/claude/query`, { body, headers: { authorization: reg.apiKey } });
    expect(bare.status).toBe(401);
    expect(bare.body.error.message).toContain('Bearer');
    expect(JSON.stringify(bare.body)).not.toContain(reg.apiKey);
    expect(JSON.stringify(t.logs.records)).not.toContain(reg.apiKey);
  });

  it('refuses a key lifetime past 100 years before writing anything (register and rotate)', async () => {
    const before = await http<{ clients: unknown[] }>(`${t.url}/api/auth/clients`, { headers: admin });
    for (const expiresIn of ['P9999Y', 'P300000Y', 'P101Y']) {
      const res = await http<{ error: { message: string } }>(`${t.url}/api/auth/register`, {
        headers: admin,
        body: { name: 'forever', expiresIn },
      });
      expect(res.status, expiresIn).toBe(400);
      expect(res.body.error.message).toContain('at most 100 years');
    }
    const after = await http<{ clients: unknown[] }>(`${t.url}/api/auth/clients`, { headers: admin });
    expect(after.status).toBe(200);
    expect(after.body.clients).toHaveLength(before.body.clients.length);

    const reg = await registerClient(t, ['query']);
    for (const body of [{ expiresIn: 'P9999Y' }, { gracePeriod: 'P300000Y' }]) {
      const res = await http(`${t.url}/api/auth/clients/${reg.clientId}/rotate`, {
        method: 'POST',
        headers: admin,
        body,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await query(reg.apiKey)).status).toBe(200);
  });

  it('rotates the webhook secret', async () => {
    const reg = await registerClient(t, ['query']);
    const res = await http<{ webhookSecret: string }>(`${t.url}/api/auth/clients/${reg.clientId}/webhook-secret`, {
      method: 'POST',
      headers: admin,
    });
    expect(res.status).toBe(200);
    expect(res.body.webhookSecret).toMatch(/^whsec_/);
    expect(res.body.webhookSecret).not.toBe(reg.webhookSecret);
  });
});

describe('without ADMIN_API_KEY: the stored administrators are the only way in', () => {
  let t: TestServer;
  let banner = '';
  beforeAll(async () => {
    t = await startTestServer({ env: { ADMIN_API_KEY: '' }, announce: (text) => (banner += text) });
  });
  afterAll(() => t.close());

  it('refuses to revoke the last usable admin (an expired admin does not count), and allows it once another exists', async () => {
    const bootstrapKey = /^\s+(sk_live_\S+)$/m.exec(banner)?.[1];
    const bootstrapId = /client (client_\S+)\. Register/.exec(banner)?.[1];
    expect(bootstrapKey).toBeDefined();
    const admin = bearer(bootstrapKey!);
    const register = (body: Record<string, unknown>) =>
      http<{ clientId: string; apiKey: string }>(`${t.url}/api/auth/register`, { headers: admin, body });
    const expiring = await register({ name: 'short-lived admin', permissions: ['admin'], expiresIn: 'PT1S' });
    expect(expiring.status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_100));
    const revoke = (id: string, headers = admin) =>
      http<{ error?: { message: string } }>(`${t.url}/api/auth/clients/${id}`, { method: 'DELETE', headers });
    const refused = await revoke(bootstrapId!);
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toContain('last usable administrator');

    const second = await register({ name: 'second admin', permissions: ['admin'] });
    // Two admins revoking each other at once: exactly one revocation happens (the other is refused as the
    // last admin, or comes from a key revoked a moment before), and one admin can still administer.
    const results = await Promise.all([revoke(second.body.clientId), revoke(bootstrapId!, bearer(second.body.apiKey))]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const still = await Promise.all(
      [admin, bearer(second.body.apiKey)].map((h) => http(`${t.url}/api/auth/clients`, { headers: h })),
    );
    expect(still.filter((r) => r.status === 200)).toHaveLength(1);
  });
});

describe('without ADMIN_API_KEY: a start that finds no usable administrator makes a new one', () => {
  const schema = uniqueSchema('adm');
  afterAll(() => dropSchemas(schema));

  it('prints a new administrator key after the last one expired, and the new key works', async () => {
    let banner = '';
    const first = await startTestServer({ schema, env: { ADMIN_API_KEY: '' }, announce: (text) => (banner += text) });
    const key = /^\s+(sk_live_\S+)$/m.exec(banner)?.[1];
    const id = /client (client_\S+)\. Register/.exec(banner)?.[1];
    // Rotating the only admin onto a key that expires at once is allowed; it leaves nobody able to administer.
    const rotated = await http(`${first.url}/api/auth/clients/${id}/rotate`, {
      method: 'POST',
      headers: bearer(key!),
      body: { expiresIn: 'PT1S' },
    });
    expect(rotated.status).toBe(200);
    await first.close();
    await new Promise((r) => setTimeout(r, 1_100));

    let second = '';
    const restarted = await startTestServer({
      schema,
      env: { ADMIN_API_KEY: '' },
      announce: (text) => (second += text),
    });
    try {
      expect(second).toContain('no usable administrator was left');
      const fresh = /^\s+(sk_live_\S+)$/m.exec(second)?.[1];
      expect(fresh).toBeDefined();
      expect((await http(`${restarted.url}/api/auth/clients`, { headers: bearer(fresh!) })).status).toBe(200);
    } finally {
      await restarted.close();
    }
  });
});
