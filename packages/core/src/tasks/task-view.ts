import type { TaskStatus } from '../db/schema.js';
import type { QueryOutput, Usage } from '../query/query.schema.js';
import type { QueueEstimator } from './queue-estimates.js';
import { type PriorityName, priorityName } from './task.schema.js';
import type { TaskRow } from './task-repository.js';

type Metadata = Record<string, unknown>;

export interface TaskError {
  code: string;
  message: string;
  details?: unknown;
}

/** E3: the body depends on the status; every one echoes metadata and shows `retries`. */
export type TaskView =
  | {
      taskId: string;
      status: 'queued';
      position: number;
      estimatedStartTime: string;
      retries: number;
      metadata: Metadata;
    }
  | {
      taskId: string;
      status: 'processing';
      startTime: string;
      progress: number;
      estimatedCompletionTime: string;
      retries: number;
      metadata: Metadata;
    }
  | {
      taskId: string;
      status: 'completed';
      startTime: string;
      completionTime: string;
      retries: number;
      metadata: Metadata;
      resultAvailable: true;
    }
  | {
      taskId: string;
      status: 'failed';
      startTime: string | null;
      failureTime: string;
      error: TaskError;
      retries: number;
      metadata: Metadata;
    }
  | {
      taskId: string;
      status: 'cancelled';
      startTime?: string;
      cancellationTime: string;
      retries: number;
      metadata: Metadata;
    };

export interface TaskListItem {
  taskId: string;
  status: TaskStatus;
  priority: PriorityName;
  createdAt: string;
  completedAt?: string;
  position?: number;
  metadata: Metadata;
}

/** E4 */
export interface TaskResult {
  taskId: string;
  content: string;
  usage: Usage;
  metadata: Metadata & { timestamp: string; model: string; cached: boolean };
}

const iso = (d: Date | null): string => (d ?? new Date(0)).toISOString();
const metadataOf = (row: TaskRow): Metadata => (row.metadata as Metadata | null) ?? {};

/**
 * The `position` a caller sees: its place in line, 1 for the next task to start (the spec's examples count
 * 3, 2 and 1, never 0), from the number of queued tasks that start before it.
 */
export const placeInLine = (ahead: number): number => ahead + 1;

export async function toTaskView(
  row: TaskRow,
  position: () => Promise<number>,
  estimator: QueueEstimator,
): Promise<TaskView> {
  const base = { taskId: row.id, retries: row.retries, metadata: metadataOf(row) };
  switch (row.status) {
    case 'queued': {
      const ahead = await position();
      return {
        ...base,
        status: 'queued',
        position: placeInLine(ahead),
        estimatedStartTime: (await estimator.startTime(ahead)).toISOString(),
      };
    }
    case 'processing': {
      const started = row.started_at ?? new Date();
      const eta = row.estimated_completion_at ?? (await estimator.completionTime(started));
      return {
        ...base,
        status: 'processing',
        startTime: started.toISOString(),
        progress: Math.min(1, Math.max(0, row.progress ?? 0)),
        estimatedCompletionTime: eta.toISOString(),
      };
    }
    case 'completed':
      return {
        ...base,
        status: 'completed',
        startTime: iso(row.started_at),
        completionTime: iso(row.completed_at),
        resultAvailable: true,
      };
    case 'failed':
      return {
        ...base,
        status: 'failed',
        startTime: row.started_at ? row.started_at.toISOString() : null,
        failureTime: iso(row.completed_at),
        error: row.error as TaskError,
      };
    case 'cancelled':
      return {
        ...base,
        status: 'cancelled',
        ...(row.started_at ? { startTime: row.started_at.toISOString() } : {}),
        cancellationTime: iso(row.completed_at),
      };
  }
}

export function toListItem(row: TaskRow & { position: number | null }): TaskListItem {
  return {
    taskId: row.id,
    status: row.status,
    priority: priorityName(row.priority),
    createdAt: row.created_at.toISOString(),
    ...(row.completed_at ? { completedAt: row.completed_at.toISOString() } : {}),
    ...(row.status === 'queued' && row.position !== null ? { position: placeInLine(row.position) } : {}),
    metadata: metadataOf(row),
  };
}

/** The answer's own fields win over user metadata of the same name, so they can be trusted. */
export function toTaskResult(row: TaskRow): TaskResult {
  const output = row.result as QueryOutput;
  return {
    taskId: row.id,
    content: output.content,
    usage: output.usage,
    metadata: { ...metadataOf(row), ...output.metadata },
  };
}
