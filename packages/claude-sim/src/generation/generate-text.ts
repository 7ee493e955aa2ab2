import { createHash } from 'node:crypto';
import { createPrng } from './prng.js';
import { splitIntoTokens } from './token-model.js';
import { CAPITALISED_WORDS, SPACED_WORDS, WORDS } from './vocabulary.js';

export interface GenerationRequest {
  model: string;
  max_tokens: number;
  messages: unknown;
  system?: unknown;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
}

export interface GeneratedText {
  text: string;
  /** The text split as it is streamed; one entry per output token. */
  tokens: string[];
  outputTokens: number;
  stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence';
  stopSequence: string | null;
}

/** A natural answer is 20..200 tokens, so max_tokens >= 200 always ends with end_turn. */
export const MIN_NATURAL_TOKENS = 20;
export const MAX_NATURAL_TOKENS = 200;

/**
 * Deterministic reply text: the same model, system, messages and sampling parameters always give the
 * same words. The text is cut by max_tokens (stop_reason max_tokens) and by stop_sequences.
 * `fixedText` replaces the generated words (scripted replies) but is cut the same way.
 */
export function generateText(request: GenerationRequest, fixedText?: string): GeneratedText {
  const natural = fixedText === undefined ? naturalTokens(request) : splitIntoTokens(fixedText);
  const limit = Math.max(0, request.max_tokens);
  const cut = natural.length > limit;
  const tokens = cut ? natural.slice(0, limit) : natural;
  const stops = request.stop_sequences;
  if (stops && stops.length > 0) {
    const hit = applyStopSequences(tokens, stops);
    if (hit) return hit;
  }
  return finish(tokens, cut ? 'max_tokens' : 'end_turn', null);
}

function naturalTokens(request: GenerationRequest): string[] {
  const digest = createHash('sha1')
    .update(request.model)
    .update('\u0000')
    .update(JSON.stringify(request.system ?? null))
    .update('\u0000')
    .update(JSON.stringify(request.messages))
    .update(`\u0000${request.temperature}|${request.top_p}|${request.top_k}`)
    .digest();
  const span = MAX_NATURAL_TOKENS - MIN_NATURAL_TOKENS + 1;
  const length = MIN_NATURAL_TOKENS + (digest.readUInt32LE(4) % span);
  const random = createPrng(digest.readUInt32LE(0));
  const tokens: string[] = new Array(length);
  let untilSentenceEnd = 0;
  for (let i = 0; i < length; i++) {
    const word = Math.floor(random() * WORDS.length);
    const startsSentence = untilSentenceEnd === 0;
    if (startsSentence) untilSentenceEnd = 5 + Math.floor(random() * 10);
    untilSentenceEnd -= 1;
    let token = startsSentence ? CAPITALISED_WORDS[word]! : SPACED_WORDS[word]!;
    if (startsSentence && i > 0) token = ` ${token}`;
    if (untilSentenceEnd === 0 || i === length - 1) token += '.';
    else if (random() < 0.06) token += ',';
    tokens[i] = token;
  }
  return tokens;
}

/** Finds the earliest stop sequence; the matched text is dropped, the token that completed it still counts. */
function applyStopSequences(tokens: string[], stops: string[]): GeneratedText | undefined {
  let text = '';
  for (let i = 0; i < tokens.length; i++) {
    const before = text.length;
    text += tokens[i];
    let best: { index: number; stop: string } | undefined;
    for (const stop of stops) {
      if (stop.length === 0) continue;
      const index = text.indexOf(stop, Math.max(0, before - stop.length + 1));
      if (index !== -1 && (!best || index < best.index)) best = { index, stop };
    }
    if (best) {
      const kept = truncateTokens(tokens.slice(0, i + 1), best.index);
      const result = finish(kept, 'stop_sequence', best.stop);
      return { ...result, outputTokens: i + 1 };
    }
  }
  return undefined;
}

/** Cuts the token list so its concatenation is exactly `length` characters long. */
function truncateTokens(tokens: string[], length: number): string[] {
  let remaining = length;
  return tokens.map((token) => {
    const piece = token.slice(0, Math.max(0, remaining));
    remaining -= piece.length;
    return piece;
  });
}

function finish(tokens: string[], stopReason: GeneratedText['stopReason'], stopSequence: string | null): GeneratedText {
  const text = tokens.join('');
  // The real API reports output tokens even for an empty reply.
  return { text, tokens, outputTokens: Math.max(1, tokens.length), stopReason, stopSequence };
}
