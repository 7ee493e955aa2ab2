import { checkString, extraField, isObject, type Problem } from './field-checks.js';

const BLOCK_TYPES = [
  'text',
  'image',
  'document',
  'search_result',
  'thinking',
  'redacted_thinking',
  'tool_use',
  'tool_result',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
  'container_upload',
];
const KNOWN_BLOCK_TYPES: ReadonlySet<string> = new Set(BLOCK_TYPES);
const TEXT_BLOCK_FIELDS: ReadonlySet<string> = new Set(['type', 'text', 'cache_control', 'citations']);
const MESSAGE_FIELDS: ReadonlySet<string> = new Set(['role', 'content']);

export type ConsecutiveRoles = 'merge' | 'reject';

export function validateSystem(system: unknown): Problem {
  if (system === undefined || typeof system === 'string') return undefined;
  if (!Array.isArray(system)) return 'system: Input should be a valid string or a list of text blocks';
  for (let i = 0; i < system.length; i++) {
    const block: unknown = system[i];
    if (!isObject(block) || block.type !== 'text') return `system.${i}.type: Input should be 'text'`;
    const problem = validateTextBlock(block, `system.${i}.`);
    if (problem) return problem;
  }
  return undefined;
}

export function validateMessages(messages: unknown, roles: ConsecutiveRoles): Problem {
  if (!Array.isArray(messages)) return 'messages: Input should be a valid list';
  if (messages.length === 0) return 'messages: at least one message is required';
  let previousRole: unknown;
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i];
    const path = `messages.${i}`;
    if (!isObject(message)) return `${path}: Input should be a valid dictionary or object`;
    const problem =
      extraField(message, MESSAGE_FIELDS, `${path}.`) ??
      (message.role === undefined ? `${path}.role: Field required` : undefined) ??
      (message.content === undefined ? `${path}.content: Field required` : undefined) ??
      (message.role !== 'user' && message.role !== 'assistant'
        ? `${path}.role: Input should be 'user' or 'assistant'`
        : undefined) ??
      validateMessageContent(message.content, path, i === messages.length - 1 && message.role === 'assistant');
    if (problem) return problem;
    if (roles === 'reject') {
      if (i === 0 && message.role !== 'user') return 'messages: first message must use the "user" role';
      if (message.role === previousRole) {
        return `messages: roles must alternate between "user" and "assistant", but found multiple "${message.role}" roles in a row`;
      }
    }
    previousRole = message.role;
  }
  return undefined;
}

function validateMessageContent(content: unknown, path: string, finalAssistant: boolean): Problem {
  const empty = content === '' || (Array.isArray(content) && content.length === 0);
  if (empty && !finalAssistant) {
    return `${path}: all messages must have non-empty content except for the optional final assistant message`;
  }
  if (typeof content === 'string') return undefined;
  if (!Array.isArray(content)) return `${path}.content: Input should be a valid string or a list of content blocks`;
  for (let j = 0; j < content.length; j++) {
    const problem = validateBlock(content[j], `${path}.content.${j}`);
    if (problem) return problem;
  }
  return undefined;
}

function validateBlock(block: unknown, path: string): Problem {
  if (!isObject(block)) return `${path}: Input should be a valid dictionary or object`;
  if (typeof block.type !== 'string') return `${path}.type: Field required`;
  if (!KNOWN_BLOCK_TYPES.has(block.type)) {
    return `${path}: Input tag '${block.type}' found using 'type' does not match any of the expected tags: ${BLOCK_TYPES.map((t) => `'${t}'`).join(', ')}`;
  }
  if (block.type === 'text') return validateTextBlock(block, `${path}.`);
  if (block.type === 'tool_use') {
    if (typeof block.id !== 'string') return `${path}.id: Field required`;
    if (typeof block.name !== 'string') return `${path}.name: Field required`;
    if (!isObject(block.input)) return `${path}.input: Input should be a valid dictionary`;
  }
  if (block.type === 'tool_result' && typeof block.tool_use_id !== 'string')
    return `${path}.tool_use_id: Field required`;
  return undefined;
}

function validateTextBlock(block: Record<string, unknown>, prefix: string): Problem {
  const problem = extraField(block, TEXT_BLOCK_FIELDS, prefix) ?? checkString(block.text, `${prefix}text`);
  if (problem) return problem;
  if (block.text === undefined) return `${prefix}text: Field required`;
  if (block.text === '') return 'messages: text content blocks must be non-empty';
  return undefined;
}
