import { z } from 'zod';
import { queryInputSchema } from '../query/query.schema.js';
import { metadataSchema } from '../query/request-limits.js';
import { storableString } from '../util/text.js';

export const TASK_STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const;
export const taskStatusSchema = z.enum(TASK_STATUSES);

export const PRIORITIES = { high: 1, medium: 2, low: 3 } as const;
export type PriorityName = keyof typeof PRIORITIES;
export const priorityName = (value: number): PriorityName => (value === 1 ? 'high' : value === 3 ? 'low' : 'medium');

/** Bounds that keep one task row small (metadata has its own, METADATA_LIMITS). */
export const TASK_LIMITS = { callbackUrlChars: 2_048 } as const;

const callbackUrlSchema = storableString()
  .max(TASK_LIMITS.callbackUrlChars)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'callbackUrl must be an absolute http(s) URL');

/** E2: the E1 body plus priority, callbackUrl and metadata. */
export const enqueueTaskInputSchema = queryInputSchema.extend({
  priority: z.enum(['high', 'medium', 'low']).optional(),
  callbackUrl: callbackUrlSchema.optional(),
  metadata: metadataSchema.optional(),
});
export type EnqueueTaskInput = z.infer<typeof enqueueTaskInputSchema>;

const TASK_ID = /^task_[A-Za-z0-9_-]{1,100}$/;
/** A string that cannot be a task id names no task: 404, like a missing one (never a database error). */
export const isTaskId = (value: string): boolean => TASK_ID.test(value);

export const taskIdInputSchema = z.strictObject({ taskId: z.string().min(1).max(200) });
export type TaskIdInput = z.infer<typeof taskIdInputSchema>;

/** E6 sort keys (the whitelist); each maps to a column. `priority` ascending lists high first. */
export const TASK_SORT_KEYS = ['createdAt', 'updatedAt', 'startedAt', 'completedAt', 'priority', 'status'] as const;
export type TaskSortKey = (typeof TASK_SORT_KEYS)[number];

const intFrom = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)], { error })
    .pipe(z.number({ error }).int().min(min).max(max));
};

export const listTasksInputSchema = z.strictObject({
  status: taskStatusSchema.optional(),
  page: intFrom(1, 1_000_000).optional(),
  limit: intFrom(1, 100).optional(),
  sortBy: z.enum(TASK_SORT_KEYS).optional(),
  sortOrder: z.enum(['asc', 'desc']).optional(),
});
export type ListTasksInput = z.infer<typeof listTasksInputSchema>;
