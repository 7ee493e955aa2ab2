import { z } from 'zod';
import { storableString } from '../util/text.js';

/** Upper bounds that keep one request from exhausting memory; finer per-model caps apply after resolution. */
export const LIMITS = {
  promptChars: 400_000,
  systemChars: 100_000,
  maxTokens: 128_000,
  modelChars: 100,
} as const;

export const parametersSchema = z
  .strictObject({
    temperature: z.number().min(0).max(1).optional(),
    maxTokens: z.number().int().min(1).max(LIMITS.maxTokens).optional(),
    model: storableString().min(1).max(LIMITS.modelChars).optional(),
    topP: z.number().min(0).max(1).optional(),
    topK: z.number().int().min(0).max(1_000).optional(),
  })
  .describe('Sampling parameters; every field optional with the spec defaults.');
export type Parameters = z.infer<typeof parametersSchema>;

export const queryInputSchema = z.strictObject({
  prompt: storableString()
    .min(1, 'prompt must not be empty')
    .max(LIMITS.promptChars)
    .refine((p) => p === '' || p.trim() !== '', 'prompt must not be only whitespace'),
  system: storableString().max(LIMITS.systemChars).optional(),
  caching: z.boolean().optional(),
  parameters: parametersSchema.optional(),
});
export type QueryInput = z.infer<typeof queryInputSchema>;

export const usageSchema = z.object({
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  totalTokens: z.number().int(),
});
export type Usage = z.infer<typeof usageSchema>;

export const queryOutputSchema = z.object({
  id: z.string(),
  content: z.string(),
  usage: usageSchema,
  metadata: z.object({
    timestamp: z.string(),
    model: z.string(),
    cached: z.boolean(),
  }),
});
export type QueryOutput = z.infer<typeof queryOutputSchema>;
