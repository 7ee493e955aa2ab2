import { z } from 'zod';

/**
 * A timestamp as the API shows it: the domain hands out Dates, the wire carries ISO 8601 strings, over REST
 * and tRPC alike. The pipe makes the OpenAPI document (output side) say `string, date-time`.
 */
export const isoDateSchema = z
  .date()
  .transform((d) => d.toISOString())
  .pipe(z.iso.datetime());

const deliveryStatus = z.enum(['pending', 'delivered', 'failed']);
const count = z.number().int().min(0);

/** The webhook part of a task's status (E3) once the task has a delivery. */
export const webhookStateSchema = z.object({
  deliveryId: z.string(),
  status: deliveryStatus,
  attempts: count,
  lastAttemptAt: isoDateSchema.nullable(),
  lastStatus: z.number().int().nullable(),
  nextAttemptAt: isoDateSchema.nullable(),
});

export const webhookDeliverySchema = z.object({
  deliveryId: z.string(),
  webhookId: z.string(),
  taskId: z.string(),
  clientId: z.string(),
  event: z.string(),
  url: z.string(),
  status: deliveryStatus,
  attempts: count,
  lastAttemptAt: isoDateSchema.nullable(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: isoDateSchema.nullable(),
  deliveredAt: isoDateSchema.nullable(),
  createdAt: isoDateSchema,
});

export const webhookDeliveryDetailSchema = webhookDeliverySchema.extend({
  attemptLog: z.array(
    z.object({
      attempt: z.number().int().min(1),
      startedAt: isoDateSchema,
      latencyMs: z.number().min(0),
      statusCode: z.number().int().nullable(),
      error: z.string().nullable(),
      verdict: z.enum(['delivered', 'retry', 'failed']),
    }),
  ),
});

export const webhookDeliveryListSchema = z.object({
  deliveries: z.array(webhookDeliverySchema),
  pagination: z.object({ total: count, page: z.number().int().min(1), limit: z.number().int().min(1), pages: count }),
});

/** POST /api/webhooks/secret/rotate: the new secret, shown once. */
export const rotatedWebhookSecretSchema = z.object({
  clientId: z.string(),
  webhookSecret: z.string(),
  previousSecretExpiresAt: isoDateSchema.nullable(),
  message: z.string(),
});
