/**
 * The metrics port: core records what happened, an adapter (prom-client in apps/server) turns it into
 * series. Every label value passed here comes from a small closed set (model ids, outcomes, status codes,
 * priorities); never a client id, a prompt or a raw path.
 */
export type UpstreamOperation = 'message' | 'stream' | 'ping';

/** How an upstream call ended, coarse enough to be a label. */
export type UpstreamOutcome =
  | 'success'
  | 'client_error'
  | 'auth_error'
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'aborted';

export interface UpstreamCallEvent {
  model: string;
  operation: UpstreamOperation;
  outcome: UpstreamOutcome;
  durationMs: number;
  /** Streaming calls only: time until the first generated token arrived. */
  timeToFirstTokenMs?: number;
}

export interface Metrics {
  upstreamCall(event: UpstreamCallEvent): void;
  /** Tokens billed by the upstream (cache hits cost nothing and are not counted here). */
  upstreamTokens(model: string, promptTokens: number, completionTokens: number): void;
  /** One per query: was the answer served from the cache. */
  cacheLookup(result: 'hit' | 'miss' | 'bypass'): void;
  /** `reason` is the upstream status (`529`) or the failure kind (`timeout`). */
  upstreamRetry(reason: string): void;
  /** An error answered to a caller (`source: http`) or a task that ended failed (`source: task`). */
  error(code: string, source: 'http' | 'task'): void;
  /** Time a task spent queued before a worker took it. */
  queueWait(priority: string, ms: number): void;
  /** Time from a worker taking a task to its final state. */
  taskDuration(status: string, ms: number): void;
  /** History rows lost because the buffer was full or the database refused them. */
  historyDropped(rows: number): void;
}

export const noopMetrics: Metrics = {
  upstreamCall: () => {},
  upstreamTokens: () => {},
  cacheLookup: () => {},
  upstreamRetry: () => {},
  error: () => {},
  queueWait: () => {},
  taskDuration: () => {},
  historyDropped: () => {},
};
