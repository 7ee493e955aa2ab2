import { sql } from 'kysely';
import type { ClaudeUpstream } from '../claude/upstream.js';
import type { Db } from '../db/create-db.js';
import type { Clock } from '../util/clock.js';

export type ComponentStatus = 'healthy' | 'unhealthy';

export interface ComponentHealth {
  status: ComponentStatus;
  error?: string;
  lastSuccessfulConnection?: string | null;
  [key: string]: unknown;
}

export interface HealthReport {
  status: 'healthy' | 'degraded';
  version: string;
  components: Record<string, ComponentHealth>;
}

export interface QueueStats {
  size: number;
  processing: number;
}

export interface HealthDeps {
  db: Db;
  upstream: ClaudeUpstream;
  clock: Clock;
  version: string;
  startedAt: number;
  /** Upstream checks run at most once per interval; between them the last result is reused. */
  upstreamCheckIntervalMs: number;
  timeoutMs: number;
  queueStats?: () => Promise<QueueStats>;
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)}MB`;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** E7: each component checked with a timeout; any unhealthy one makes the whole report degraded (503). */
export function createHealthChecker(deps: HealthDeps) {
  const last: Record<string, number | null> = { database: null, claudeApi: null, queue: null };
  let upstreamCache: { at: number; result: ComponentHealth } | undefined;

  const timed = async (name: string, check: () => Promise<Record<string, unknown>>): Promise<ComponentHealth> => {
    const started = performance.now();
    try {
      const extra = await withTimeout(check(), deps.timeoutMs, name);
      last[name] = deps.clock.now();
      return { status: 'healthy', latency: Math.round(performance.now() - started), ...extra };
    } catch (error) {
      const at = last[name];
      return {
        status: 'unhealthy',
        error: error instanceof Error ? error.message : String(error),
        lastSuccessfulConnection: at ? new Date(at).toISOString() : null,
      };
    }
  };

  const checkUpstream = async (): Promise<ComponentHealth> => {
    const now = deps.clock.now();
    if (upstreamCache && now - upstreamCache.at < deps.upstreamCheckIntervalMs) return upstreamCache.result;
    const result = await timed('claudeApi', async () => {
      await deps.upstream.ping();
      return {};
    });
    upstreamCache = { at: now, result };
    return result;
  };

  return async function checkHealth(): Promise<HealthReport> {
    const memory = process.memoryUsage();
    const [database, claudeApi, queue] = await Promise.all([
      timed('database', async () => {
        await sql`SELECT 1`.execute(deps.db.db);
        return { connectionPool: deps.db.pool.totalCount, idle: deps.db.pool.idleCount };
      }),
      checkUpstream(),
      deps.queueStats ? timed('queue', async () => ({ ...(await deps.queueStats!()) })) : undefined,
    ]);
    const components: Record<string, ComponentHealth> = {
      server: {
        status: 'healthy',
        uptime: Math.floor((deps.clock.now() - deps.startedAt) / 1000),
        memoryUsage: { rss: mb(memory.rss), heapTotal: mb(memory.heapTotal), heapUsed: mb(memory.heapUsed) },
      },
      claudeApi,
      database,
    };
    if (queue) components.queue = queue;
    const healthy = Object.values(components).every((c) => c.status === 'healthy');
    return { status: healthy ? 'healthy' : 'degraded', version: deps.version, components };
  };
}
