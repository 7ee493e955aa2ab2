import { sql } from 'kysely';
import type { ClaudeUpstream } from '../claude/upstream.js';
import type { Db } from '../db/create-db.js';
import type { UpstreamMonitor } from '../observability/upstream-monitor.js';
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
  /** Jobs waiting (queued or waiting for a retry). */
  size: number;
  /** Jobs a worker holds. */
  processing: number;
  /** Waiting jobs by priority label, for the metrics gauge. */
  byPriority?: Record<string, number>;
}

export interface ReadinessReport {
  ready: boolean;
  database: ComponentHealth;
}

export interface HealthDeps {
  db: Db;
  upstream: ClaudeUpstream;
  monitor: UpstreamMonitor;
  clock: Clock;
  version: string;
  startedAt: number;
  /** The upstream is pinged at most once per interval, and only when no real call was seen within it. */
  upstreamCheckIntervalMs: number;
  timeoutMs: number;
  queueStats?: () => Promise<QueueStats>;
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)}MB`;
const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface HealthChecker {
  /** E7: every component; any unhealthy one makes the report degraded (503 over REST). */
  check(): Promise<HealthReport>;
  /** Readiness for orchestrators: can this instance serve (its database answers)? */
  ready(): Promise<ReadinessReport>;
}

export function createHealthChecker(deps: HealthDeps): HealthChecker {
  const last: Record<string, number | null> = { database: null, queue: null };
  let pinging: Promise<void> | undefined;
  // Any statement that went through counts as a successful connection, not only this check's own.
  const lastSuccess = (name: string) => {
    const own = last[name] ?? null;
    const any = name === 'database' ? deps.db.lastSuccessAt() : null;
    return own === null ? any : any === null ? own : Math.max(own, any);
  };

  const timed = async (name: string, check: () => Promise<Record<string, unknown>>): Promise<ComponentHealth> => {
    try {
      const extra = await withTimeout(check(), deps.timeoutMs, name);
      last[name] = deps.clock.now();
      return { status: 'healthy', ...extra };
    } catch (error) {
      return {
        status: 'unhealthy',
        error: error instanceof Error ? error.message : String(error),
        lastSuccessfulConnection: iso(lastSuccess(name)),
      };
    }
  };

  const checkDatabase = () =>
    timed('database', async () => {
      const started = performance.now();
      await sql`SELECT 1`.execute(deps.db.db);
      return {
        connectionPool: deps.db.pool.totalCount,
        idle: deps.db.pool.idleCount,
        waiting: deps.db.pool.waitingCount,
        latency: Math.round(performance.now() - started),
      };
    });

  // The instrumented upstream records the ping's outcome like any real call; only a ping this check
  // gave up on (timeout) leaves no trace there, so it is recorded here.
  const ping = () => {
    pinging ??= (async () => {
      const before = deps.monitor.snapshot().latest;
      try {
        await withTimeout(deps.upstream.ping(), deps.timeoutMs, 'Claude API');
      } catch (error) {
        if (deps.monitor.snapshot().latest === before) {
          deps.monitor.record(false, deps.timeoutMs, error instanceof Error ? error.message : String(error));
        }
      }
    })().finally(() => {
      pinging = undefined;
    });
    return pinging;
  };

  const checkUpstream = async (): Promise<ComponentHealth> => {
    const seen = deps.monitor.snapshot().latest;
    if (!seen || deps.clock.now() - seen.at >= deps.upstreamCheckIntervalMs) await ping();
    const { latest, lastSuccessAt, latencyMs } = deps.monitor.snapshot();
    if (latest?.reachable) return { status: 'healthy', latency: Math.round(latencyMs ?? latest.latencyMs) };
    return {
      status: 'unhealthy',
      error: latest?.error ?? 'Cannot connect to Claude API',
      lastSuccessfulConnection: iso(lastSuccessAt),
    };
  };

  const checkQueue = (stats: () => Promise<QueueStats>) =>
    timed('queue', async () => {
      const { size, processing } = await stats();
      return { size, processing };
    });

  return {
    async check() {
      const memory = process.memoryUsage();
      const [database, claudeApi, queue] = await Promise.all([
        checkDatabase(),
        checkUpstream(),
        deps.queueStats ? checkQueue(deps.queueStats) : undefined,
      ]);
      const components: Record<string, ComponentHealth> = {
        server: {
          status: 'healthy',
          uptime: Math.floor((deps.clock.now() - deps.startedAt) / 1000),
          memoryUsage: { rss: mb(memory.rss), heapTotal: mb(memory.heapTotal), heapUsed: mb(memory.heapUsed) },
        },
        claudeApi,
        ...(queue ? { queue } : {}),
        database,
      };
      const healthy = Object.values(components).every((c) => c.status === 'healthy');
      return { status: healthy ? 'healthy' : 'degraded', version: deps.version, components };
    },
    async ready() {
      const database = await checkDatabase();
      return { ready: database.status === 'healthy', database };
    },
  };
}
