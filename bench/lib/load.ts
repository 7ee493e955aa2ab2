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

/**
 * One connection, one request at a time, timed with hrtime: microsecond latencies (autocannon rounds to ms).
 * A keep-alive node:http agent, so the client's own cost is the same for every target compared.
 */
export async function sequentialRun(target: Target, requests: number, warmup = 1000): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(target.url);
  const one = () =>
    new Promise<number>((resolve, reject) => {
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
  for (let i = 0; i < warmup; i++) await one();
  const times = new Float64Array(requests);
  const started = performance.now();
  for (let i = 0; i < requests; i++) times[i] = await one();
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

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
