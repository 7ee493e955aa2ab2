import { FaultPlan } from './faults/fault-plan.js';
import { ModelRegistry } from './models/model-registry.js';
import { DEFAULT_MODELS } from './models/model-table.js';
import { RateLimiter } from './rate-limit/rate-limiter.js';
import { RequestLog } from './request-log.js';
import type { MutableOptions, SimulatorOptions } from './types.js';

/** Mutable state of one simulator: current options, recorded requests, fault plan and rate limiter. */
export class SimState {
  readonly models: ModelRegistry;
  readonly log: RequestLog;
  readonly faults: FaultPlan;
  ttftMs = 0;
  tokensPerSecond = 0;
  validKeys: ReadonlySet<string> | undefined;
  limiter: RateLimiter | undefined;
  messageCount = 0;

  constructor(private readonly initial: SimulatorOptions) {
    this.models = new ModelRegistry(initial.models ?? DEFAULT_MODELS);
    this.log = new RequestLog(initial.recordLimit ?? 10_000);
    this.faults = new FaultPlan(initial.seed ?? 1, initial.faultRate ?? 0);
    this.apply(initial);
  }

  get responseModel(): 'resolved' | 'requested' {
    return this.initial.responseModel ?? 'resolved';
  }

  get consecutiveRoles(): 'merge' | 'reject' {
    return this.initial.consecutiveRoles ?? 'merge';
  }

  /** Only the fields present in `patch` change; `rateLimit: undefined` switches the limiter off. */
  apply(patch: MutableOptions): void {
    if ('ttftMs' in patch) this.ttftMs = Math.max(0, patch.ttftMs ?? 0);
    if ('tokensPerSecond' in patch) this.tokensPerSecond = Math.max(0, patch.tokensPerSecond ?? 0);
    if ('faultRate' in patch) this.faults.faultRate = Math.min(1, Math.max(0, patch.faultRate ?? 0));
    if ('apiKeys' in patch) this.validKeys = patch.apiKeys ? new Set(patch.apiKeys) : undefined;
    if ('rateLimit' in patch) {
      this.limiter = patch.rateLimit?.requestsPerMinute ? new RateLimiter(patch.rateLimit) : undefined;
    }
  }

  reset(): void {
    this.log.clear();
    this.messageCount = 0;
    this.faults.reset(this.initial.faultRate ?? 0);
    const { ttftMs, tokensPerSecond, faultRate, rateLimit, apiKeys } = this.initial;
    this.apply({ ttftMs, tokensPerSecond, faultRate, rateLimit, apiKeys });
  }
}
