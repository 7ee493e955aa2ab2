import type { Metrics, QueueStats } from '@claude-proxy/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface HttpRequestEvent {
  /** Route pattern or `unmatched`: never the raw path. */
  route: string;
  method: string;
  status: number;
  durationMs: number;
  /** Only used as a label when client labels are enabled. */
  clientId?: string | undefined;
}

export interface PromMetrics extends Metrics {
  readonly registry: Registry;
  httpRequest(event: HttpRequestEvent): void;
  render(): Promise<string>;
  readonly contentType: string;
}

export interface PromMetricsOptions {
  /** METRICS_CLIENT_LABELS: add a `client` label to request and token counters. */
  clientLabels: boolean;
  queueStats?: () => Promise<QueueStats>;
  historyBuffered?: () => number;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const MAX_CHILDREN = 5_000;
const s = (ms: number) => ms / 1000;

/**
 * The Prometheus side of the metrics port, one registry per server (tests run several in one process).
 * Label children are cached by key so a request costs two map lookups and two increments.
 */
export function createPromMetrics(options: PromMetricsOptions): PromMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const p = 'claude_proxy_';
  const httpLabels = options.clientLabels ? ['route', 'method', 'status', 'client'] : ['route', 'method', 'status'];

  const httpDuration = new Histogram({
    name: `${p}http_request_duration_seconds`,
    help: 'Time from request arrival to response headers, by route pattern and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const httpTotal = new Counter({
    name: `${p}http_requests_total`,
    help: 'Requests answered, by route pattern and status',
    labelNames: httpLabels,
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: `${p}upstream_request_duration_seconds`,
    help: 'One attempt at the Claude API, by model, operation and outcome',
    labelNames: ['model', 'operation', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const ttft = new Histogram({
    name: `${p}upstream_time_to_first_token_seconds`,
    help: 'Streaming calls: time until the first generated token',
    labelNames: ['model'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const tokens = new Counter({
    name: `${p}upstream_tokens_total`,
    help: 'Tokens billed by the Claude API, by model and type (prompt or completion)',
    labelNames: ['model', 'type'],
    registers: [registry],
  });
  const cache = new Counter({
    name: `${p}cache_requests_total`,
    help: 'Queries by cache result: hit, miss (then stored) or bypass (caching off or not cacheable)',
    labelNames: ['result'],
    registers: [registry],
  });
  const retries = new Counter({
    name: `${p}upstream_retries_total`,
    help: 'Upstream retries, by the status or failure kind that caused them',
    labelNames: ['reason'],
    registers: [registry],
  });
  const errors = new Counter({
    name: `${p}errors_total`,
    help: 'Errors answered (source=http) or tasks failed (source=task), by error code',
    labelNames: ['code', 'source'],
    registers: [registry],
  });
  const queueWait = new Histogram({
    name: `${p}queue_wait_seconds`,
    help: 'Time a task waited in the queue before a worker took it',
    labelNames: ['priority'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const taskDuration = new Histogram({
    name: `${p}task_duration_seconds`,
    help: 'Time from a worker taking a task to its final state',
    labelNames: ['status'],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const historyDropped = new Counter({
    name: `${p}history_dropped_total`,
    help: 'Request history rows lost (buffer full or database unavailable)',
    registers: [registry],
  });
  registerQueueGauges(registry, p, options);

  const children = new Map<string, { duration: Histogram.Internal<string>; total: Counter.Internal }>();
  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    httpRequest(e) {
      const method = METHODS.has(e.method) ? e.method : 'OTHER';
      const status = String(e.status);
      const client = options.clientLabels ? (e.clientId ?? 'none') : undefined;
      const key = `${e.route} ${method} ${status} ${client ?? ''}`;
      let child = children.get(key);
      if (!child) {
        child = {
          duration: httpDuration.labels(e.route, method, status),
          total:
            client === undefined
              ? httpTotal.labels(e.route, method, status)
              : httpTotal.labels(e.route, method, status, client),
        };
        if (children.size < MAX_CHILDREN) children.set(key, child);
      }
      child.duration.observe(s(e.durationMs));
      child.total.inc();
    },
    upstreamCall(e) {
      upstreamDuration.labels(e.model, e.operation, e.outcome).observe(s(e.durationMs));
      if (e.timeToFirstTokenMs !== undefined) ttft.labels(e.model).observe(s(e.timeToFirstTokenMs));
    },
    upstreamTokens(model, prompt, completion) {
      tokens.labels(model, 'prompt').inc(prompt);
      tokens.labels(model, 'completion').inc(completion);
    },
    cacheLookup: (result) => cache.labels(result).inc(),
    upstreamRetry: (reason) => retries.labels(reason).inc(),
    error: (code, source) => errors.labels(code, source).inc(),
    queueWait: (priority, ms) => queueWait.labels(priority).observe(s(ms)),
    taskDuration: (status, ms) => taskDuration.labels(status).observe(s(ms)),
    historyDropped: (rows) => historyDropped.inc(rows),
  };
}

/** Gauges read at scrape time from the providers (a failing provider leaves the last values). */
function registerQueueGauges(registry: Registry, p: string, options: PromMetricsOptions): void {
  const { queueStats, historyBuffered } = options;
  if (queueStats) {
    // Both gauges ask the provider, which memoises briefly, so a scrape costs one query.
    new Gauge({
      name: `${p}queue_size`,
      help: 'Tasks waiting in the queue, by priority',
      labelNames: ['priority'],
      registers: [registry],
      async collect() {
        const stats = await queueStats().catch(() => undefined);
        if (!stats) return;
        this.reset();
        for (const [priority, size] of Object.entries(stats.byPriority ?? { all: stats.size })) {
          this.labels(priority).set(size);
        }
      },
    });
    new Gauge({
      name: `${p}queue_processing`,
      help: 'Tasks a worker currently holds',
      registers: [registry],
      async collect() {
        const stats = await queueStats().catch(() => undefined);
        if (stats) this.set(stats.processing);
      },
    });
  }
  if (historyBuffered) {
    new Gauge({
      name: `${p}history_buffered_rows`,
      help: 'Request history rows waiting in memory for the next batch insert',
      registers: [registry],
      collect() {
        this.set(historyBuffered());
      },
    });
  }
}
