import { toStorableText } from '../util/text.js';
import { UpstreamError, type UpstreamMessage } from './upstream.js';

/*
 * U+0000 and unpaired surrogates: JSON can carry them (as escapes), Postgres jsonb cannot (the cache, task
 * results and webhook payloads are jsonb). They are replaced with U+FFFD (util/text.ts), in what is stored
 * and in what the caller gets, so a cached answer and a fresh one read the same.
 */

/** The raw answer text escapes a NUL or a surrogate: only then is the parsed answer walked and cleaned. */
export const MAY_NEED_CLEANING = /\\u(?:0000|[dD][89a-fA-F])/;

function storable(value: unknown): unknown {
  if (typeof value === 'string') return toStorableText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = storable(inner);
    return out;
  }
  return value;
}

/**
 * A parsed answer checked for the fields the proxy reads (content blocks, token usage), so a malformed one
 * fails as the upstream's error rather than as a TypeError further on; `clean` also makes its strings
 * storable.
 */
export function upstreamMessageFrom(value: unknown, clean: boolean): UpstreamMessage {
  const message = value as UpstreamMessage | null;
  const wellFormed =
    message !== null &&
    typeof message === 'object' &&
    Array.isArray(message.content) &&
    message.content.every((block) => block !== null && typeof block === 'object') &&
    message.usage !== null &&
    typeof message.usage === 'object' &&
    typeof message.usage.input_tokens === 'number' &&
    typeof message.usage.output_tokens === 'number';
  if (!wellFormed) throw new UpstreamError('connection', 'upstream answered with an unexpected body');
  return clean ? (storable(message) as UpstreamMessage) : message;
}
