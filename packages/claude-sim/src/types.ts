import type { ModelInfo } from './models/model-table.js';

export interface RateLimitOptions {
  requestsPerMinute: number;
  inputTokensPerMinute?: number;
  outputTokensPerMinute?: number;
}

export interface SimulatorOptions {
  /** Default 0: a random free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Time to first token in ms, default 0. */
  ttftMs?: number;
  /** Output pacing, default 0 = infinite (no delay). */
  tokensPerSecond?: number;
  /** When given, only these keys are valid; when absent any non-empty key is accepted. */
  apiKeys?: string[];
  /** 0..1 probability that a /v1/messages request fails with 500 api_error or 529 overloaded_error. */
  faultRate?: number;
  /** Off by default. */
  rateLimit?: RateLimitOptions;
  /** Overrides the model table (data, not code). */
  models?: ModelInfo[];
  /** Bound on recorded requests kept in memory (ring buffer), default 10_000. */
  recordLimit?: number;
  /** Seed for the random fault rate. */
  seed?: number;
  /**
   * Which id a reply's `model` field carries: the resolved snapshot id (default) or the id as the
   * client sent it (an alias stays an alias). The public docs do not say which the real API does.
   */
  responseModel?: 'resolved' | 'requested';
  /**
   * Consecutive same-role turns: the API reference says they are merged, Anthropic's skill notes list
   * them as 400s. 'merge' (default) accepts them; 'reject' answers 400 (also for a first assistant turn).
   */
  consecutiveRoles?: 'merge' | 'reject';
}

export interface RecordedRequest {
  id: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  receivedAt: number;
  status?: number;
  aborted?: boolean;
}

export type ScriptedOutcome =
  | {
      kind: 'error';
      status: number;
      type: string;
      message?: string;
      /** Seconds, sent as `retry-after`. */
      retryAfter?: number;
      /** Sent as `retry-after-ms`, which the official SDKs read before `retry-after`. */
      retryAfterMs?: number;
      /** Extra response headers, e.g. `x-should-retry`. */
      headers?: Record<string, string>;
    }
  | { kind: 'slow'; firstByteDelayMs: number }
  | { kind: 'stream-error'; afterEvents?: number; type?: string }
  | { kind: 'drop'; afterBytes?: number }
  | { kind: 'ok'; text?: string; stopReason?: string; ttftMs?: number; tokensPerSecond?: number };

export type MutableOptions = Partial<
  Pick<SimulatorOptions, 'ttftMs' | 'tokensPerSecond' | 'faultRate' | 'rateLimit' | 'apiKeys'>
>;

export interface Simulator {
  /** e.g. http://127.0.0.1:43123 (no trailing slash, no /v1). */
  url: string;
  port: number;
  /** Received /v1/* requests, oldest first (control endpoints are not recorded). */
  requests(filter?: { path?: string }): RecordedRequest[];
  /** Number of POST /v1/messages received, failed ones included. */
  messageCount(): number;
  /** Queue of outcomes consumed in order by the next /v1/messages requests. */
  script(outcomes: ScriptedOutcome[]): void;
  setOptions(patch: MutableOptions): void;
  /** Clears recorded requests, script and rate-limit state; restores construction options. */
  reset(): void;
  /** Closes the server and all open sockets promptly. */
  close(): Promise<void>;
}
