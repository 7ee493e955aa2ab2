import { z } from 'zod';
import { storableString } from '../util/text.js';

/** GET /api/usage query: UTC days, both inclusive. Unknown query parameters (e.g. `apiKey`) are ignored. */
export const usageInputSchema = z.object({
  /** Admins only: whose usage to read. Default: the caller's own. */
  clientId: storableString().min(1).max(200).optional(),
  /** First day, `YYYY-MM-DD`. Default: 29 days before `to`. */
  from: z.iso.date().optional(),
  /** Last day, `YYYY-MM-DD`. Default: today (UTC). */
  to: z.iso.date().optional(),
});
export type UsageInput = z.infer<typeof usageInputSchema>;

const countsShape = {
  requests: z.number().int(),
  cachedRequests: z.number().int(),
  failedRequests: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  totalTokens: z.number().int(),
};
export const usageCountsSchema = z.object(countsShape);
export type UsageCounts = z.infer<typeof usageCountsSchema>;

const modelCountsSchema = z.object({ model: z.string().nullable(), ...countsShape });

export const usageOutputSchema = z.object({
  clientId: z.string(),
  from: z.string(),
  to: z.string(),
  totals: usageCountsSchema,
  byModel: z.array(modelCountsSchema),
  byDay: z.array(z.object({ date: z.string(), ...countsShape, models: z.array(modelCountsSchema) })),
});
export type UsageOutput = z.infer<typeof usageOutputSchema>;
