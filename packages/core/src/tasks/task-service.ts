import type PgBoss from 'pg-boss';
import { AppError } from '../errors/app-error.js';
import type { Notifier } from '../events/notifier.js';
import type { QueryDeps } from '../query/run-query.js';
import type { Clock } from '../util/clock.js';
import type { IdGenerator } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import { type CancelledTask, cancelTask } from './cancel-task.js';
import { createTaskEnqueuer, type EnqueuedTask, enqueueTask } from './enqueue-task.js';
import { createTaskFinisher } from './finish-tasks.js';
import { getTask, getTaskResult } from './get-task.js';
import { listTasks, type TaskList } from './list-tasks.js';
import { createQueueEstimator, type TaskQueueStats } from './queue-estimates.js';
import type { EnqueueTaskInput, ListTasksInput } from './task.schema.js';
import type { TaskConfig, TaskDeps } from './task-deps.js';
import { noTaskHooks, type TaskHooks } from './task-hooks.js';
import { noTaskObserver, type TaskObserver } from './task-observer.js';
import { TaskQueue } from './task-queue.js';
import { purgeFinished, type TaskDb } from './task-repository.js';
import { createTaskSignals } from './task-signals.js';
import type { TaskResult, TaskView } from './task-view.js';
import { startTaskWorker, type TaskWorker } from './task-worker.js';

export interface TaskService {
  enqueue(input: EnqueueTaskInput, clientId: string): Promise<EnqueuedTask>;
  get(taskId: string, clientId: string): Promise<TaskView>;
  result(taskId: string, clientId: string): Promise<TaskResult>;
  cancel(taskId: string, clientId: string): Promise<CancelledTask>;
  list(input: ListTasksInput, clientId: string): Promise<TaskList>;
  stats(): Promise<TaskQueueStats>;
  /** Starts this instance's worker (SERVER_MODE all or worker). */
  startWorker(concurrency?: number): Promise<TaskWorker>;
  /** Deletes tasks finished before now - retention; returns rows removed. Run by a scheduled job. */
  purgeFinished(): Promise<number>;
  /** Creates the queue and subscribes to wake-ups; before the first enqueue. */
  start(): Promise<void>;
  readonly deps: TaskDeps | undefined;
}

export interface TaskServiceDeps {
  db: TaskDb;
  boss: PgBoss | undefined;
  notifier: Notifier | undefined;
  query: QueryDeps;
  config: TaskConfig;
  hooks?: TaskHooks;
  observer?: TaskObserver;
  clock: Clock;
  newId: IdGenerator;
  logger: Logger;
  /** The client's maxTokens cap (rate-limit overrides), checked at submission; absent: the model's cap only. */
  maxTokensCapFor?: (clientId: string) => Promise<number | null>;
}

export function createTaskService(d: TaskServiceDeps): TaskService {
  let deps: TaskDeps | undefined;
  if (d.boss) {
    const queue = new TaskQueue(d.boss, d.db, { expireInSeconds: Math.max(1, Math.ceil(d.config.leaseMs / 1000)) });
    const signals = createTaskSignals(d.notifier, d.logger);
    const hooks = d.hooks ?? noTaskHooks;
    deps = {
      db: d.db,
      queue,
      enqueuer: createTaskEnqueuer({ db: d.db, queue, onQueued: () => signals.queued() }),
      finisher: createTaskFinisher({ db: d.db, hooks }),
      estimator: createQueueEstimator(d.db, {
        clock: d.clock,
        defaultConcurrency: d.config.workerConcurrency,
        defaultDurationMs: d.config.defaultDurationMs,
        workerStaleMs: d.config.leaseMs,
        cacheMs: 1_000,
      }),
      signals,
      hooks,
      observer: d.observer ?? noTaskObserver,
      query: d.query,
      config: d.config,
      clock: d.clock,
      newId: d.newId,
      logger: d.logger.child({ component: 'tasks' }),
      ...(d.maxTokensCapFor ? { maxTokensCapFor: d.maxTokensCapFor } : {}),
    };
  }
  const need = (): TaskDeps => {
    if (!deps) throw new AppError('service_unavailable', 'The task queue is not configured on this instance');
    return deps;
  };
  return {
    deps,
    enqueue: (input, clientId) => enqueueTask(need(), input, clientId),
    get: (taskId, clientId) => getTask(need(), taskId, clientId),
    result: (taskId, clientId) => getTaskResult(need(), taskId, clientId),
    cancel: (taskId, clientId) => cancelTask(need(), taskId, clientId),
    list: (input, clientId) => listTasks(need(), input, clientId),
    stats: () => need().estimator.stats(),
    startWorker: (concurrency) => startTaskWorker(need(), concurrency ?? d.config.workerConcurrency),
    purgeFinished: () => purgeFinished(d.db, new Date(d.clock.now() - d.config.retentionMs)),
    async start() {
      if (!deps) return;
      await deps.queue.ensure();
      await deps.signals.start();
    },
  };
}
