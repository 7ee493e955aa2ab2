import { z } from 'zod';
import type { MessageRequest } from '../claude/upstream.js';
import { AppError } from '../errors/app-error.js';

/**
 * Output caps (max_tokens) of the models the default aliases point at, from Anthropic's model table.
 * A model not listed here is capped only by LIMITS.maxTokens and by the upstream's own 400.
 */
export const MODEL_MAX_OUTPUT_TOKENS: Readonly<Record<string, number>> = {
  'claude-opus-4-6': 128_000,
  'claude-sonnet-4-6': 128_000,
  'claude-opus-4-5-20251101': 64_000,
  'claude-sonnet-4-5-20250929': 64_000,
  'claude-haiku-4-5-20251001': 64_000,
};

/**
 * Refuses a request whose maxTokens passes the model's cap or the client's (400 naming the cap), so an
 * over-large request never costs an upstream round trip.
 */
export function enforceMaxTokens(request: MessageRequest, clientCap: number | null | undefined): void {
  const modelCap = MODEL_MAX_OUTPUT_TOKENS[request.model];
  if (modelCap !== undefined && request.max_tokens > modelCap) {
    throw new AppError(
      'invalid_request',
      `Invalid parameter parameters.maxTokens: at most ${modelCap} for ${request.model}`,
      {
        details: { parameter: 'parameters.maxTokens', max: modelCap, model: request.model },
      },
    );
  }
  if (clientCap !== undefined && clientCap !== null && request.max_tokens > clientCap) {
    throw new AppError(
      'invalid_request',
      `Invalid parameter parameters.maxTokens: at most ${clientCap} for this client`,
      {
        details: { parameter: 'parameters.maxTokens', max: clientCap },
      },
    );
  }
}

/** Bounds on the caller's `metadata` object (E2): echoed in every task answer, so kept small. */
export const METADATA_LIMITS = { maxBytes: 16 * 1024, maxDepth: 8, maxKeys: 100 } as const;

/** Stops at the limit, so a hostile nesting cannot exhaust the stack. */
function withinDepth(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (levels === 0) return false;
  for (const child of Object.values(value)) if (!withinDepth(child, levels - 1)) return false;
  return true;
}

/** A JSON object of at most METADATA_LIMITS (serialised size, nesting, top-level keys). */
export const metadataSchema = z
  .record(z.string().max(200), z.unknown())
  .refine((m) => Object.keys(m).length <= METADATA_LIMITS.maxKeys, {
    message: `metadata may have at most ${METADATA_LIMITS.maxKeys} keys`,
  })
  .refine((m) => withinDepth(m, METADATA_LIMITS.maxDepth), {
    message: `metadata may nest at most ${METADATA_LIMITS.maxDepth} levels`,
  })
  .refine((m) => Buffer.byteLength(JSON.stringify(m), 'utf8') <= METADATA_LIMITS.maxBytes, {
    message: `metadata may take at most ${METADATA_LIMITS.maxBytes} bytes as JSON`,
  });
export type Metadata = z.infer<typeof metadataSchema>;
