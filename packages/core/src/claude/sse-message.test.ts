import { describe, expect, it, vi } from 'vitest';
import { SseMessageReader } from './sse-message.js';
import { UpstreamError } from './upstream.js';

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

const START = frame('message_start', {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-6',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 7, cache_read_input_tokens: 0, output_tokens: 1 },
  },
});
const text = (index: number, t: string) =>
  frame('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: t } });
const STREAM =
  START +
  frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
  ': a comment line\n\n' +
  frame('ping', { type: 'ping' }) +
  text(0, 'Grüße, ') +
  text(0, 'world 😀') +
  frame('content_block_stop', { type: 'content_block_stop', index: 0 }) +
  frame('content_block_start', {
    type: 'content_block_start',
    index: 1,
    content_block: { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} },
  }) +
  frame('content_block_delta', {
    type: 'content_block_delta',
    index: 1,
    delta: { type: 'input_json_delta', partial_json: '{"q": "we' },
  }) +
  frame('content_block_delta', {
    type: 'content_block_delta',
    index: 1,
    delta: { type: 'input_json_delta', partial_json: 'ather"}' },
  }) +
  frame('content_block_stop', { type: 'content_block_stop', index: 1 }) +
  frame('some_future_event', { type: 'some_future_event', anything: 1 }) +
  frame('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: 'tool_use', stop_sequence: null },
    usage: { output_tokens: 12 },
  }) +
  frame('message_stop', { type: 'message_stop' });

const EXPECTED = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-6',
  content: [
    { type: 'text', text: 'Grüße, world 😀' },
    { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'weather' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 7, cache_read_input_tokens: 0, output_tokens: 12 },
};

function read(chunks: string[], onProgress?: (n: number) => void) {
  const reader = new SseMessageReader(onProgress, 'req_1');
  for (const chunk of chunks) reader.push(chunk);
  return reader.finish();
}

function failure(fn: () => unknown): UpstreamError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error('expected an UpstreamError');
}

describe('SseMessageReader', () => {
  it('folds the events into the message a non-streaming call returns', () => {
    expect(read([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same message however the body is split into chunks', () => {
    for (let at = 1; at < STREAM.length; at++) {
      expect(read([STREAM.slice(0, at), STREAM.slice(at)]), `split at ${at}`).toEqual(EXPECTED);
    }
    expect(read([...STREAM])).toEqual(EXPECTED);
  });

  it('reads CRLF and CR line endings, even with a CRLF split across chunks', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    for (let at = 1; at < crlf.length; at++) {
      expect(read([crlf.slice(0, at), crlf.slice(at)]), `split at ${at}`).toEqual(EXPECTED);
    }
    expect(read([STREAM.replace(/\n/g, '\r')])).toEqual(EXPECTED);
  });

  it('reports progress that only grows: the text estimate, then the usage counts', () => {
    const onProgress = vi.fn();
    read([STREAM], onProgress);
    const seen = onProgress.mock.calls.map(([n]) => n as number);
    expect(seen).toEqual([2, 4, 12]);
  });

  it('fails an error event as the server error it reports (overloaded: 529, otherwise 500), with the request id', () => {
    const overloaded = failure(() =>
      read([START, frame('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })]),
    );
    expect(overloaded).toMatchObject({ kind: 'status', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    expect(overloaded.requestId).toBe('req_1');
    expect(overloaded.transient).toBe(true);
    const apiError = failure(() =>
      read([frame('error', { type: 'error', error: { type: 'api_error', message: 'x' } })]),
    );
    expect(apiError).toMatchObject({ status: 500, type: 'api_error' });
  });

  it('skips pings and events without data or with empty data, as the SDK does', () => {
    const noise = 'event: ping\ndata:\n\nevent: some_future_event\ndata:\n\nevent: ping\n\n: keep-alive\n\n';
    const at = STREAM.indexOf('event: content_block_stop');
    expect(read([noise + STREAM.slice(0, at) + noise + STREAM.slice(at)])).toEqual(EXPECTED);
  });

  it('fails an error event whose data is not the API error object as a 500 quoting it', () => {
    const error = failure(() => read([START, 'event: error\ndata: upstream exploded\n\n']));
    expect(error).toMatchObject({ kind: 'status', status: 500, message: 'upstream exploded', type: undefined });
    expect(error.transient).toBe(true);
    expect(failure(() => read(['event: error\ndata:\n\n'])).message).toBe('upstream error event without a message');
  });

  it('fails a stream that ends before message_stop, or carries what the API never sends, as a connection error', () => {
    const cut = STREAM.slice(0, STREAM.indexOf('event: message_stop'));
    for (const body of [
      cut,
      '',
      'event: message_start\ndata: {not json}\n\n',
      `event: message_start\ndata: 42\n\n`,
      frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text' } }),
      START + frame('content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'text' } }),
      START + text(0, 'no block 0'),
    ]) {
      const error = failure(() => read([body]));
      expect(error.kind, body).toBe('connection');
      expect(error.transient).toBe(true);
    }
  });

  it('makes NUL and unpaired surrogates storable (U+FFFD) when the events carry them', () => {
    const body =
      START +
      frame('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      }) +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\u0000b \\ud800"}}\n\n' +
      frame('message_stop', { type: 'message_stop' });
    expect(read([body]).content[0]?.text).toBe('a\ufffdb \ufffd');
  });
});
