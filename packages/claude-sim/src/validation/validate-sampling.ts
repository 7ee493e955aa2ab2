import type { ModelInfo } from '../models/model-table.js';
import { isObject, type Problem } from './field-checks.js';

const THINKING_DOCS = 'https://docs.claude.com/en/docs/build-with-claude/extended-thinking';

/** Per-model and thinking-related cross-field rules; the flags come from the model table. */
export function validateSampling(body: Record<string, unknown>, model: ModelInfo): Problem {
  const { temperature, top_p: topP, top_k: topK, thinking, tool_choice: toolChoice } = body;
  if (model.exclusiveTemperatureTopP && temperature !== undefined && topP !== undefined) {
    return '`temperature` and `top_p` cannot both be specified for this model. Please use only one.';
  }
  if (model.fixedSampling) {
    if (temperature !== undefined && temperature !== 1) {
      return '`temperature` is deprecated for this model; only the default value of 1.0 is accepted.';
    }
    if (typeof topP === 'number' && topP < 0.99) return '`top_p` must be at least 0.99 for this model.';
    if (topK !== undefined) return '`top_k` is not supported for this model.';
  }
  if (!isObject(thinking) || thinking.type !== 'enabled') return undefined;
  if (typeof thinking.budget_tokens === 'number' && thinking.budget_tokens >= (body.max_tokens as number)) {
    return `\`max_tokens\` must be greater than \`thinking.budget_tokens\`. Please consult our documentation at ${THINKING_DOCS}#max-tokens-and-context-window-size`;
  }
  if (temperature !== undefined && temperature !== 1) {
    return `\`temperature\` may only be set to 1 when thinking is enabled. Please consult our documentation at ${THINKING_DOCS}#important-considerations-when-using-extended-thinking`;
  }
  if (topK !== undefined)
    return `\`top_k\` is not compatible with thinking. Please consult our documentation at ${THINKING_DOCS}`;
  if (typeof topP === 'number' && (topP < 0.95 || topP > 1)) {
    return `\`top_p\` must be between 0.95 and 1 when thinking is enabled. Please consult our documentation at ${THINKING_DOCS}`;
  }
  if (isObject(toolChoice) && (toolChoice.type === 'any' || toolChoice.type === 'tool')) {
    return 'Thinking may not be enabled when tool_choice forces tool use.';
  }
  return undefined;
}
