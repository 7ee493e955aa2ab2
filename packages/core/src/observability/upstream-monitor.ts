import type { Clock } from '../util/clock.js';

export interface UpstreamObservation {
  at: number;
  /** False when the upstream could not serve anyone: unreachable, timing out, 5xx, or refusing our key. */
  reachable: boolean;
  latencyMs: number;
  error?: string;
}

export interface UpstreamSnapshot {
  latest: UpstreamObservation | undefined;
  lastSuccessAt: number | undefined;
  /** Median of the recent reachable observations, ms; undefined before the first one. */
  latencyMs: number | undefined;
}

const WINDOW = 16;

/**
 * What the proxy has recently seen of the upstream, from real calls and health pings alike, so the
 * health check can answer from traffic and ping only when traffic is quiet. Fixed-size: O(1) memory.
 */
export class UpstreamMonitor {
  private latest: UpstreamObservation | undefined;
  private lastSuccessAt: number | undefined;
  private readonly latencies: number[] = [];
  private next = 0;

  constructor(private readonly clock: Clock) {}

  record(reachable: boolean, latencyMs: number, error?: string): void {
    const at = this.clock.now();
    this.latest = { at, reachable, latencyMs, ...(error === undefined ? {} : { error }) };
    if (!reachable) return;
    this.lastSuccessAt = at;
    this.latencies[this.next] = latencyMs;
    this.next = (this.next + 1) % WINDOW;
  }

  snapshot(): UpstreamSnapshot {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : undefined;
    return { latest: this.latest, lastSuccessAt: this.lastSuccessAt, latencyMs: median };
  }
}
