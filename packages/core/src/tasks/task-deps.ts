import type { QueryDeps } from '../query/run-query.js';
import type { Clock } from '../util/clock.js';
import type { IdGenerator } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import type { TaskEnqueuer } from './enqueue-task.js';
import type { TaskFinisher } from './finish-tasks.js';
import type { QueueEstimator } from './queue-estimates.js';
import type { TaskHooks } from './task-hooks.js';
import type { TaskObserver } from './task-observer.js';
import type { TaskQueue } from './task-queue.js';
import type { TaskDb } from './task-repository.js';
import type { TaskSignals } from './task-signals.js';

export interface TaskConfig {
  /** Q1 default of maxRetries (transient upstream errors retried per task). */
  defaultMaxRetries: number;
  /** A processing task whose worker stops renewing for this long goes back to the queue. */
  leaseMs: number;
  /** Finished tasks are purged this long after they finished. */
  retentionMs: number;
  /** Claims in all (crash recoveries included) before a task is failed instead of re-queued. */
  maxDeliveries: number;
  /** Progress is written at most this often per task. */
  progressIntervalMs: number;
  /** Workers fetch at least this often even without a wake-up. */
  pollIntervalMs: number;
  /** Slots of this instance's worker; also the capacity assumed before any worker reported. */
  workerConcurrency: number;
  /** Run time assumed for estimates before any task completed. */
  defaultDurationMs: number;
}

export const DEFAULT_TASK_CONFIG: TaskConfig = {
  defaultMaxRetries: 3,
  leaseMs: 30_000,
  retentionMs: 7 * 24 * 3600 * 1000,
  maxDeliveries: 5,
  progressIntervalMs: 500,
  pollIntervalMs: 1_000,
  workerConcurrency: 8,
  defaultDurationMs: 10_000,
};

export interface TaskDeps {
  db: TaskDb;
  queue: TaskQueue;
  /** Writes submissions (batched under load). */
  enqueuer: TaskEnqueuer;
  /** Writes final states with their hooks (batched under load). */
  finisher: TaskFinisher;
  estimator: QueueEstimator;
  signals: TaskSignals;
  hooks: TaskHooks;
  /** History row and metrics per task (docs/observability.md). */
  observer: TaskObserver;
  /** The E1 pipeline (cache, upstream, retry policy) the worker runs each task through. */
  query: QueryDeps;
  config: TaskConfig;
  clock: Clock;
  newId: IdGenerator;
  logger: Logger;
  /** The client's maxTokens cap (rate-limit overrides), checked at submission. */
  maxTokensCapFor?: (clientId: string) => Promise<number | null>;
}
