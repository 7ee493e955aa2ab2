import { restRoutes } from '@claude-proxy/api';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  enqueueTask,
  adminHttp as http,
  registerClient,
  startTestServer,
  type TestServer,
  waitFor,
  waitForTask,
} from './helpers.js';

/** A finished webhook delivery (its URL is refused by the SSRF guard, so it fails at once). */
async function failedDelivery(t: TestServer): Promise<string> {
  const { deliveryId } = await t.server.services.webhooks.enqueueWebhookDelivery(t.server.services.db.db, {
    taskId: 'task_contract',
    clientId: 'admin',
    url: 'http://10.0.0.1/hook',
    event: 'task.completed',
    payload: {},
  });
  await waitFor(async () => (await t.server.services.webhooks.getWebhookState('task_contract'))?.status === 'failed');
  return deliveryId;
}

/** A registered client for the admin rate-limit samples (overrides need a client that exists). */
let contractClientId: Promise<string> | undefined;
const contractClient = (t: TestServer) => {
  contractClientId ??= registerClient(t, ['query']).then((c) => c.clientId);
  return contractClientId;
};

/** A request; sent as the administrator unless it names its own Authorization. */
interface SampleRequest {
  path: string;
  method: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Sample {
  /** Builds a request that succeeds, and one that fails, against a running server. */
  ok: (t: TestServer) => Promise<SampleRequest>;
  error: (t: TestServer) => Promise<SampleRequest>;
}

const WRONG_KEY = `sk_live_${'C'.repeat(32)}`;

/** One sample per REST route: a route without one fails the test, so the document and the table cannot drift. */
const samples: Record<string, Sample> = {
  'POST /api/claude/query': {
    ok: async () => ({ method: 'POST', path: '/api/claude/query', body: { prompt: 'contract' } }),
    error: async () => ({ method: 'POST', path: '/api/claude/query', body: { prompt: 1 } }),
  },
  'POST /api/claude/queue': {
    ok: async () => ({
      method: 'POST',
      path: '/api/claude/queue',
      body: { prompt: 'contract task', metadata: { a: 1 } },
    }),
    error: async () => ({ method: 'POST', path: '/api/claude/queue', body: { prompt: 'x', priority: 'urgent' } }),
  },
  'GET /api/claude/task/:taskId': {
    ok: async (t) => ({ method: 'GET', path: `/api/claude/task/${await completedTask(t)}` }),
    error: async () => ({ method: 'GET', path: '/api/claude/task/task_missing' }),
  },
  'GET /api/claude/task/:taskId/result': {
    ok: async (t) => ({ method: 'GET', path: `/api/claude/task/${await completedTask(t)}/result` }),
    error: async () => ({ method: 'GET', path: '/api/claude/task/task_missing/result' }),
  },
  'DELETE /api/claude/task/:taskId': {
    ok: async (t) => {
      t.sim.setOptions({ ttftMs: 5_000 });
      const id = (await enqueueTask(t.url, { prompt: `to cancel ${Math.random()}` })).taskId;
      return { method: 'DELETE', path: `/api/claude/task/${id}` };
    },
    error: async (t) => {
      t.sim.setOptions({ ttftMs: 0 });
      return { method: 'DELETE', path: `/api/claude/task/${await completedTask(t)}` };
    },
  },
  'GET /api/claude/tasks': {
    ok: async () => ({ method: 'GET', path: '/api/claude/tasks?status=completed&limit=5' }),
    error: async () => ({ method: 'GET', path: '/api/claude/tasks?limit=1000' }),
  },
  'GET /api/health': {
    ok: async () => ({ method: 'GET', path: '/api/health' }),
    error: async () => ({ method: 'GET', path: '/api/health' }),
  },
  'GET /api/admin/rate-limits/:clientId': {
    ok: async (t) => ({ method: 'GET', path: `/api/admin/rate-limits/${await contractClient(t)}` }),
    error: async () => ({ method: 'GET', path: `/api/admin/rate-limits/${'x'.repeat(300)}` }),
  },
  'PUT /api/admin/rate-limits/:clientId': {
    ok: async (t) => ({
      method: 'PUT',
      path: `/api/admin/rate-limits/${await contractClient(t)}`,
      body: { query: 100 },
    }),
    error: async () => ({ method: 'PUT', path: '/api/admin/rate-limits/client_contract', body: { query: -1 } }),
  },
  'DELETE /api/admin/rate-limits/:clientId': {
    ok: async (t) => ({ method: 'DELETE', path: `/api/admin/rate-limits/${await contractClient(t)}` }),
    error: async () => ({ method: 'DELETE', path: `/api/admin/rate-limits/${'x'.repeat(300)}` }),
  },
  'DELETE /api/admin/cache': {
    ok: async () => ({ method: 'DELETE', path: '/api/admin/cache' }),
    error: async () => ({ method: 'DELETE', path: '/api/admin/cache?key=zz' }),
  },
  'GET /api/webhooks/deliveries': {
    ok: async () => ({ method: 'GET', path: '/api/webhooks/deliveries?limit=5' }),
    error: async () => ({ method: 'GET', path: '/api/webhooks/deliveries?limit=0' }),
  },
  'GET /api/webhooks/deliveries/:deliveryId': {
    ok: async (t) => ({ method: 'GET', path: `/api/webhooks/deliveries/${await failedDelivery(t)}` }),
    error: async () => ({ method: 'GET', path: '/api/webhooks/deliveries/whd_missing' }),
  },
  'POST /api/webhooks/deliveries/:deliveryId/redeliver': {
    ok: async (t) => ({ method: 'POST', path: `/api/webhooks/deliveries/${await failedDelivery(t)}/redeliver` }),
    error: async () => ({ method: 'POST', path: '/api/webhooks/deliveries/whd_missing/redeliver' }),
  },
  'POST /api/auth/register': {
    ok: async () => ({
      method: 'POST',
      path: '/api/auth/register',
      body: { name: 'contract client', description: 'samples', permissions: ['query', 'queue'] },
    }),
    error: async () => ({ method: 'POST', path: '/api/auth/register', body: { name: '', permissions: ['root'] } }),
  },
  'POST /api/auth/token': {
    ok: async (t) => ({
      method: 'POST',
      path: '/api/auth/token',
      body: { apiKey: (await registerClient(t)).apiKey, expiresIn: '10m' },
    }),
    error: async () => ({ method: 'POST', path: '/api/auth/token', body: { apiKey: WRONG_KEY } }),
  },
  'GET /api/auth/clients': {
    ok: async () => ({ method: 'GET', path: '/api/auth/clients' }),
    error: async (t) => ({
      method: 'GET',
      path: '/api/auth/clients',
      headers: bearer((await registerClient(t, ['query'])).apiKey),
    }),
  },
  'DELETE /api/auth/clients/:clientId': {
    ok: async (t) => ({ method: 'DELETE', path: `/api/auth/clients/${(await registerClient(t)).clientId}` }),
    error: async () => ({ method: 'DELETE', path: '/api/auth/clients/client_missing' }),
  },
  'POST /api/auth/clients/:clientId/rotate': {
    ok: async (t) => ({
      method: 'POST',
      path: `/api/auth/clients/${(await registerClient(t)).clientId}/rotate`,
      body: { gracePeriod: '1h' },
    }),
    error: async (t) => ({
      method: 'POST',
      path: `/api/auth/clients/${(await registerClient(t)).clientId}/rotate`,
      body: { gracePeriod: 'forever' },
    }),
  },
  'POST /api/auth/clients/:clientId/unsuspend': {
    ok: async (t) => ({ method: 'POST', path: `/api/auth/clients/${(await registerClient(t)).clientId}/unsuspend` }),
    error: async () => ({ method: 'POST', path: '/api/auth/clients/client_missing/unsuspend' }),
  },
  'POST /api/auth/clients/:clientId/webhook-secret': {
    ok: async (t) => ({
      method: 'POST',
      path: `/api/auth/clients/${(await registerClient(t)).clientId}/webhook-secret`,
    }),
    error: async () => ({ method: 'POST', path: '/api/auth/clients/client_missing/webhook-secret' }),
  },
  'GET /api/usage': {
    ok: async () => ({ method: 'GET', path: '/api/usage?from=2026-01-01&to=2026-01-31' }),
    error: async () => ({ method: 'GET', path: '/api/usage?from=yesterday' }),
  },
  'POST /api/webhooks/secret/rotate': {
    ok: async () => ({ method: 'POST', path: '/api/webhooks/secret/rotate', body: { graceSeconds: 60 } }),
    error: async () => ({ method: 'POST', path: '/api/webhooks/secret/rotate', body: { graceSeconds: -1 } }),
  },
};

async function completedTask(t: TestServer): Promise<string> {
  const { taskId } = await enqueueTask(t.url, { prompt: `contract ${Math.random()}`, metadata: { k: 'v' } });
  await waitForTask(t.url, taskId, ['completed']);
  return taskId;
}

type Doc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
};

describe('OpenAPI document', () => {
  let t: TestServer;
  let doc: Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);

  beforeAll(async () => {
    t = await startTestServer();
    const res = await http<Doc & { components: object }>(`${t.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    doc = res.body;
    ajv.addSchema({ $id: 'doc', components: res.body.components }, 'doc');
  });
  afterAll(() => t.close());

  const pathOf = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

  it('is OpenAPI 3.1 and lists every route of the REST table', async () => {
    const res = await http<{ openapi: string }>(`${t.url}/api/openapi.json`);
    expect(res.body.openapi).toBe('3.1.0');
    for (const route of restRoutes) {
      expect(
        doc.paths[pathOf(route.path)]?.[route.method.toLowerCase()],
        `${route.method} ${route.path}`,
      ).toBeDefined();
    }
  });

  it.each(restRoutes.map((r) => [`${r.method} ${r.path}`]))('real responses of %s validate', async (name) => {
    const sample = samples[name];
    expect(sample, `add a contract sample for ${name}`).toBeDefined();
    const route = restRoutes.find((r) => `${r.method} ${r.path}` === name)!;
    for (const make of [sample!.ok, sample!.error]) {
      const req = await make(t);
      const res = await http(`${t.url}${req.path}`, {
        method: req.method,
        ...(req.body === undefined ? {} : { body: req.body }),
        ...(req.headers === undefined ? {} : { headers: req.headers }),
      });
      const op = doc.paths[pathOf(route.path)]?.[route.method.toLowerCase()];
      const spec = op?.responses[String(res.status)];
      expect(spec, `${name} answered ${res.status}, which the document does not list`).toBeDefined();
      const schema = spec?.content?.['application/json']?.schema;
      expect(schema).toBeDefined();
      // A success schema says what the body holds (a procedure without `.output()` would give `{}`).
      if (res.status < 300) expect(Object.keys(schema ?? {}), `${name} ${res.status} schema`).not.toEqual([]);
      const resolved = JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"doc#/components'));
      const validate = ajv.compile(resolved);
      const valid = validate(res.body);
      expect(valid, `${name} ${res.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  it('serves a documentation page with its assets from this origin', async () => {
    const page = await fetch(`${t.url}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/api/docs/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//);
    const bundle = await fetch(`${t.url}/api/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });
});
