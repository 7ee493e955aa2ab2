import { describe, expect, it } from 'vitest';
import { upstreamOutcome } from '../claude/instrumented-upstream.js';
import { UpstreamError } from '../claude/upstream.js';
import { manualClock } from '../util/clock.js';
import { UpstreamMonitor } from './upstream-monitor.js';

describe('UpstreamMonitor', () => {
  it('keeps the latest observation, the last success and the median of recent latencies', () => {
    const clock = manualClock(1_000);
    const monitor = new UpstreamMonitor(clock);
    expect(monitor.snapshot()).toEqual({ latest: undefined, lastSuccessAt: undefined, latencyMs: undefined });
    for (const ms of [100, 300, 200]) monitor.record(true, ms);
    clock.advance(5_000);
    monitor.record(false, 10_000, 'upstream timed out');
    const snap = monitor.snapshot();
    expect(snap.latest).toEqual({ at: 6_000, reachable: false, latencyMs: 10_000, error: 'upstream timed out' });
    expect(snap.lastSuccessAt).toBe(1_000);
    expect(snap.latencyMs).toBe(200);
  });

  it('holds a fixed window of latencies', () => {
    const monitor = new UpstreamMonitor(manualClock());
    for (let i = 0; i < 100; i++) monitor.record(true, i < 90 ? 1 : 1_000);
    // The last 16: six of 1 ms, ten of 1000 ms.
    expect(monitor.snapshot().latencyMs).toBe(1_000);
  });
});

describe('upstreamOutcome', () => {
  it.each([
    [new UpstreamError('status', 'bad', { status: 400 }), 'client_error'],
    [new UpstreamError('status', 'key', { status: 401 }), 'auth_error'],
    [new UpstreamError('status', 'slow down', { status: 429 }), 'rate_limited'],
    [new UpstreamError('status', 'overloaded', { status: 529 }), 'server_error'],
    [new UpstreamError('timeout', 'timed out'), 'timeout'],
    [new UpstreamError('connection', 'refused'), 'connection'],
    [new UpstreamError('aborted', 'gone'), 'aborted'],
    [new Error('something else'), 'connection'],
  ])('%s -> %s', (error, outcome) => {
    expect(upstreamOutcome(error)).toBe(outcome);
  });
});
