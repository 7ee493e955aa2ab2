import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookDelivery } from '@claude-proxy/core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  bearer,
  type RegisteredClient,
  http as rawHttp,
  registerClient,
  startTestServer,
  type TestServer,
  waitFor,
} from './helpers.js';
import { startReceiver, type WebhookReceiver } from './webhook-receiver.js';

type Attempt = { attempt: number; statusCode: number | null; error: string | null; verdict: string; latencyMs: number };
type Delivery = WebhookDelivery & { attemptLog: Attempt[] };

/** The receiver-side procedure of docs/webhooks.md, with nothing but node:crypto. */
function verifyAsDocumented(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'));
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, signature] = entry.split(',');
      const given = Buffer.from(signature ?? '');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

function standardVerify(secret: string, headers: IncomingHttpHeaders, body: string): unknown {
  return new Webhook(secret).verify(body, {
    'webhook-id': String(headers['webhook-id']),
    'webhook-timestamp': String(headers['webhook-timestamp']),
    'webhook-signature': String(headers['webhook-signature']),
  });
}

describe('webhooks: signed, retried, recorded', () => {
  let t: TestServer;
  let rx: WebhookReceiver;
  let client: RegisteredClient;
  let secret: string;
  let n = 0;
  /** Every call is the registered client's: deliveries are signed with its secret and scoped to it. */
  const http: typeof rawHttp = (url, init = {}) =>
    rawHttp(url, { ...init, headers: { ...bearer(client.apiKey), ...init.headers } });

  beforeAll(async () => {
    t = await startTestServer({
      env: {
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,localhost',
        WEBHOOK_TIMEOUT_MS: '400',
        WEBHOOK_RETRY_BASE_DELAY_MS: '50',
        WEBHOOK_MAX_ATTEMPTS: '3',
        WEBHOOK_SECRET_ENCRYPTION_KEY: 'test-encryption-passphrase-0123456789',
      },
    });
    rx = await startReceiver();
    // Registration returns the client's signing secret, shown once.
    client = await registerClient(t, ['queue']);
    secret = client.webhookSecret;
    expect(secret).toMatch(/^whsec_/);
  });
  afterAll(async () => {
    await rx?.close();
    await t?.close();
  });
  beforeEach(() => {
    rx.received.length = 0;
    rx.script([]);
  });

  const svc = () => t.server.services;
  async function enqueue(url = rx.url, payload: unknown = { status: 'completed' }) {
    const taskId = `task_wh${++n}`;
    const ids = await svc()
      .db.db.transaction()
      .execute((trx) =>
        svc().webhooks.enqueueWebhookDelivery(trx, {
          taskId,
          clientId: client.clientId,
          url,
          event: 'task.completed',
          payload,
        }),
      );
    return { taskId, ...ids };
  }
  const settled = (deliveryId: string) =>
    waitFor(async () => {
      const res = await http<Delivery>(`${t.url}/api/webhooks/deliveries/${deliveryId}`);
      return res.body.status === 'pending' ? undefined : res.body;
    });
  const queuedJobs = async (deliveryId: string) =>
    (
      await svc().db.pool.query(
        `SELECT count(*)::int AS n FROM "${t.schema}_boss".job WHERE name = 'webhook-delivery' AND data->>'deliveryId' = $1 AND state IN ('created', 'retry')`,
        [deliveryId],
      )
    ).rows[0].n as number;

  it('delivers the payload signed in the Standard Webhooks format (node:crypto and standardwebhooks both verify)', async () => {
    const payload = { taskId: 'task_x', status: 'completed', result: { content: 'héllo' }, metadata: { a: 1 } };
    const { deliveryId, webhookId, taskId } = await enqueue(rx.url, payload);
    const done = await settled(deliveryId);
    expect(done.status).toBe('delivered');
    expect(rx.received).toHaveLength(1);
    const [hit] = rx.received;
    expect(JSON.parse(hit!.body)).toEqual(payload);
    expect(hit!.headers['content-type']).toBe('application/json');
    expect(hit!.headers['webhook-id']).toBe(webhookId);
    expect(webhookId).toMatch(/^msg_/);
    expect(Math.abs(Number(hit!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    expect(hit!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verifyAsDocumented(secret, hit!.headers, hit!.body)).toBe(true);
    expect(standardVerify(secret, hit!.headers, hit!.body)).toEqual(payload);
    expect(verifyAsDocumented(secret, hit!.headers, `${hit!.body} `)).toBe(false);

    const state = await svc().webhooks.getWebhookState(taskId);
    expect(state).toMatchObject({ deliveryId, status: 'delivered', attempts: 1, lastStatus: 200 });
    const list = await http<{ deliveries: WebhookDelivery[]; pagination: { total: number } }>(
      `${t.url}/api/webhooks/deliveries?taskId=${taskId}`,
    );
    expect(list.status).toBe(200);
    expect(list.body.deliveries.map((d) => d.deliveryId)).toEqual([deliveryId]);
    expect(list.body.pagination.total).toBe(1);
    expect(done.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, verdict: 'delivered' })]);
  });

  it('retries after a 500 with the same webhook-id, then succeeds', async () => {
    rx.script([500, 200]);
    const { deliveryId, webhookId } = await enqueue();
    const done = await settled(deliveryId);
    expect(done.status).toBe('delivered');
    expect(rx.received.map((r) => r.headers['webhook-id'])).toEqual([webhookId, webhookId]);
    for (const r of rx.received) expect(verifyAsDocumented(secret, r.headers, r.body)).toBe(true);
    expect(rx.received[0]!.body).toBe(rx.received[1]!.body);
    expect(done.attemptLog.map((a) => [a.statusCode, a.verdict])).toEqual([
      [500, 'retry'],
      [200, 'delivered'],
    ]);
  });

  it('does not retry after a 400', async () => {
    rx.script([400]);
    const { deliveryId } = await enqueue();
    const done = await settled(deliveryId);
    expect(done).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 400, nextAttemptAt: null });
    expect(done.attemptLog).toEqual([expect.objectContaining({ statusCode: 400, verdict: 'failed' })]);
    expect(await queuedJobs(deliveryId)).toBe(0);
    expect(rx.received).toHaveLength(1);
  });

  it('cuts a receiver that hangs at the timeout and retries', async () => {
    rx.script(['hang', 200]);
    const { deliveryId, webhookId } = await enqueue();
    const done = await settled(deliveryId);
    expect(done.status).toBe('delivered');
    const [first, second] = done.attemptLog;
    expect(first).toMatchObject({ statusCode: null, verdict: 'retry', error: 'timed out after 400 ms' });
    expect(first!.latencyMs).toBeGreaterThanOrEqual(390);
    expect(first!.latencyMs).toBeLessThan(2_000);
    expect(second).toMatchObject({ statusCode: 200, verdict: 'delivered' });
    expect(rx.received.map((r) => r.headers['webhook-id'])).toEqual([webhookId, webhookId]);
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS retryable failures (429 and 5xx)', async () => {
    rx.script([503, 429, 502]);
    const { deliveryId } = await enqueue();
    const done = await settled(deliveryId);
    expect(done).toMatchObject({ status: 'failed', attempts: 3, lastStatus: 502 });
    expect(done.attemptLog.map((a) => a.verdict)).toEqual(['retry', 'retry', 'failed']);
    expect(rx.received).toHaveLength(3);
    expect(await queuedJobs(deliveryId)).toBe(0);
  });

  it('does not follow a redirect, even to another reachable receiver', async () => {
    const target = await startReceiver('::1');
    try {
      rx.script([{ status: 302, headers: { location: target.url } }]);
      const { deliveryId } = await enqueue();
      const done = await settled(deliveryId);
      expect(done).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 302 });
      expect(done.lastError).toBe('redirect not followed (302)');
      expect(target.received).toHaveLength(0);
    } finally {
      await target.close();
    }
  });

  it('redelivers a finished delivery with the same webhook-id; a pending one is refused', async () => {
    rx.script([400]);
    const { deliveryId, webhookId } = await enqueue();
    expect((await settled(deliveryId)).status).toBe('failed');
    const again = await http<WebhookDelivery>(`${t.url}/api/webhooks/deliveries/${deliveryId}/redeliver`, {
      method: 'POST',
    });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ deliveryId, status: 'pending' });
    const done = await settled(deliveryId);
    expect(done).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(rx.received.map((r) => r.headers['webhook-id'])).toEqual([webhookId, webhookId]);

    rx.script(['hang']);
    const busy = await enqueue();
    await waitFor(() => rx.received.length === 3);
    const refused = await http(`${t.url}/api/webhooks/deliveries/${busy.deliveryId}/redeliver`, { method: 'POST' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'invalid_request', deliveryStatus: 'pending' } });
    const missing = await http(`${t.url}/api/webhooks/deliveries/whd_nope/redeliver`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect((await http(`${t.url}/api/webhooks/deliveries/not-an-id`)).status).toBe(400);
    await settled(busy.deliveryId);
  });

  it('after a rotation both secrets verify during the grace period; secrets are stored encrypted, never logged', async () => {
    const rotated = await http<{ webhookSecret: string; previousSecretExpiresAt: string }>(
      `${t.url}/api/webhooks/secret/rotate`,
      { body: { graceSeconds: 3600 } },
    );
    expect(rotated.status).toBe(200);
    expect(Date.parse(rotated.body.previousSecretExpiresAt)).toBeGreaterThan(Date.now() + 3500_000);
    const { deliveryId } = await enqueue();
    await settled(deliveryId);
    const [hit] = rx.received;
    expect(String(hit!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyAsDocumented(secret, hit!.headers, hit!.body)).toBe(true);
    expect(verifyAsDocumented(rotated.body.webhookSecret, hit!.headers, hit!.body)).toBe(true);
    expect(standardVerify(rotated.body.webhookSecret, hit!.headers, hit!.body)).toBeTruthy();
    secret = rotated.body.webhookSecret;
    expect(t.logs.lines.some((l) => l.includes(secret.slice(6)))).toBe(false);
    const stored = await svc().db.pool.query<{ secret: string }>('SELECT secret FROM webhook_secrets');
    expect(stored.rows.length).toBeGreaterThanOrEqual(2);
    for (const row of stored.rows) {
      expect(row.secret).toMatch(/^enc:v1:/);
      expect(row.secret).not.toContain(secret.slice(6));
    }
  });

  it('a rolled-back transaction leaves neither a delivery nor a job', async () => {
    const count = async () => {
      const jobs = await svc().db.pool.query(
        `SELECT count(*)::int AS n FROM "${t.schema}_boss".job WHERE name = 'webhook-delivery'`,
      );
      const rows = await svc().db.pool.query('SELECT count(*)::int AS n FROM webhook_deliveries');
      return [jobs.rows[0].n as number, rows.rows[0].n as number];
    };
    const before = await count();
    await expect(
      svc()
        .db.db.transaction()
        .execute(async (trx) => {
          await svc().webhooks.enqueueWebhookDelivery(trx, {
            taskId: 'task_rolled_back',
            clientId: client.clientId,
            url: rx.url,
            event: 'task.completed',
            payload: {},
          });
          throw new Error('task update failed');
        }),
    ).rejects.toThrow('task update failed');
    expect(await count()).toEqual(before);
    expect(await svc().webhooks.getWebhookState('task_rolled_back')).toBeNull();
    expect(rx.received).toHaveLength(0);
  });
});
