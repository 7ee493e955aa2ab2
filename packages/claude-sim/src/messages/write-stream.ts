import { baseHeaders, type Exchange, pause, writeHead } from '../http/exchange.js';
import type { StreamPlan } from './build-reply.js';

export interface StreamDelivery {
  ttftMs: number;
  tokensPerSecond: number;
  headers: Record<string, string>;
  /** Stop after this many frames and send `errorFrame` instead of the rest (no message_stop). */
  errorAfter?: number;
  errorFrame?: string;
  /** Destroy the socket once this many body bytes have been written. */
  dropAfterBytes?: number;
}

export async function writeStream(ex: Exchange, plan: StreamPlan, delivery: StreamDelivery): Promise<void> {
  writeHead(ex, 200, {
    ...baseHeaders(ex, 'text/event-stream; charset=utf-8'),
    'cache-control': 'no-cache',
    ...delivery.headers,
  });
  const { frames } = plan;
  const count = delivery.errorAfter === undefined ? frames.length : Math.min(delivery.errorAfter, frames.length - 1);
  const tail = delivery.errorFrame ?? '';
  const unpaced = delivery.ttftMs <= 0 && delivery.tokensPerSecond <= 0;
  if (unpaced && delivery.dropAfterBytes === undefined) {
    // Zero latency: one write keeps the hot path cheap.
    ex.res.end(frames.slice(0, count).join('') + tail);
    return;
  }
  const msPerToken = delivery.tokensPerSecond > 0 ? 1000 / delivery.tokensPerSecond : 0;
  let written = 0;
  let tokensSent = 0;
  let firstTokenAt = 0;
  for (let i = 0; i < count; i++) {
    if (i === plan.firstTokenFrame) {
      if (!(await pause(delivery.ttftMs, ex.signal))) return;
      firstTokenAt = performance.now();
    } else if (i > plan.firstTokenFrame && plan.frameTokens[i]! > 0 && msPerToken > 0) {
      // Absolute schedule from the first token, so timer overshoot does not accumulate.
      const due = firstTokenAt + tokensSent * msPerToken;
      if (!(await pause(due - performance.now(), ex.signal))) return;
    }
    if (ex.closed) return;
    const frame = frames[i]!;
    if (delivery.dropAfterBytes === undefined) ex.res.write(frame);
    else if (writeWithinBudget(ex, frame, delivery.dropAfterBytes - written)) written += Buffer.byteLength(frame);
    else return;
    tokensSent += plan.frameTokens[i]!;
  }
  // A drop budget larger than the whole stream still drops: the terminating chunk is never sent.
  if (delivery.dropAfterBytes !== undefined) dropConnection(ex);
  else ex.res.end(tail);
}

/** Writes `frame` if it fits in `budget` bytes; otherwise writes the part that fits and drops the connection. */
function writeWithinBudget(ex: Exchange, frame: string, budget: number): boolean {
  const bytes = Buffer.from(frame);
  if (bytes.length <= budget) {
    ex.res.write(bytes);
    return true;
  }
  dropConnection(ex, bytes.subarray(0, Math.max(0, budget)));
  return false;
}

/** Writes what is given (if anything) and destroys the socket, as a failing network path would. */
export function dropConnection(ex: Exchange, partial?: Uint8Array): void {
  ex.dropped = true;
  const socket = ex.req.socket;
  if (partial && partial.length > 0) ex.res.write(partial, () => socket.destroy());
  else if (ex.res.headersSent) {
    ex.res.flushHeaders();
    socket.write('', () => socket.destroy());
  } else socket.destroy();
}
