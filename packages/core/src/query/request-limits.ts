import { z } from 'zod';
import type { MessageRequest } from '../claude/upstream.js';
import { AppError } from '../errors/app-error.js';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../util/text.js';

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
        details: `parameters.maxTokens: at most ${modelCap} for ${request.model}`,
      },
    );
  }
  if (clientCap !== undefined && clientCap !== null && request.max_tokens > clientCap) {
    throw new AppError(
      'invalid_request',
      `Invalid parameter parameters.maxTokens: at most ${clientCap} for this client`,
      {
        details: `parameters.maxTokens: at most ${clientCap} for this client`,
      },
    );
  }
}

/** Bounds on the caller's `metadata` object (E2): echoed in every task answer, so kept small. */
export const METADATA_LIMITS = { maxBytes: 16 * 1024, maxDepth: 8, maxKeys: 100 } as const;

type Walked = { problem: 'depth' } | { problem: 'text' | 'proto'; path: string } | undefined;

const PROTO_MESSAGE = 'may not use the key __proto__ (it would be lost in parsing, or pollute a reader)';

/**
 * One pass over the metadata without recursion (a hostile nesting cannot exhaust the stack): stops at the first
 * level deeper than `maxDepth` or the first key or string Postgres could not store.
 */
function walkMetadata(root: Record<string, unknown>, maxDepth: number): Walked {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: root, depth: 0, path: 'metadata' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth, path } = item;
    if (typeof value === 'string') {
      if (!isStorableText(value)) return { problem: 'text', path };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) return { problem: 'depth' };
    for (const [key, child] of Object.entries(value)) {
      const childPath = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
      if (!isStorableText(key)) return { problem: 'text', path: `${path} key` };
      if (key === '__proto__') return { problem: 'proto', path };
      stack.push({ value: child, depth: depth + 1, path: childPath });
    }
  }
  return undefined;
}

const metadataRecord = z.record(z.string().max(200), z.unknown()).superRefine((m, ctx) => {
  if (Object.keys(m).length > METADATA_LIMITS.maxKeys) {
    ctx.addIssue({ code: 'custom', message: `metadata may have at most ${METADATA_LIMITS.maxKeys} keys` });
    return;
  }
  const walked = walkMetadata(m, METADATA_LIMITS.maxDepth);
  if (walked?.problem === 'depth') {
    ctx.addIssue({ code: 'custom', message: `metadata may nest at most ${METADATA_LIMITS.maxDepth} levels` });
    return;
  }
  if (walked?.problem === 'proto') {
    ctx.addIssue({ code: 'custom', message: `${walked.path} ${PROTO_MESSAGE}` });
    return;
  }
  if (walked?.problem === 'text') {
    ctx.addIssue({ code: 'custom', message: `${walked.path} ${UNSTORABLE_TEXT_MESSAGE}` });
    return;
  }
  if (Buffer.byteLength(JSON.stringify(m), 'utf8') > METADATA_LIMITS.maxBytes) {
    ctx.addIssue({ code: 'custom', message: `metadata may take at most ${METADATA_LIMITS.maxBytes} bytes as JSON` });
  }
});
/**
 * A JSON object of at most METADATA_LIMITS (top-level keys, nesting, serialised size) that Postgres can store.
 * A top-level `__proto__` key is refused before the record is copied (the copy would silently drop it).
 */
export const metadataSchema = z.preprocess((value, ctx) => {
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, '__proto__'))
    ctx.addIssue({ code: 'custom', message: `metadata ${PROTO_MESSAGE}`, input: value });
  return value;
}, metadataRecord);
export type Metadata = z.infer<typeof metadataSchema>;
