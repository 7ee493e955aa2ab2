import { ERROR_TABLE, type ErrorCode } from '../errors/app-error.js';
import type { RequestHistory } from '../history/request-history.js';
import type { Metrics } from '../observability/metrics.js';
import type { Usage } from '../query/query.schema.js';
import type { CacheStatus } from '../query/run-query.js';
import type { Clock } from '../util/clock.js';
import { priorityName } from './task.schema.js';
import type { TaskRow } from './task-repository.js';

/** A task its worker brought to a final state (a cancellation is recorded by its own E5 request). */
export interface TaskFinished {
  row: TaskRow;
  status: 'completed' | 'failed';
  /** `success` or the error code stored on the task. */
  outcome: string;
  model: string | null;
  usage?: Usage | undefined;
  cacheStatus?: CacheStatus | undefined;
  /** From the worker taking the task to its final state being committed. */
  durationMs: number;
}

/** What the worker reports, so a task is observed as E1 requests are (history row, metrics). */
export interface TaskObserver {
  /** A worker took the task out of the queue. */
  claimed(row: TaskRow): void;
  finished(event: TaskFinished): void;
}

export const noTaskObserver: TaskObserver = { claimed: () => {}, finished: () => {} };

const httpStatusOf = (code: string): number => ERROR_TABLE[code as ErrorCode]?.status ?? 500;

/**
 * The observer of docs/observability.md: queue wait per priority, duration per final status, errors with
 * source `task`, cache results, and one request_history row per finished task (method `TASK`).
 */
export function createTaskObserver(deps: { history: RequestHistory; metrics: Metrics; clock: Clock }): TaskObserver {
  const { history, metrics } = deps;
  return {
    claimed(row) {
      // Only the first claim waited in the queue; a recovered task's second claim measures the crash, not the queue.
      if (row.deliveries !== 1 || !row.started_at) return;
      metrics.queueWait(priorityName(row.priority), Math.max(0, row.started_at.getTime() - row.created_at.getTime()));
    },
    finished(event) {
      metrics.taskDuration(event.status, event.durationMs);
      if (event.status === 'failed') metrics.error(event.outcome, 'task');
      if (event.cacheStatus) metrics.cacheLookup(event.cacheStatus);
      history.record({
        at: deps.clock.now(),
        requestId: event.row.id,
        taskId: event.row.id,
        clientId: event.row.client_id,
        endpoint: '/api/claude/queue',
        method: 'TASK',
        status: event.status === 'completed' ? 200 : httpStatusOf(event.outcome),
        outcome: event.outcome,
        model: event.model,
        promptTokens: event.usage?.promptTokens ?? 0,
        completionTokens: event.usage?.completionTokens ?? 0,
        totalTokens: event.usage?.totalTokens ?? 0,
        latencyMs: Math.round(event.durationMs),
        cacheStatus: event.cacheStatus ?? null,
      });
    },
  };
}
