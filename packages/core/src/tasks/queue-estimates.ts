import { sql } from 'kysely';
import type { Clock } from '../util/clock.js';
import type { TaskDb } from './task-repository.js';

export interface TaskQueueStats {
  /** Slots of the workers seen recently (falls back to the configured concurrency when none is). */
  capacity: number;
  processing: number;
  queued: number;
  /** Mean run time of recently completed tasks; the fallback when nothing finished lately. */
  avgDurationMs: number;
}

export interface EstimatorOptions {
  clock: Clock;
  /** Used when no worker has reported yet (e.g. an api-only instance started first). */
  defaultConcurrency: number;
  /** Assumed run time before any task has completed. */
  defaultDurationMs: number;
  /** A worker unseen for this long no longer counts toward capacity. */
  workerStaleMs: number;
  /** Stats are read at most this often per instance. */
  cacheMs: number;
}

/**
 * Position and time estimates from the measured recent run time and the live worker capacity.
 * With `free` idle slots, the task at `position` starts after (position - free + 1) completions,
 * which arrive at capacity / avgDuration per second.
 */
export function createQueueEstimator(db: TaskDb, options: EstimatorOptions) {
  let cached: { at: number; stats: Promise<TaskQueueStats> } | undefined;

  const load = async (): Promise<TaskQueueStats> => {
    const { rows } = await sql<{ capacity: number | null; processing: number; queued: number; avg_ms: number | null }>`
      SELECT
        (SELECT sum(concurrency) FROM task_workers
          WHERE seen_at > now() - (${options.workerStaleMs}::double precision * interval '1 millisecond'))::int AS capacity,
        (SELECT count(*) FROM tasks WHERE status = 'processing')::int AS processing,
        (SELECT count(*) FROM tasks WHERE status = 'queued')::int AS queued,
        (SELECT avg(extract(epoch FROM completed_at - started_at)) * 1000 FROM (
          SELECT completed_at, started_at FROM tasks
          WHERE status = 'completed' AND completed_at > now() - interval '10 minutes' AND started_at IS NOT NULL
          ORDER BY completed_at DESC LIMIT 200) recent)::double precision AS avg_ms`.execute(db);
    const row = rows[0];
    return {
      capacity: row?.capacity || options.defaultConcurrency,
      processing: row?.processing ?? 0,
      queued: row?.queued ?? 0,
      avgDurationMs: row?.avg_ms ?? options.defaultDurationMs,
    };
  };

  const stats = (): Promise<TaskQueueStats> => {
    const now = options.clock.now();
    if (!cached || now - cached.at >= options.cacheMs) {
      const promise = load();
      cached = { at: now, stats: promise };
      promise.catch(() => {
        if (cached?.stats === promise) cached = undefined;
      });
    }
    return cached.stats;
  };

  return {
    stats,
    async startTime(position: number): Promise<Date> {
      const s = await stats();
      const free = Math.max(0, s.capacity - s.processing);
      const waves = Math.max(0, position - free + 1);
      return new Date(options.clock.now() + Math.round((waves * s.avgDurationMs) / s.capacity));
    },
    async completionTime(startedAt: Date): Promise<Date> {
      const s = await stats();
      return new Date(Math.max(options.clock.now(), startedAt.getTime() + Math.round(s.avgDurationMs)));
    },
    invalidate(): void {
      cached = undefined;
    },
  };
}

export type QueueEstimator = ReturnType<typeof createQueueEstimator>;
