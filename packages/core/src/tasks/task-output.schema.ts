import { z } from 'zod';
import { usageSchema } from '../query/query.schema.js';
import { webhookStateSchema } from '../webhooks/webhook.schema.js';
import { TASK_STATUSES } from './task.schema.js';

/** The answers of E2-E6 (the shapes of task-view.ts), for the procedures' `.output()` and the OpenAPI document. */
const iso = z.iso.datetime();
const metadata = z.record(z.string(), z.unknown());
const taskId = z.string();
const count = z.number().int().min(0);
/** A place in line: 1 for the next task to start. */
const position = z.number().int().min(1);

/** E2 (202). */
export const enqueuedTaskSchema = z.object({
  taskId,
  status: z.literal('queued'),
  position,
  estimatedStartTime: iso,
  metadata,
});

const common = { taskId, retries: count, metadata, webhook: webhookStateSchema.optional() };

/** E3: the body depends on the status; `webhook` appears once the task has a delivery. */
export const taskViewSchema = z.discriminatedUnion('status', [
  z.object({ ...common, status: z.literal('queued'), position, estimatedStartTime: iso }),
  z.object({
    ...common,
    status: z.literal('processing'),
    startTime: iso,
    progress: z.number().min(0).max(1),
    estimatedCompletionTime: iso,
  }),
  z.object({
    ...common,
    status: z.literal('completed'),
    startTime: iso,
    completionTime: iso,
    resultAvailable: z.literal(true),
  }),
  z.object({
    ...common,
    status: z.literal('failed'),
    startTime: iso.nullable(),
    failureTime: iso,
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  }),
  z.object({ ...common, status: z.literal('cancelled'), startTime: iso.optional(), cancellationTime: iso }),
]);

/** E4: user metadata with the answer's own fields over it. */
export const taskResultSchema = z.object({
  taskId,
  content: z.string(),
  usage: usageSchema,
  metadata: z.looseObject({ timestamp: z.string(), model: z.string(), cached: z.boolean() }),
});

/** E5. */
export const cancelledTaskSchema = z.object({ taskId, status: z.literal('cancelled'), message: z.string() });

/** E6. */
export const taskListSchema = z.object({
  tasks: z.array(
    z.object({
      taskId,
      status: z.enum(TASK_STATUSES),
      priority: z.enum(['high', 'medium', 'low']),
      createdAt: iso,
      completedAt: iso.optional(),
      position: position.optional(),
      metadata,
    }),
  ),
  pagination: z.object({ total: count, page: z.number().int().min(1), limit: z.number().int().min(1), pages: count }),
});
