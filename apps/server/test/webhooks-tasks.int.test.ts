import type { WebhookDelivery } from '@claude-proxy/core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  bearer,
  type RegisteredClient,
  http as rawHttp,
  registerClient,
  startTestServer,
  type TaskBody,
  type TestServer,
  waitFor,
} from './helpers.js';
import { type ReceivedWebhook, startReceiver, type WebhookReceiver } from './webhook-receiver.js';

type Payload = Record<string, unknown> & { taskId: string; status: string; result?: Record<string, unknown> };

/** Q4 end to end: a task with a callbackUrl ends, and its client's receiver gets one signed delivery. */
describe('task webhooks end to end (Q4)', () => {
  let t: TestServer;
  let rx: WebhookReceiver;
  let client: RegisteredClient;
  const http: typeof rawHttp = (url, init = {}) =>
    rawHttp(url, { ...init, headers: { ...bearer(client.apiKey), ...init.headers } });

  beforeAll(async () => {
    t = await startTestServer({
      env: {
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,localhost',
        WEBHOOK_RETRY_BASE_DELAY_MS: '50',
        WEBHOOK_TIMEOUT_MS: '3000',
        WORKER_CONCURRENCY: '1',
      },
    });
    rx = await startReceiver();
    client = await registerClient(t, ['queue']);
  });
  afterAll(async () => {
    await rx?.close();
    await t?.close();
  });
  beforeEach(() => {
    rx.received.length = 0;
    t.sim.reset();
  });

  async function submit(prompt: string): Promise<string> {
    const res = await http<TaskBody>(`${t.url}/api/claude/queue`, {
      body: { prompt, caching: false, callbackUrl: rx.url, metadata: { ref: prompt } },
    });
    expect(res.status).toBe(202);
    return res.body.taskId;
  }
  const statusOf = async (taskId: string) => (await http<TaskBody>(`${t.url}/api/claude/task/${taskId}`)).body;
  const hitsFor = (taskId: string) => rx.received.filter((r) => (JSON.parse(r.body) as Payload).taskId === taskId);
  /** Verified with the secret shown at registration, as a receiver would (throws on a bad signature). */
  const verified = (hit: ReceivedWebhook) =>
    new Webhook(client.webhookSecret).verify(hit.body, {
      'webhook-id': String(hit.headers['webhook-id']),
      'webhook-timestamp': String(hit.headers['webhook-timestamp']),
      'webhook-signature': String(hit.headers['webhook-signature']),
    }) as Payload;
  /** Waits until the task's delivery is no longer pending; returns E3 then. */
  const delivered = (taskId: string) =>
    waitFor(async () => {
      const view = await statusOf(taskId);
      const webhook = view.webhook as { status: string } | undefined;
      return webhook && webhook.status !== 'pending' ? view : undefined;
    });
  const deliveriesOf = async (taskId: string) =>
    (await http<{ deliveries: WebhookDelivery[] }>(`${t.url}/api/webhooks/deliveries?taskId=${taskId}`)).body
      .deliveries;

  it('delivers a completed task once: signed, the E3 status object plus the result; E3 shows the webhook', async () => {
    const taskId = await submit('webhook on completion');
    const view = await delivered(taskId);
    expect(view.webhook).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });

    const hits = hitsFor(taskId);
    expect(hits).toHaveLength(1);
    const payload = verified(hits[0]!);
    const result = await http(`${t.url}/api/claude/task/${taskId}/result`);
    expect(result.status).toBe(200);
    const { webhook: _state, ...status } = view;
    expect(payload).toEqual({ ...status, result: result.body });
    expect(payload).toMatchObject({ status: 'completed', metadata: { ref: 'webhook on completion' } });
    expect(() => verified({ ...hits[0]!, body: `${hits[0]!.body} ` })).toThrow();

    const [delivery] = await deliveriesOf(taskId);
    expect(delivery).toMatchObject({ event: 'task.completed', status: 'delivered', clientId: client.clientId });
    expect(hits[0]!.headers['webhook-id']).toBe(delivery!.webhookId);
  });

  it('delivers a failed task as task.failed, with its error and without a result', async () => {
    t.sim.script([{ kind: 'error', status: 400, type: 'invalid_request_error', message: 'rejected' }]);
    const taskId = await submit('webhook on failure');
    const view = await delivered(taskId);
    expect(view).toMatchObject({ status: 'failed', webhook: { status: 'delivered' } });
    const hits = hitsFor(taskId);
    expect(hits).toHaveLength(1);
    const payload = verified(hits[0]!);
    const { webhook: _state, ...status } = view;
    expect(payload).toEqual(status);
    expect(payload).toMatchObject({ error: { code: 'invalid_request' } });
    expect(payload).not.toHaveProperty('result');
    expect((await deliveriesOf(taskId)).map((d) => d.event)).toEqual(['task.failed']);
  });

  it('delivers a task cancelled while running as task.cancelled, once (the aborted run adds nothing)', async () => {
    t.sim.script([{ kind: 'ok', text: 'word '.repeat(500), tokensPerSecond: 20 }]);
    const taskId = await submit('webhook on cancellation');
    await waitFor(async () => (await statusOf(taskId)).status === 'processing');
    expect((await http(`${t.url}/api/claude/task/${taskId}`, { method: 'DELETE' })).status).toBe(200);
    await waitFor(() => t.sim.requests({ path: '/v1/messages' })[0]?.aborted === true);
    const view = await delivered(taskId);
    expect(view).toMatchObject({ status: 'cancelled', webhook: { status: 'delivered' } });
    const hits = hitsFor(taskId);
    expect(hits).toHaveLength(1);
    const { webhook: _state, ...status } = view;
    expect(verified(hits[0]!)).toEqual(status);
    expect((await deliveriesOf(taskId)).map((d) => d.event)).toEqual(['task.cancelled']);
  });

  it('many deliveries to one hanging receiver take at most half the slots: another receiver is not held up', async () => {
    const slow = await startReceiver();
    try {
      // More hanging deliveries than the process has slots (8), each held until WEBHOOK_TIMEOUT_MS (3 s).
      slow.script(Array.from({ length: 12 }, () => 'hang' as const));
      for (let i = 0; i < 12; i++) {
        const hung = await http<TaskBody>(`${t.url}/api/claude/queue`, {
          body: { prompt: `to a receiver that hangs (${i})`, caching: false, callbackUrl: slow.url },
        });
        expect(hung.status).toBe(202);
      }
      await waitFor(() => slow.received.length >= 4);
      const started = Date.now();
      const taskId = await submit('to a healthy receiver, behind twelve hanging ones');
      await waitFor(() => hitsFor(taskId).length > 0);
      // Delivered while every hanging delivery still held its first attempt: it did not wait for a slot.
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(slow.received.length).toBeLessThanOrEqual(4);
    } finally {
      await slow.close();
    }
  });

  it("a receiver that hangs holds up nobody else: another task's webhook arrives long before its timeout", async () => {
    const slow = await startReceiver();
    try {
      slow.script(['hang']);
      const hung = await http<TaskBody>(`${t.url}/api/claude/queue`, {
        body: { prompt: 'to a receiver that hangs', caching: false, callbackUrl: slow.url },
      });
      expect(hung.status).toBe(202);
      await waitFor(() => slow.received.length > 0);
      const started = Date.now();
      const taskId = await submit('to a healthy receiver');
      await waitFor(() => hitsFor(taskId).length > 0);
      // The hanging delivery waits WEBHOOK_TIMEOUT_MS (3 s here); this one did not wait for it.
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      await slow.close();
    }
  });
});
