import type { Server } from 'node:http';
import { createServer, type RequestListener, type ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Simulator, startSimulator } from '@claude-proxy/claude-sim';
import {
  type Clock,
  createAnthropicUpstream,
  createDb,
  createPgBossQueueStats,
  createPgNotifier,
  createServices,
  type Db,
  DEFAULT_MODEL_ALIASES,
  DEFAULT_SERVICES_CONFIG,
  DEFAULT_WEBHOOK_CONFIG,
  migrateToLatest,
  type Services,
  scheduleTaskPurge,
} from '@claude-proxy/core';
import { serve } from '@hono/node-server';
import PgBoss from 'pg-boss';
import type { DestinationStream, Logger } from 'pino';
import { createApp } from './app.js';
import { authConfigFromEnv, ensureAdminAccess } from './auth-setup.js';
import { answerClientErrors } from './client-error.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres.js';
import type { Env } from './env.js';
import { createFastLane } from './fast-lane.js';
import { createLogger } from './logger.js';
import { createRequestObserver } from './observability/observe-requests.js';
import { createPromMetrics } from './observability/prom-metrics.js';
import { ensurePortFree, listenError } from './port-check.js';
import { VERSION } from './version.js';

export interface StartOptions {
  clock?: Clock;
  /** Where log lines go (tests capture them). Default stdout. */
  logDestination?: DestinationStream;
  logger?: Logger;
  /** Where the one-time administrator key banner goes. Default stdout. */
  announce?: (text: string) => void;
}

export interface ServerHandle {
  url: string;
  port: number;
  env: Env;
  services: Services;
  logger: Logger;
  simulator: Simulator | undefined;
  /** Graceful: stop accepting, finish in-flight requests (bounded by SHUTDOWN_TIMEOUT_MS), release resources. */
  close(): Promise<void>;
}

function closeHttp(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    // Keep-alive connections that finish their last request while draining are closed as they go idle.
    const sweeper = setInterval(() => server.closeIdleConnections(), 50);
    const timer = setTimeout(() => {
      server.closeAllConnections();
    }, timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweeper);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Boots every part the mode needs, in dependency order, and returns a handle that tears them down in reverse. */
export async function startServer(env: Env, options: StartOptions = {}): Promise<ServerHandle> {
  const logger =
    options.logger ??
    createLogger({ level: env.LOG_LEVEL, pretty: env.LOG_PRETTY, destination: options.logDestination });
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => logger.warn({ err }, 'shutdown step failed'));
  };
  try {
    await ensurePortFree(env.HOST, env.PORT);
    let connectionString = env.DATABASE_URL;
    let embedded: EmbeddedDatabase | undefined;
    if (!connectionString) {
      embedded = await startEmbeddedPostgres({ dataDir: env.DATA_DIR, port: env.EMBEDDED_PG_PORT, logger });
      cleanups.push(() => embedded!.stop());
      connectionString = embedded.connectionString;
      logger.warn({ dataDir: embedded.dataDir }, 'DATABASE_URL is not set: using the embedded Postgres');
    }

    const db: Db = createDb({ connectionString, schema: env.DATABASE_SCHEMA, max: env.DATABASE_POOL_MAX });
    cleanups.push(() => db.close());
    const applied = await migrateToLatest(db);
    logger.info({ applied, schema: db.schema }, applied.length ? 'migrations applied' : 'database schema is current');

    const bossSchema = env.DATABASE_SCHEMA === 'public' ? 'pgboss' : `${env.DATABASE_SCHEMA}_boss`;
    const boss = new PgBoss({
      connectionString,
      schema: bossSchema,
      max: 4,
      // Expiry of a job fetched by a worker that died (or lost its connection) before claiming its task is
      // checked this often: the job expires a lease after its fetch and is back within 1.5 × the lease.
      maintenanceIntervalSeconds: Math.max(1, Math.min(120, Math.ceil(env.TASK_LEASE_SECONDS / 2))),
    });
    // pg's errors carry the whole client (connection settings included): log only what says what happened.
    // Once pg-boss has stopped, a connection of its that the database closes on the way down is expected.
    let bossStopped = false;
    boss.on('error', (err: Error & { code?: string }) =>
      logger[bossStopped ? 'debug' : 'error'](
        { err: { type: err.name, message: err.message, code: err.code, stack: err.stack } },
        bossStopped ? 'pg-boss connection closed after it stopped' : 'pg-boss error',
      ),
    );
    await boss.start();
    cleanups.push(async () => {
      await boss.stop({ graceful: true, timeout: env.SHUTDOWN_TIMEOUT_MS });
      bossStopped = true;
    });

    let simulator: Simulator | undefined;
    let apiKey = env.ANTHROPIC_API_KEY;
    let baseURL = env.ANTHROPIC_BASE_URL;
    if (!apiKey) {
      simulator = await startSimulator({ port: 0 });
      cleanups.push(() => simulator!.close());
      apiKey = 'sim-local-key';
      baseURL = simulator.url;
      logger.warn(
        { simulator: simulator.url },
        '*** ANTHROPIC_API_KEY is not set: answers come from the built-in Claude SIMULATOR, not from Claude ***',
      );
    }
    const upstream = createAnthropicUpstream({
      apiKey,
      ...(baseURL ? { baseURL } : {}),
      firstByteTimeoutMs: env.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      totalTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
      userAgent: `claude-proxy/${VERSION}`,
    });

    const notifier = createPgNotifier({
      connectionString,
      namespace: `cp_${env.DATABASE_SCHEMA}`,
      pool: db.pool,
      logger,
    });
    cleanups.push(() => notifier.close());

    const queueStats = createPgBossQueueStats({ db, bossSchema });
    const metrics = createPromMetrics({
      clientLabels: env.METRICS_CLIENT_LABELS,
      queueStats,
      // Read at scrape time, after `services` exists.
      historyBuffered: () => services.history.buffered,
    });
    const services = createServices({
      db,
      metrics,
      queueStats,
      notifier,
      upstream,
      logger,
      boss,
      ...(options.clock ? { clock: options.clock } : {}),
      config: {
        ...DEFAULT_SERVICES_CONFIG,
        modelAliases: env.MODEL_ALIASES ?? DEFAULT_MODEL_ALIASES,
        cacheTtlMs: env.CACHE_TTL_SECONDS * 1000,
        cacheMaxBytes: env.CACHE_MAX_MB * 1024 * 1024,
        sharedCache: env.CACHE_SHARED,
        retryPolicy: {
          ...DEFAULT_SERVICES_CONFIG.retryPolicy,
          maxAttempts: env.UPSTREAM_MAX_ATTEMPTS,
          baseDelayMs: env.UPSTREAM_RETRY_BASE_DELAY_MS,
          maxDelayMs: env.UPSTREAM_RETRY_MAX_DELAY_MS,
        },
        version: VERSION,
        healthCheckIntervalMs: env.HEALTH_CHECK_INTERVAL_MS,
        historyEnabled: env.HISTORY_ENABLED,
        historyRetentionDays: env.HISTORY_RETENTION_DAYS,
        tasks: {
          ...DEFAULT_SERVICES_CONFIG.tasks,
          defaultMaxRetries: env.TASK_MAX_RETRIES,
          leaseMs: env.TASK_LEASE_SECONDS * 1000,
          retentionMs: env.TASK_RETENTION_HOURS * 3600 * 1000,
          workerConcurrency: env.WORKER_CONCURRENCY,
        },
        rateLimit: {
          perMinute: {
            query: env.RATE_LIMIT_QUERY_PER_MIN,
            queue: env.RATE_LIMIT_QUEUE_PER_MIN,
            read: env.RATE_LIMIT_READ_PER_MIN,
          },
          ipPerMinute: env.RATE_LIMIT_IP_PER_MIN,
          authFailuresPerMinute: env.RATE_LIMIT_AUTH_FAILURES_PER_MIN,
          ...(env.MAX_TOKENS_PER_REQUEST ? { maxTokensPerRequest: env.MAX_TOKENS_PER_REQUEST } : {}),
        },
        auth: authConfigFromEnv(env),
        webhooks: {
          ...DEFAULT_WEBHOOK_CONFIG,
          timeoutMs: env.WEBHOOK_TIMEOUT_MS,
          retry: {
            ...DEFAULT_WEBHOOK_CONFIG.retry,
            maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
            baseDelayMs: env.WEBHOOK_RETRY_BASE_DELAY_MS,
          },
          allowedHosts: env.WEBHOOK_ALLOWED_HOSTS,
          encryptionKey: env.WEBHOOK_SECRET_ENCRYPTION_KEY,
          userAgent: `claude-proxy-webhooks/${VERSION}`,
        },
      },
    });
    await services.start();
    // Runs after the HTTP server closed (cleanups run in reverse): in-flight requests' rows are flushed.
    cleanups.push(() => services.stop());
    await ensureAdminAccess(env, services, logger, options.announce ?? ((text) => process.stdout.write(text)));
    if (env.SERVER_MODE !== 'api') await services.webhooks.startWorker();

    // `api` serves HTTP only; `all` and `worker` run the task worker and the retention job.
    if (env.SERVER_MODE !== 'api') {
      const worker = await services.tasks.startWorker(env.WORKER_CONCURRENCY);
      cleanups.push(() => worker.stop(env.SHUTDOWN_TIMEOUT_MS));
      await scheduleTaskPurge(boss, () => services.tasks.purgeFinished(), logger);
    }

    let draining = false;
    const app = createApp({
      services,
      logger,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      metrics,
      isDraining: () => draining,
      // A worker-only process answers health checks and nothing else.
      healthOnly: env.SERVER_MODE === 'worker',
      ...(env.TRUSTED_PROXIES ? { trustedProxies: env.TRUSTED_PROXIES } : {}),
      cors: {
        origins: env.CORS_ORIGINS,
        methods: env.CORS_METHODS,
        headers: env.CORS_HEADERS,
        maxAgeSeconds: env.CORS_MAX_AGE_SECONDS,
      },
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      hstsMaxAgeSeconds: env.HSTS_MAX_AGE_SECONDS,
      allowQueryKey: env.AUTH_ALLOW_QUERY_KEY,
    });
    // The hot routes' common case runs on plain node:http (fast-lane.ts); everything else through Hono.
    const fastLane =
      env.SERVER_MODE === 'worker'
        ? undefined
        : await createFastLane({
            services,
            logger,
            observe: createRequestObserver({ logger, metrics, history: services.history }),
            bodyLimitBytes: env.BODY_LIMIT_BYTES,
            requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
            ...(env.TRUSTED_PROXIES ? { trustedProxies: env.TRUSTED_PROXIES } : {}),
            corsEnabled: env.CORS_ORIGINS.length > 0,
            hstsEnabled: env.HSTS_MAX_AGE_SECONDS > 0,
          });
    const server = await new Promise<Server>((resolve, reject) => {
      const s = serve(
        {
          fetch: app.fetch,
          port: env.PORT,
          hostname: env.HOST,
          createServer: ((serverOptions: ServerOptions, listener: RequestListener) =>
            createServer(serverOptions, (req, res) => {
              if (!fastLane?.(req, res)) listener(req, res);
            })) as typeof createServer,
        },
        () => resolve(s as Server),
      );
      s.once('error', (error: NodeJS.ErrnoException) => reject(listenError(env.HOST, env.PORT, error)));
    });
    server.keepAliveTimeout = 65_000;
    // Node's own limit on receiving a request (it answers 408 and closes) stays just past ours.
    server.requestTimeout = env.REQUEST_TIMEOUT_MS + 1_000;
    server.headersTimeout = Math.min(60_000, server.requestTimeout);
    answerClientErrors(server);
    cleanups.push(() => closeHttp(server, env.SHUTDOWN_TIMEOUT_MS));
    const port = (server.address() as AddressInfo).port;
    const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    logger.info(
      { url, bind: `${env.HOST}:${port}`, mode: env.SERVER_MODE, version: VERSION },
      'claude-proxy listening',
    );

    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      env,
      services,
      logger,
      simulator,
      close: () => {
        draining = true;
        closing ??= cleanup();
        return closing;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
