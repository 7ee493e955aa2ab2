import { z } from 'zod';

const perMinute = z.number().int().min(1);

/** GET/PUT/DELETE /api/admin/rate-limits/:clientId: the stored overrides and the limits in force. */
export const clientRateLimitsOutputSchema = z.object({
  clientId: z.string(),
  /** Only what differs from the defaults. */
  overrides: z.object({
    query: perMinute.optional(),
    queue: perMinute.optional(),
    read: perMinute.optional(),
    maxTokens: perMinute.optional(),
  }),
  /** Requests per minute by type (0: that limit is off) and the maxTokens cap (null: the model's own). */
  limits: z.object({
    query: z.number().int().min(0),
    queue: z.number().int().min(0),
    read: z.number().int().min(0),
    maxTokens: z.number().int().min(1).nullable(),
  }),
  updatedAt: z.iso.datetime().nullable(),
});
