import type { Metrics, UpstreamOperation, UpstreamOutcome } from '../observability/metrics.js';
import type { UpstreamMonitor } from '../observability/upstream-monitor.js';
import type { Logger } from '../util/logger.js';
import { type CallOptions, type ClaudeUpstream, UpstreamError, type UpstreamMessage } from './upstream.js';

export interface InstrumentDeps {
  metrics: Metrics;
  monitor: UpstreamMonitor;
  logger: Logger;
}

export function upstreamOutcome(error: unknown): UpstreamOutcome {
  if (!(error instanceof UpstreamError)) return 'connection';
  if (error.kind !== 'status') return error.kind;
  const status = error.status ?? 500;
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth_error';
  return status >= 500 ? 'server_error' : 'client_error';
}

/** A caller's bad request or rate limit proves the upstream is up; the rest mean nobody gets served. */
const REACHABLE: ReadonlySet<UpstreamOutcome> = new Set(['success', 'client_error', 'rate_limited']);

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Wraps an upstream so every attempt (retries included) is timed, counted, fed to the health monitor and
 * logged at DEBUG. Per attempt rather than per request: a retry is a separate call to Anthropic.
 */
export function instrumentUpstream(upstream: ClaudeUpstream, deps: InstrumentDeps): ClaudeUpstream {
  async function observe<T>(
    operation: UpstreamOperation,
    model: string,
    options: CallOptions,
    run: (options: CallOptions) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    let firstTokenAt: number | undefined;
    const call: CallOptions = { ...options };
    if (operation === 'stream') {
      const onProgress = options.onProgress;
      call.onProgress = (tokens) => {
        firstTokenAt ??= performance.now();
        onProgress?.(tokens);
      };
    }
    let outcome: UpstreamOutcome = 'success';
    let result: T | undefined;
    let failure: unknown;
    try {
      result = await run(call);
      return result;
    } catch (error) {
      failure = error;
      outcome = upstreamOutcome(error);
      throw error;
    } finally {
      const durationMs = performance.now() - started;
      const message = result as UpstreamMessage | undefined;
      const answered = message?.model ?? model;
      const ttft = firstTokenAt === undefined ? undefined : firstTokenAt - started;
      deps.metrics.upstreamCall({
        model: answered,
        operation,
        outcome,
        durationMs,
        ...(ttft === undefined ? {} : { timeToFirstTokenMs: ttft }),
      });
      if (message?.usage) {
        deps.metrics.upstreamTokens(answered, message.usage.input_tokens, message.usage.output_tokens);
      }
      if (outcome !== 'aborted') {
        const error = failure instanceof Error ? failure.message : undefined;
        deps.monitor.record(REACHABLE.has(outcome), durationMs, error);
      }
      deps.logger.debug(
        {
          requestId: options.requestId,
          operation,
          model: answered,
          outcome,
          durationMs: round(durationMs),
          ...(ttft === undefined ? {} : { timeToFirstTokenMs: round(ttft) }),
          ...(failure instanceof UpstreamError
            ? { upstreamStatus: failure.status, upstreamType: failure.type, upstreamRequestId: failure.requestId }
            : {}),
          ...(message?.usage
            ? { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens }
            : {}),
        },
        'upstream call',
      );
    }
  }

  return {
    createMessage: (request, options = {}) =>
      observe('message', request.model, options, (o) => upstream.createMessage(request, o)),
    streamMessage: (request, options = {}) =>
      observe('stream', request.model, options, (o) => upstream.streamMessage(request, o)),
    ping: (options = {}) => observe('ping', 'none', options, (o) => upstream.ping(o)),
  };
}
