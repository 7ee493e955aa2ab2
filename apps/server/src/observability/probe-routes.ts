import type { Services } from '@claude-proxy/core';
import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { PromMetrics } from './prom-metrics.js';

export interface ProbeOptions {
  services: Services;
  metrics: PromMetrics;
  /** True once shutdown began: readiness fails so a load balancer stops sending traffic. */
  isDraining: () => boolean;
}

/** The route patterns mounted here (the request observer's known-route set). */
export const PROBE_ROUTES = ['/api/health/live', '/api/health/ready', '/metrics'] as const;

const json = (body: unknown, status: number, requestId: string) =>
  new Response(JSON.stringify(body), {
    status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Request-ID': requestId,
    },
  });

/**
 * Orchestrator endpoints, outside the tRPC router (they are not part of the client API):
 * liveness answers without any I/O; readiness checks the database and the drain flag; /metrics is
 * the Prometheus text exposition.
 */
export function mountProbes(app: Hono<AppEnv>, options: ProbeOptions): void {
  app.get('/api/health/live', (c) => json({ status: 'alive' }, 200, c.get('requestId')));

  app.get('/api/health/ready', async (c) => {
    if (options.isDraining()) return json({ status: 'draining' }, 503, c.get('requestId'));
    const report = await options.services.ready();
    const body = { status: report.ready ? 'ready' : 'not_ready', components: { database: report.database } };
    return json(body, report.ready ? 200 : 503, c.get('requestId'));
  });

  app.get('/metrics', async () => {
    const text = await options.metrics.render();
    return new Response(text, {
      headers: { 'Content-Type': options.metrics.contentType, 'Cache-Control': 'no-store' },
    });
  });
}
