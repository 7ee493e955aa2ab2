import { UpstreamError, type UpstreamMessage } from './upstream.js';
import { MAY_NEED_CLEANING, upstreamMessageFrom } from './upstream-message.js';

/*
 * A streamed Messages API answer (`stream: true`), read as server-sent events and folded into the message
 * the same call without streaming would have returned, as the official SDK's MessageStream does:
 * `message_start` carries the message without content, `content_block_start` / `_delta` / `_stop` build
 * each block, `message_delta` brings the stop reason and the final usage, `message_stop` ends it, `ping`
 * is ignored and `error` is the upstream failing mid-answer. Sources: docs/design/anthropic-api.md.
 */

interface Block {
  type: string;
  text?: string;
  thinking?: string;
  signature?: string;
  input?: unknown;
  citations?: unknown[];
  /** input_json_delta fragments of a tool_use block, parsed at its content_block_stop. */
  partialJson?: string;
}

interface Message {
  content: Block[];
  stop_reason: string | null;
  stop_sequence?: string | null;
  usage: Record<string, unknown>;
}

const USAGE_FIELDS = [
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'server_tool_use',
] as const;

/**
 * Feed it the body's text as it arrives (`push`), then `finish()` for the message. `onProgress` gets the
 * cumulative output token count: the usage of `message_delta` events, and between them an estimate from
 * the text deltas (about 4 characters a token), never going backwards.
 */
export class SseMessageReader {
  /** The current event's text so far, in the pieces it arrived in (joined once the event is complete). */
  private pending: string[] = [];
  /** The text read so far ends with a line feed: a line feed at the start of the next piece ends an event. */
  private endsWithLf = false;
  /** The last piece ended with a CR, which may be the first half of a CRLF split across reads. */
  private endsWithCr = false;
  private message: Message | undefined;
  private stopped = false;
  private needsCleaning = false;
  private chars = 0;
  private reported = 0;

  constructor(
    private readonly onProgress?: (outputTokens: number) => void,
    private readonly requestId?: string,
  ) {}

  /**
   * Text of the body (decoded: a multi-byte character is never split across two calls). Throws
   * UpstreamError. Only the new text is scanned, so an event arriving in many pieces costs linear time.
   */
  push(text: string): void {
    let piece = this.endsWithCr && text.startsWith('\n') ? text.slice(1) : text;
    if (piece === '') return;
    // Lines may end in CRLF or CR too; they are read as LF.
    this.endsWithCr = piece.endsWith('\r');
    if (piece.includes('\r')) piece = piece.replace(/\r\n?/g, '\n');
    let start = 0;
    if (this.endsWithLf && piece.startsWith('\n')) {
      this.event(this.pending.join('').slice(0, -1));
      this.pending = [];
      start = 1;
    }
    for (let end = piece.indexOf('\n\n', start); end !== -1; end = piece.indexOf('\n\n', start)) {
      this.pending.push(piece.slice(start, end));
      this.event(this.pending.join(''));
      this.pending = [];
      start = end + 2;
    }
    const rest = start === 0 ? piece : piece.slice(start);
    if (rest !== '') this.pending.push(rest);
    this.endsWithLf = rest.endsWith('\n');
  }

  /** The whole message, once the stream has ended; an error if it ended before `message_stop`. */
  finish(): UpstreamMessage {
    const rest = this.pending.join('');
    this.pending = [];
    if (rest.trim() !== '') this.event(rest);
    if (!this.message || !this.stopped) {
      throw new UpstreamError('connection', 'upstream connection failed: the event stream ended before message_stop');
    }
    return upstreamMessageFrom(this.message, this.needsCleaning);
  }

  private event(raw: string): void {
    let name = '';
    let data: string | undefined;
    for (const line of raw.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') name = value;
      else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    }
    // As the SDK reads them: an event without data, and a ping, carry nothing; nor does empty data.
    if (data === undefined || name === 'ping') return;
    if (name === 'error') throw this.streamError(data);
    if (data === '') return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(data) as Record<string, unknown>;
    } catch {
      throw new UpstreamError('connection', 'upstream sent an event that is not JSON');
    }
    if (parsed === null || typeof parsed !== 'object') {
      throw new UpstreamError('connection', 'upstream sent an event that is not a JSON object');
    }
    if (MAY_NEED_CLEANING.test(data)) this.needsCleaning = true;
    if (!name && parsed.type === 'error') throw this.streamError(data);
    this.apply(name || String(parsed.type ?? ''), parsed);
  }

  private apply(type: string, event: Record<string, unknown>): void {
    if (type === 'ping') return;
    if (type === 'message_start') {
      const message = event.message as Message | undefined;
      if (!message || typeof message !== 'object') throw unexpected(type);
      this.message = { ...message, content: Array.isArray(message.content) ? [...message.content] : [] };
      this.message.usage = { ...(message.usage ?? {}) };
      return;
    }
    const message = this.message;
    if (!message) {
      // Anything before message_start is not the Messages API's stream; unknown event types are skipped.
      if (type.startsWith('content_block') || type.startsWith('message')) throw unexpected(type);
      return;
    }
    switch (type) {
      case 'content_block_start': {
        const block = event.content_block as Block | undefined;
        const index = event.index;
        // Blocks arrive in order; an index past the next one would leave a hole in the content.
        if (
          !block ||
          typeof block !== 'object' ||
          !Number.isInteger(index) ||
          (index as number) < 0 ||
          (index as number) > message.content.length
        ) {
          throw unexpected(type);
        }
        message.content[index as number] = { ...block };
        return;
      }
      case 'content_block_delta': {
        const block = typeof event.index === 'number' ? message.content[event.index] : undefined;
        const delta = event.delta as Record<string, unknown> | undefined;
        if (!block || !delta || typeof delta !== 'object') throw unexpected(type);
        if (delta.type === 'text_delta' && typeof delta.text === 'string') {
          block.text = (block.text ?? '') + delta.text;
          this.chars += delta.text.length;
          this.progress(Math.ceil(this.chars / 4));
        } else if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string') {
          block.thinking = (block.thinking ?? '') + delta.thinking;
        } else if (delta.type === 'signature_delta' && typeof delta.signature === 'string') {
          block.signature = delta.signature;
        } else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
          block.partialJson = (block.partialJson ?? '') + delta.partial_json;
        } else if (delta.type === 'citations_delta' && delta.citation !== undefined) {
          block.citations = [...(block.citations ?? []), delta.citation];
        }
        return;
      }
      case 'content_block_stop': {
        const block = typeof event.index === 'number' ? message.content[event.index] : undefined;
        if (block?.partialJson !== undefined) {
          try {
            block.input = block.partialJson === '' ? {} : JSON.parse(block.partialJson);
          } catch {
            throw new UpstreamError('connection', 'upstream sent a tool input that is not JSON');
          }
          delete block.partialJson;
        }
        return;
      }
      case 'message_delta': {
        const delta = event.delta as { stop_reason?: string | null; stop_sequence?: string | null } | undefined;
        if (delta && typeof delta === 'object') {
          if (delta.stop_reason !== undefined) message.stop_reason = delta.stop_reason;
          if (delta.stop_sequence !== undefined) message.stop_sequence = delta.stop_sequence;
        }
        const usage = event.usage as Record<string, unknown> | undefined;
        if (usage && typeof usage === 'object') {
          for (const field of USAGE_FIELDS) if (usage[field] != null) message.usage[field] = usage[field];
          if (typeof usage.output_tokens === 'number') this.progress(usage.output_tokens);
        }
        return;
      }
      case 'message_stop':
        this.stopped = true;
        return;
      default:
        // Event types added to the API later are skipped, as the API's versioning policy asks of clients.
        return;
    }
  }

  private progress(outputTokens: number): void {
    if (outputTokens <= this.reported) return;
    this.reported = outputTokens;
    this.onProgress?.(outputTokens);
  }

  /**
   * An `error` event: the upstream failed after it had answered 200, e.g. overloaded mid-generation. Its
   * data is the API's error object; anything else is quoted as the message of a plain server error.
   */
  private streamError(data: string): UpstreamError {
    let body: { type?: unknown; message?: unknown } | undefined;
    try {
      body = (JSON.parse(data) as { error?: { type?: unknown; message?: unknown } } | null)?.error;
    } catch {
      // Not JSON: the text is the message.
    }
    const type = typeof body?.type === 'string' ? body.type : undefined;
    const message =
      typeof body?.message === 'string'
        ? body.message
        : data.trim() !== '' && body === undefined
          ? data.slice(0, 500)
          : 'upstream error event without a message';
    return new UpstreamError('status', message, {
      // It has no status of its own; it is the server error it reports.
      status: type === 'overloaded_error' ? 529 : 500,
      ...(type ? { type } : {}),
      ...(this.requestId ? { requestId: this.requestId } : {}),
    });
  }
}

const unexpected = (type: string) => new UpstreamError('connection', `upstream sent a malformed ${type} event`);
