import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ClaudeProxyClient, ClaudeProxyError, createClaudeProxyClient } from '@claude-proxy/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_ADMIN_KEY, type TestServer, waitFor } from './helpers.js';

/** The SDK against the running server, for every operation it offers. */
describe('@claude-proxy/client against the server', () => {
  let t: TestServer;
  let admin: ClaudeProxyClient;
  let user: ClaudeProxyClient;
  let clientId: string;
  let apiKey: string;

  beforeAll(async () => {
    t = await startTestServer({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_BASE_DELAY_MS: '50' } });
    admin = createClaudeProxyClient({ baseUrl: t.url, apiKey: TEST_ADMIN_KEY });
    const registered = await admin.register({ name: 'sdk test', permissions: ['query', 'queue'] });
    clientId = registered.clientId;
    apiKey = registered.apiKey;
    const { token } = await admin.createToken({ apiKey, expiresIn: '10m' });
    user = createClaudeProxyClient({ baseUrl: t.url, getToken: () => token });
  });
  afterAll(() => t.close());

  it('registers a client and exchanges its key for a token', () => {
    expect(apiKey).toMatch(/^sk_live_/);
    expect(clientId).toMatch(/^client_/);
  });

  it('queries, and a repeat is a cache hit', async () => {
    const first = await user.query({ prompt: 'sdk query', parameters: { model: 'claude-3', maxTokens: 300 } });
    expect(first.content.length).toBeGreaterThan(0);
    expect(first.metadata.cached).toBe(false);
    const again = await user.query({ prompt: 'sdk query', parameters: { maxTokens: 300, model: 'claude-3' } });
    expect(again.metadata.cached).toBe(true);
  });

  it('queues, lists, waits for and reads a task', async () => {
    const queued = await user.queue({ prompt: 'sdk task', priority: 'high', metadata: { ref: 'sdk' } });
    expect(queued.status).toBe('queued');
    const result = await user.waitForTask(queued.taskId, { timeoutMs: 15_000, intervalMs: 50 });
    expect(result.taskId).toBe(queued.taskId);
    expect(result.content.length).toBeGreaterThan(0);
    expect(result.metadata).toMatchObject({ ref: 'sdk' });
    const status = await user.getTask(queued.taskId);
    expect(status.status).toBe('completed');
    expect((await user.getResult(queued.taskId)).content).toBe(result.content);
    const list = await user.listTasks({ status: 'completed', limit: 5 });
    expect(list.tasks.map((x) => x.taskId)).toContain(queued.taskId);
    expect(list.pagination.page).toBe(1);
  });

  it('cancels a queued task and reports errors as ClaudeProxyError with code, status and request id', async () => {
    t.sim.setOptions({ ttftMs: 3_000 });
    try {
      const blockers = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => user.queue({ prompt: `block ${i}` })));
      const queued = await user.queue({ prompt: 'to cancel', priority: 'low' });
      const cancelled = await user.cancelTask(queued.taskId);
      expect(cancelled.status).toBe('cancelled');
      const error = await user.cancelTask(queued.taskId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClaudeProxyError);
      expect(error).toMatchObject({ code: 'cannot_cancel', status: 400, taskStatus: 'cancelled' });
      expect((error as ClaudeProxyError).requestId).toMatch(/^[0-9a-f-]{36}$/);
      const waited = await user.waitForTask(queued.taskId, { timeoutMs: 2_000 }).catch((e: unknown) => e);
      expect(waited).toMatchObject({ code: 'task_cancelled' });
      for (const b of blockers) await user.cancelTask(b.taskId).catch(() => undefined);
    } finally {
      t.sim.setOptions({ ttftMs: 0 });
    }
  });

  it('throws task_not_found, result_not_available and authentication errors as values the caller can branch on', async () => {
    await expect(user.getTask('task_nope')).rejects.toMatchObject({ code: 'task_not_found', status: 404 });
    const anonymous = createClaudeProxyClient({ baseUrl: t.url });
    await expect(anonymous.query({ prompt: 'x' })).rejects.toMatchObject({ code: 'authentication_error', status: 401 });
    await expect(user.register({ name: 'nope' })).rejects.toMatchObject({ code: 'authorization_error', status: 403 });
    const aborted = new AbortController();
    aborted.abort();
    await expect(user.waitForTask('task_x', { signal: aborted.signal })).rejects.toMatchObject({ code: 'aborted' });
  });

  it('lists, reads and redelivers the webhook of a task with a callbackUrl', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => {
        received.push(String(req.headers['webhook-id']));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const port = (receiver.address() as AddressInfo).port;
      const queued = await user.queue({ prompt: 'sdk webhook', callbackUrl: `http://127.0.0.1:${port}/hook` });
      await user.waitForTask(queued.taskId, { timeoutMs: 15_000, intervalMs: 50 });
      await waitFor(() => received.length === 1, 10_000);
      const list = (await user.webhooks.listDeliveries({ taskId: queued.taskId })) as {
        deliveries: { deliveryId: string; status: string }[];
      };
      const delivery = list.deliveries[0]!;
      await waitFor(async () => (await user.webhooks.getDelivery(delivery.deliveryId)).status === 'delivered', 5_000);
      await user.webhooks.redeliver(delivery.deliveryId);
      await waitFor(() => received.length === 2, 10_000);
      expect(received[1]).toBe(received[0]);
    } finally {
      receiver.close();
    }
  });

  it('reads health and usage', async () => {
    const health = await user.health();
    expect(health.status).toBe('healthy');
    const usage = await user.usage();
    expect(usage).toBeDefined();
  });

  it('runs the administrator operations', async () => {
    const clients = await admin.admin.listClients();
    expect(clients.clients.map((c) => c.clientId)).toContain(clientId);
    await admin.admin.setRateLimits(clientId, { query: 120 });
    expect((await admin.admin.getRateLimits(clientId)).overrides).toMatchObject({ query: 120 });
    await admin.admin.clearRateLimits(clientId);
    const invalidated = await admin.admin.invalidateCache();
    expect(invalidated.invalidated).toBe('all');
    const webhookSecret = await admin.admin.rotateWebhookSecret(clientId);
    expect(webhookSecret.webhookSecret).toMatch(/^whsec_/);
    const deliveries = await user.webhooks.listDeliveries();
    expect(Array.isArray((deliveries as { deliveries: unknown[] }).deliveries)).toBe(true);
    const own = await user.webhooks.rotateSecret();
    expect(own.webhookSecret).toMatch(/^whsec_/);
    const rotated = await admin.admin.rotateKey(clientId);
    expect(rotated.apiKey).toMatch(/^sk_live_/);
    const suspended = await admin.admin.unsuspendClient(clientId).catch((e: unknown) => e);
    expect(suspended).toBeDefined();
    await admin.admin.revokeClient(clientId);
    const revokedUser = createClaudeProxyClient({ baseUrl: t.url, apiKey: rotated.apiKey });
    await expect(revokedUser.query({ prompt: 'after revoke' })).rejects.toMatchObject({ code: 'authentication_error' });
  });
});
