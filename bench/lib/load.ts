import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

export interface Target {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  connections: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** Closed-loop load with autocannon (throughput; its percentiles are whole milliseconds). */
export async function autocannonRun(target: Target, connections: number, seconds: number): Promise<LoadResult> {
  const result = await autocannon({
    url: target.url,
    method: target.method,
    headers: target.headers,
    ...(target.body ? { body: target.body } : {}),
    connections,
    duration: seconds,
  });
  return {
    connections,
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function percentile(sorted: Float64Array, p: number): number {
  const i = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return sorted[i] ?? 0;
}

/** One request on `agent`, timed with hrtime; resolves with its latency in ms (microsecond resolution). */
function timedRequest(target: Target, agent: Agent, u: URL): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: target.method,
        headers: target.headers,
        agent,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) reject(new Error(`status ${res.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - started) / 1e6);
        });
      },
    );
    req.on('error', reject);
    req.end(target.body);
  });
}

/**
 * One connection, one request at a time, timed with hrtime: microsecond latencies (autocannon rounds to ms).
 * A keep-alive node:http agent, so the client's own cost is the same for every target compared.
 */
export async function sequentialRun(target: Target, requests: number, warmup = 1000): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(target.url);
  for (let i = 0; i < warmup; i++) await timedRequest(target, agent, u);
  const times = new Float64Array(requests);
  const started = performance.now();
  for (let i = 0; i < requests; i++) times[i] = await timedRequest(target, agent, u);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  times.sort();
  return {
    connections: 1,
    rps: requests / elapsed,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    non2xx: 0,
    errors: 0,
  };
}

/**
 * `connections` closed loops on keep-alive node:http sockets for `seconds`, every request timed with hrtime:
 * the latency percentiles at concurrency with microsecond resolution. Its own client costs more CPU than
 * autocannon's, so its requests/s are not the throughput figure (autocannonRun is).
 */
export async function concurrentTimedRun(target: Target, connections: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const u = new URL(target.url);
  const samples: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      try {
        samples.push(await timedRequest(target, agent, u));
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const times = Float64Array.from(samples).sort();
  return {
    connections,
    rps: samples.length / elapsed,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    non2xx: 0,
    errors,
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
