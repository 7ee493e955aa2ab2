import type { MessageRequest, UpstreamMessage } from '../claude/upstream.js';
import type { QueryInput, Usage } from './query.schema.js';

/** The spec's defaults (E1). */
export const QUERY_DEFAULTS = { temperature: 0.7, maxTokens: 1000, topP: 1, topK: 0 } as const;

/**
 * Maps the spec's parameters to the Messages API. Current models refuse temperature and top_p together,
 * so a caller who changes topP from its default gets top_p instead of temperature, never both.
 */
export function toMessageRequest(input: QueryInput, model: string): MessageRequest {
  const p = input.parameters ?? {};
  const request: MessageRequest = {
    model,
    max_tokens: p.maxTokens ?? QUERY_DEFAULTS.maxTokens,
    messages: [{ role: 'user', content: input.prompt }],
  };
  if (input.system !== undefined && input.system !== '') request.system = input.system;
  const topP = p.topP ?? QUERY_DEFAULTS.topP;
  if (topP !== QUERY_DEFAULTS.topP && p.temperature === undefined) request.top_p = topP;
  else request.temperature = p.temperature ?? QUERY_DEFAULTS.temperature;
  const topK = p.topK ?? QUERY_DEFAULTS.topK;
  if (topK > 0) request.top_k = topK;
  return request;
}

/** Every input token counts toward promptTokens, prompt-cache reads and writes included. */
export function toUsage(message: UpstreamMessage): Usage {
  const u = message.usage;
  const promptTokens = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
  return { promptTokens, completionTokens: u.output_tokens, totalTokens: promptTokens + u.output_tokens };
}

export function textOf(message: UpstreamMessage): string {
  let text = '';
  for (const block of message.content) if (block.type === 'text' && block.text) text += block.text;
  return text;
}
