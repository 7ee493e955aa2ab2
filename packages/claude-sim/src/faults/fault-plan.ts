import { createPrng } from '../generation/prng.js';
import type { ScriptedOutcome } from '../types.js';

const OUTCOME_KINDS: ReadonlySet<string> = new Set(['error', 'slow', 'stream-error', 'drop', 'ok']);

/** Scripted outcomes (consumed in order, one per POST /v1/messages) and the random fault rate. */
export class FaultPlan {
  private queue: ScriptedOutcome[] = [];
  private random: () => number;

  constructor(
    private readonly seed: number,
    public faultRate: number,
  ) {
    this.random = createPrng(seed);
  }

  script(outcomes: ScriptedOutcome[]): void {
    this.queue.push(...outcomes);
  }

  /** The next scripted outcome, else a random fault, else undefined (normal behaviour). */
  next(): ScriptedOutcome | undefined {
    const scripted = this.queue.shift();
    if (scripted) return scripted;
    if (this.faultRate > 0 && this.random() < this.faultRate) {
      return this.random() < 0.5
        ? { kind: 'error', status: 500, type: 'api_error', message: 'Internal server error' }
        : { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' };
    }
    return undefined;
  }

  pending(): number {
    return this.queue.length;
  }

  reset(faultRate: number): void {
    this.queue = [];
    this.faultRate = faultRate;
    this.random = createPrng(this.seed);
  }
}

/** Checks outcomes arriving over HTTP (`POST /_sim/script`); returns a problem description or undefined. */
export function checkOutcomes(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'outcomes: expected an array';
  for (let i = 0; i < value.length; i++) {
    const outcome = value[i] as { kind?: unknown; status?: unknown; type?: unknown } | null;
    if (typeof outcome !== 'object' || outcome === null || !OUTCOME_KINDS.has(String(outcome.kind))) {
      return `outcomes.${i}.kind: expected one of ${[...OUTCOME_KINDS].join(', ')}`;
    }
    if (outcome.kind === 'error' && (typeof outcome.status !== 'number' || typeof outcome.type !== 'string')) {
      return `outcomes.${i}: an error outcome needs a numeric status and a type`;
    }
  }
  return undefined;
}
