import {
  type AppError,
  type ResolveAll,
  sendWebhook,
  validateCallbackUrl,
  type WebhookDelivery,
} from '@claude-proxy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHttp as http, startTestServer, type TestServer, waitFor } from './helpers.js';
import { startReceiver, type WebhookReceiver } from './webhook-receiver.js';

/** A resolver under the test's control: what a hostile DNS server could answer. */
const resolveTo =
  (address: string): ResolveAll =>
  async () => [{ address, family: address.includes(':') ? 6 : 4 }];

async function refusalOf(check: Promise<unknown>): Promise<string> {
  const error = (await check.then(
    () => undefined,
    (e: unknown) => e,
  )) as AppError | undefined;
  if (!error) return 'accepted';
  expect(error.code).toBe('invalid_request');
  expect(error.status).toBe(400);
  expect(error.details).toMatch(/^callbackUrl: /);
  return (error.details ?? '').slice('callbackUrl: '.length);
}

describe('webhook SSRF guard without an allowlist', () => {
  let t: TestServer;
  let v4: WebhookReceiver;
  let v6: WebhookReceiver;
  beforeAll(async () => {
    t = await startTestServer({ env: { WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_RETRY_BASE_DELAY_MS: '50' } });
    [v4, v6] = await Promise.all([startReceiver('127.0.0.1'), startReceiver('::1')]);
  });
  afterAll(async () => {
    await Promise.all([v4?.close(), v6?.close()]);
    await t?.close();
  });

  const forbidden = () => [
    [`http://127.0.0.1:${v4.port}/hook`, 'loopback'],
    ['http://10.0.0.1/hook', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    [`http://[::1]:${v6.port}/hook`, 'loopback'],
    [`http://localhost:${v4.port}/hook`, 'loopback'],
  ];

  it('refuses each at submission with 400 invalid_request', async () => {
    for (const [url, reason] of forbidden()) {
      expect(await refusalOf(t.server.services.webhooks.validateCallbackUrl(url!))).toBe(reason);
    }
    expect(await refusalOf(t.server.services.webhooks.validateCallbackUrl('https://8.8.8.8/hook'))).toBe('accepted');
  });

  it('refuses a hostname that resolves to 127.0.0.1 at submission', async () => {
    const resolveAll = resolveTo('127.0.0.1');
    expect(await refusalOf(validateCallbackUrl('https://rebind.example/hook', { resolveAll }))).toBe('loopback');
  });

  it('refuses each at send time: the delivery fails at once, without a request and without retries', async () => {
    const ids: string[] = [];
    for (const [url] of forbidden()) {
      const { deliveryId } = await t.server.services.webhooks.enqueueWebhookDelivery(t.server.services.db.db, {
        taskId: `task_ssrf_${ids.length}`,
        clientId: 'anonymous',
        url: url!,
        event: 'task.completed',
        payload: { status: 'completed' },
      });
      ids.push(deliveryId);
    }
    for (const [i, deliveryId] of ids.entries()) {
      const done = await waitFor(async () => {
        const res = await http<WebhookDelivery>(`${t.url}/api/webhooks/deliveries/${deliveryId}`);
        return res.body.status === 'pending' ? undefined : res.body;
      });
      expect(done).toMatchObject({ status: 'failed', attempts: 1, lastStatus: null });
      expect(done.lastError).toMatch(new RegExp(`^refused ${forbidden()[i]![1]} `));
    }
    expect(v4.received).toHaveLength(0);
    expect(v6.received).toHaveLength(0);
  });

  it('checks the address it connects to, so a DNS answer that changes after submission is refused', async () => {
    const accepted = await validateCallbackUrl(`http://rebind.example:${v4.port}/hook`, {
      resolveAll: resolveTo('93.184.216.34'),
    });
    const result = await sendWebhook({
      url: accepted,
      body: '{}',
      headers: {},
      timeoutMs: 2_000,
      resolveAll: resolveTo('127.0.0.1'),
    });
    expect(result).toMatchObject({ retryable: false, error: 'refused loopback address 127.0.0.1' });
    expect(result.statusCode).toBeUndefined();
    expect(v4.received).toHaveLength(0);
  });

  it('connects to exactly the checked address when the host is allowlisted', async () => {
    const result = await sendWebhook({
      url: `http://rebind.example:${v4.port}/hook`,
      body: '{}',
      headers: {},
      timeoutMs: 2_000,
      allowedHosts: ['rebind.example'],
      resolveAll: resolveTo('127.0.0.1'),
    });
    expect(result.statusCode).toBe(200);
    expect(v4.received).toHaveLength(1);
    expect(v4.received[0]!.headers.host).toBe(`rebind.example:${v4.port}`);
    v4.received.length = 0;
  });

  it('does not follow a redirect to a forbidden address', async () => {
    const hop = await startReceiver('127.0.0.1');
    try {
      for (const location of [`http://[::1]:${v6.port}/hook`, 'http://169.254.169.254/latest/meta-data/']) {
        hop.script([{ status: 307, headers: { location } }]);
        const result = await sendWebhook({
          url: hop.url,
          body: '{}',
          headers: {},
          timeoutMs: 2_000,
          allowedHosts: ['127.0.0.1'],
        });
        expect(result).toMatchObject({ statusCode: 307, error: 'redirect not followed (307)' });
      }
      expect(hop.received).toHaveLength(2);
      expect(v6.received).toHaveLength(0);
    } finally {
      await hop.close();
    }
  });
});
