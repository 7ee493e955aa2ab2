import type { GeneratedText } from '../generation/generate-text.js';

/** Everything needed to render one reply, streamed or not; both renderings share these numbers. */
export interface Reply extends GeneratedText {
  id: string;
  model: string;
  inputTokens: number;
  /** A scripted stop_reason overrides the generated one. */
  stopReasonOverride?: string;
}

function stopReason(reply: Reply): string {
  return reply.stopReasonOverride ?? reply.stopReason;
}

/** Hand-assembled JSON: only the free-text fields go through JSON.stringify, which keeps the hot path cheap. */
export function messageJson(reply: Reply): string {
  return (
    `{"id":"${reply.id}","type":"message","role":"assistant","model":${JSON.stringify(reply.model)},` +
    `"content":[{"type":"text","text":${JSON.stringify(reply.text)}}],` +
    `"stop_reason":${JSON.stringify(stopReason(reply))},"stop_sequence":${JSON.stringify(reply.stopSequence)},` +
    `"usage":{"input_tokens":${reply.inputTokens},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,` +
    `"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},` +
    `"output_tokens":${reply.outputTokens},"service_tier":"standard"}}`
  );
}

export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface StreamPlan {
  frames: string[];
  /** Index of the first frame that waits for the first token (the first delta, or the block stop). */
  firstTokenFrame: number;
  /** Output tokens carried by each frame (0 for non-delta frames); drives pacing. */
  frameTokens: number[];
}

/**
 * The documented event order: message_start, content_block_start, ping, content_block_delta…,
 * content_block_stop, message_delta (cumulative usage), message_stop.
 */
export function streamPlan(reply: Reply, tokensPerDelta: number): StreamPlan {
  const frames = [
    sseFrame('message_start', {
      type: 'message_start',
      message: {
        id: reply.id,
        type: 'message',
        role: 'assistant',
        model: reply.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: reply.inputTokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
          // Provisional, as on the real API; message_delta carries the final total.
          output_tokens: 1,
          service_tier: 'standard',
        },
      },
    }),
    sseFrame('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
    sseFrame('ping', { type: 'ping' }),
  ];
  const frameTokens = [0, 0, 0];
  const firstTokenFrame = frames.length;
  const { tokens } = reply;
  for (let i = 0; i < tokens.length; i += tokensPerDelta) {
    const chunk = tokens.slice(i, i + tokensPerDelta);
    const text = chunk.join('');
    if (text === '') continue;
    frames.push(
      sseFrame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
    );
    frameTokens.push(chunk.length);
  }
  frames.push(
    sseFrame('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sseFrame('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason(reply), stop_sequence: reply.stopSequence },
      usage: { output_tokens: reply.outputTokens },
    }),
    sseFrame('message_stop', { type: 'message_stop' }),
  );
  frameTokens.push(0, 0, 0);
  return { frames, firstTokenFrame, frameTokens };
}

export function errorFrame(type: string, message: string): string {
  return sseFrame('error', { type: 'error', error: { type, message } });
}
