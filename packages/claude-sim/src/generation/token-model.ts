/**
 * The simulator's token model, kept deliberately simple and stable:
 * - input: ceil(characters / 4) over every text the model would read (system, message texts, tool
 *   definitions and non-text blocks as their JSON), plus 4 tokens of framing per message;
 * - output: one token per generated word (the word with its leading space and punctuation).
 * Streaming and non-streaming replies to the same request therefore report the same usage.
 */
export const CHARS_PER_TOKEN = 4;
export const TOKENS_PER_MESSAGE = 4;

export function tokensForChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

export interface CountableRequest {
  system?: unknown;
  messages?: unknown;
  tools?: unknown;
}

export function countInputTokens(request: CountableRequest): number {
  let chars = contentChars(request.system);
  let framing = 0;
  if (Array.isArray(request.messages)) {
    for (const message of request.messages) {
      framing += TOKENS_PER_MESSAGE;
      chars += contentChars((message as { content?: unknown } | null)?.content);
    }
  }
  if (Array.isArray(request.tools)) chars += JSON.stringify(request.tools).length;
  return Math.max(1, tokensForChars(chars) + framing);
}

function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let chars = 0;
  for (const block of content) {
    const text = (block as { type?: unknown; text?: unknown } | null)?.text;
    chars += typeof text === 'string' ? text.length : JSON.stringify(block ?? null).length;
  }
  return chars;
}

/** Splits text into output tokens: each piece is a word with its leading whitespace. */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}
