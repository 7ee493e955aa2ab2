import {
  rotatedWebhookSecretSchema,
  storableString,
  webhookDeliveryDetailSchema,
  webhookDeliveryListSchema,
  webhookDeliverySchema,
} from '@claude-proxy/core';
import { z } from 'zod';
import type { Principal } from '../context.js';
import { authedProcedure } from '../trpc.js';

/** An admin sees every client's deliveries; anyone else only their own (undefined = no client filter). */
const scopeOf = (principal: Principal) => (principal.permissions.includes('admin') ? undefined : principal.clientId);

const deliveryIdSchema = z.string().regex(/^whd_[A-Za-z0-9_-]{1,64}$/, 'deliveryId must look like whd_…');

export const listDeliveriesInputSchema = z
  .strictObject({
    taskId: storableString().min(1).max(200).optional(),
    status: z.enum(['pending', 'delivered', 'failed']).optional(),
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
    limit: z.coerce.number().int().min(1).max(100).default(10),
  })
  .default({ page: 1, limit: 10 });

/** Webhook deliveries, newest first: all of them for an admin, the caller's own otherwise. */
export const listDeliveriesProcedure = authedProcedure('queue')
  .input(listDeliveriesInputSchema)
  .output(webhookDeliveryListSchema)
  .query(({ ctx, input }) => {
    const clientId = scopeOf(ctx.principal);
    return ctx.services.webhooks.listDeliveries({
      ...(clientId !== undefined ? { clientId } : {}),
      ...(input.taskId !== undefined ? { taskId: input.taskId } : {}),
      ...(input.status !== undefined ? { status: input.status } : {}),
      page: input.page,
      limit: input.limit,
    });
  });

/** One delivery with every attempt (status, latency, error). */
export const getDeliveryProcedure = authedProcedure('queue')
  .input(z.strictObject({ deliveryId: deliveryIdSchema }))
  .output(webhookDeliveryDetailSchema)
  .query(({ ctx, input }) => ctx.services.webhooks.getDelivery(input.deliveryId, scopeOf(ctx.principal)));

/** Sends a finished delivery again: a new round of attempts with the same webhook-id. */
export const redeliverProcedure = authedProcedure('queue')
  .input(z.strictObject({ deliveryId: deliveryIdSchema }))
  .output(webhookDeliverySchema)
  .mutation(({ ctx, input }) => ctx.services.webhooks.redeliver(input.deliveryId, scopeOf(ctx.principal)));

export const rotateSecretInputSchema = z
  .strictObject({
    /** How long the previous secret keeps verifying. Default 24 h, at most 7 days. */
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .default(24 * 3600),
  })
  .default({ graceSeconds: 24 * 3600 });

/** A new signing secret for the caller, shown once; the previous one stays valid for the grace period. */
export const rotateSecretProcedure = authedProcedure('queue')
  .input(rotateSecretInputSchema)
  .output(rotatedWebhookSecretSchema)
  .mutation(async ({ ctx, input }) => {
    const rotated = await ctx.services.webhooks.rotateWebhookSecret(ctx.principal.clientId, input);
    return {
      clientId: ctx.principal.clientId,
      webhookSecret: rotated.webhookSecret,
      previousSecretExpiresAt: rotated.previousSecretExpiresAt,
      message: 'Store this secret now: it is not shown again.',
    };
  });
