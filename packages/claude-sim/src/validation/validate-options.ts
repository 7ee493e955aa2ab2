import { checkNumber, checkString, extraField, isObject, type Problem } from './field-checks.js';

const METADATA_FIELDS: ReadonlySet<string> = new Set(['user_id']);
const TOOL_CHOICES: ReadonlySet<string> = new Set(['auto', 'any', 'tool', 'none']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function validateStopSequences(value: unknown): Problem {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return 'stop_sequences: Input should be a valid list';
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') return `stop_sequences.${i}: Input should be a valid string`;
  }
  return undefined;
}

export function validateMetadata(value: unknown): Problem {
  if (value === undefined) return undefined;
  if (!isObject(value)) return 'metadata: Input should be a valid dictionary';
  const problem = extraField(value, METADATA_FIELDS, 'metadata.') ?? checkString(value.user_id, 'metadata.user_id');
  if (problem) return problem;
  if (typeof value.user_id === 'string' && value.user_id.length > 256) {
    return 'metadata.user_id: String should have at most 256 characters';
  }
  return undefined;
}

export function validateTools(value: unknown): Problem {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return 'tools: Input should be a valid list';
  for (let i = 0; i < value.length; i++) {
    const tool: unknown = value[i];
    if (!isObject(tool)) return `tools.${i}: Input should be a valid dictionary or object`;
    // Server tools carry a versioned `type`; only client (custom) tools need a schema.
    if (tool.type !== undefined && tool.type !== 'custom') continue;
    if (typeof tool.name !== 'string') return `tools.${i}.name: Field required`;
    if (!TOOL_NAME.test(tool.name)) return `tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
    if (!isObject(tool.input_schema)) return `tools.${i}.input_schema: Field required`;
  }
  return undefined;
}

export function validateToolChoice(value: unknown): Problem {
  if (value === undefined) return undefined;
  if (!isObject(value) || typeof value.type !== 'string' || !TOOL_CHOICES.has(value.type)) {
    return "tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'";
  }
  if (value.type === 'tool' && typeof value.name !== 'string') return 'tool_choice.name: Field required';
  return undefined;
}

export function validateThinking(value: unknown): Problem {
  if (value === undefined) return undefined;
  if (!isObject(value)) return 'thinking: Input should be a valid dictionary or object';
  if (value.type === 'enabled') {
    if (value.budget_tokens === undefined) return 'thinking.enabled.budget_tokens: Field required';
    return checkNumber(value.budget_tokens, 'thinking.enabled.budget_tokens', 1024, undefined, true);
  }
  if (value.type === 'disabled' || value.type === 'adaptive') return undefined;
  return "thinking: Input tag found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'";
}

export function validateServiceTier(value: unknown): Problem {
  if (value === undefined || value === 'auto' || value === 'standard_only') return undefined;
  return "service_tier: Input should be 'auto' or 'standard_only'";
}
