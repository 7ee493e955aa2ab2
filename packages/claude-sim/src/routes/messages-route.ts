import { defaultMessage, errorBody } from '../errors/api-error.js';
import { generateText } from '../generation/generate-text.js';
import { countInputTokens } from '../generation/token-model.js';
import { baseHeaders, type Exchange, pause, sendError, sendJson, writeHead } from '../http/exchange.js';
import { newMessageId } from '../ids.js';
import { errorFrame, messageJson, type Reply, streamPlan } from '../messages/build-reply.js';
import { dropConnection, writeStream } from '../messages/write-stream.js';
import { nominalRateLimitHeaders } from '../rate-limit/nominal-headers.js';
import type { SimState } from '../sim-state.js';
import type { ScriptedOutcome } from '../types.js';
import { validateMessageRequest } from '../validation/validate-message-request.js';
import { type ParsedBody, preflight } from './preflight.js';

/** With no pacing, deltas carry several words each, like the real API's multi-token deltas. */
const UNPACED_TOKENS_PER_DELTA = 4;

export async function handleMessages(ex: Exchange, state: SimState, body: ParsedBody): Promise<void> {
  state.messageCount += 1;
  const outcome = state.faults.next();
  if (outcome?.kind === 'error') return sendScriptedError(ex, outcome);
  if (outcome?.kind === 'slow' && !(await pause(outcome.firstByteDelayMs, ex.signal))) return;

  const preflightError = preflight(ex, state, body);
  if (preflightError) return sendError(ex, preflightError);
  const checked = validateMessageRequest(body.value, {
    models: state.models,
    consecutiveRoles: state.consecutiveRoles,
  });
  if (!checked.ok) return sendError(ex, checked.error);
  const { request, model } = checked;

  const inputTokens = countInputTokens(request);
  let rateHeaders = nominalRateLimitHeaders();
  if (state.limiter) {
    const decision = state.limiter.admit(inputTokens);
    if (!decision.ok) return sendError(ex, decision.error);
    rateHeaders = decision.headers;
  }

  const ok = outcome?.kind === 'ok' ? outcome : undefined;
  const generated = generateText(request, ok?.text);
  state.limiter?.chargeOutput(generated.outputTokens);
  const reply: Reply = {
    ...generated,
    id: newMessageId(),
    model: state.responseModel === 'resolved' ? model.id : request.model,
    inputTokens,
  };
  if (ok?.stopReason) reply.stopReasonOverride = ok.stopReason;
  const ttftMs = ok?.ttftMs ?? state.ttftMs;
  const tokensPerSecond = ok?.tokensPerSecond ?? state.tokensPerSecond;

  if (request.stream) return streamReply(ex, reply, outcome, { ttftMs, tokensPerSecond, headers: rateHeaders });
  if (outcome?.kind === 'stream-error') {
    // Without streaming there is no mid-body error channel; the same fault is a plain 500.
    return sendError(ex, { status: 500, type: 'api_error', message: 'Internal server error' });
  }
  const delay = ttftMs + (tokensPerSecond > 0 ? (reply.outputTokens * 1000) / tokensPerSecond : 0);
  if (delay > 0 && !(await pause(delay, ex.signal))) return;
  if (outcome?.kind === 'drop') return dropJson(ex, messageJson(reply), rateHeaders, outcome.afterBytes);
  sendJson(ex, 200, messageJson(reply), rateHeaders);
}

function streamReply(
  ex: Exchange,
  reply: Reply,
  outcome: ScriptedOutcome | undefined,
  delivery: { ttftMs: number; tokensPerSecond: number; headers: Record<string, string> },
): Promise<void> {
  if (outcome?.kind === 'drop' && outcome.afterBytes === undefined) {
    dropConnection(ex);
    return Promise.resolve();
  }
  const plan = streamPlan(reply, delivery.tokensPerSecond > 0 ? 1 : UNPACED_TOKENS_PER_DELTA);
  if (outcome?.kind === 'stream-error') {
    const type = outcome.type ?? 'overloaded_error';
    const message = type === 'overloaded_error' ? 'Overloaded' : 'Internal server error';
    return writeStream(ex, plan, {
      ...delivery,
      errorAfter: outcome.afterEvents ?? 4,
      errorFrame: errorFrame(type, message),
    });
  }
  if (outcome?.kind === 'drop') return writeStream(ex, plan, { ...delivery, dropAfterBytes: outcome.afterBytes });
  return writeStream(ex, plan, delivery);
}

function sendScriptedError(ex: Exchange, outcome: Extract<ScriptedOutcome, { kind: 'error' }>): void {
  const headers: Record<string, string> = { ...outcome.headers };
  if (outcome.retryAfter !== undefined) headers['retry-after'] = String(outcome.retryAfter);
  if (outcome.retryAfterMs !== undefined) headers['retry-after-ms'] = String(outcome.retryAfterMs);
  // The real API sends its rate-limit headers on 429s.
  const merged = outcome.status === 429 ? { ...nominalRateLimitHeaders(), ...headers } : headers;
  const body = errorBody(outcome.type, outcome.message ?? defaultMessage(outcome.type), ex.requestId);
  sendJson(ex, outcome.status, body, merged);
}

function dropJson(ex: Exchange, body: string, headers: Record<string, string>, afterBytes: number | undefined): void {
  if (afterBytes === undefined) {
    dropConnection(ex);
    return;
  }
  const bytes = Buffer.from(body);
  writeHead(ex, 200, { ...baseHeaders(ex, 'application/json'), ...headers, 'content-length': bytes.length });
  dropConnection(ex, bytes.subarray(0, Math.min(afterBytes, bytes.length - 1)));
}
