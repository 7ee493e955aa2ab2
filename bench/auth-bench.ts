/**
 * Cache-hit queries per second with an API key, with a JWT, and with authentication switched off
 * (AUTH_DISABLED=true, benchmarking only). Shows that bcrypt is off the hot path: after the first request a
 * key costs one SHA-256 and a map lookup.
 *
 *   pnpm build && pnpm exec tsx bench/auth-bench.ts      (BENCH_DURATION=10 BENCH_CONNECTIONS=32 BENCH_ROUNDS=3)
 *
 * Needs the Postgres of the tests (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { loadEnv, startServer } from '../apps/server/dist/index.js';
import { startSimulator } from '../packages/claude-sim/dist/index.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ADMIN = `bench-admin-${randomBytes(12).toString('hex')}`;
const BODY = JSON.stringify({ prompt: 'Explain the categorical imperative', parameters: { model: 'claude-3' } });

type Server = Awaited<ReturnType<typeof startServer>>;

// Both servers share one schema and CACHE_SHARED, so every variant answers with the very same cached bytes
// (the simulator's answers differ in length between calls, which would skew the comparison).
const SCHEMA = `bench_${randomBytes(4).toString('hex')}`;

async function boot(simUrl: string, disabled: boolean): Promise<Server> {
  const env = loadEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL,
    DATABASE_SCHEMA: SCHEMA,
    CACHE_SHARED: 'true',
    ANTHROPIC_API_KEY: 'sk-ant-bench',
    ANTHROPIC_BASE_URL: simUrl,
    ADMIN_API_KEY: ADMIN,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    AUTH_DISABLED: String(disabled),
  });
  return startServer(env);
}

async function post(url: string, path: string, body: unknown, credential?: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, string>;
}

async function measure(url: string, credential: string | undefined, duration = DURATION) {
  const result = await autocannon({
    url: `${url}/api/claude/query`,
    method: 'POST',
    body: BODY,
    headers: { 'content-type': 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
    connections: CONNECTIONS,
    duration,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function main(): Promise<void> {
  const sim = await startSimulator({});
  const off = await boot(sim.url, true);
  const on = await boot(sim.url, false);
  try {
    const { apiKey } = await post(on.url, '/api/auth/register', { name: 'bench' }, ADMIN);
    const { token } = await post(on.url, '/api/auth/token', { apiKey, expiresIn: '1h' });
    // Warm each cache: every measured request below is a cache hit.
    const answers = [
      await post(off.url, '/api/claude/query', BODY),
      await post(on.url, '/api/claude/query', BODY, apiKey),
      await post(on.url, '/api/claude/query', BODY, token),
    ];
    if (new Set(answers.map((a) => a.content)).size !== 1) throw new Error('variants answer differently');

    // Warm the JIT of both servers, then interleave the variants (rotating their order) so a noisy
    // neighbour on the machine spreads over all of them rather than one.
    await measure(off.url, undefined, 2);
    await measure(on.url, apiKey, 2);
    const variants: [string, string, string | undefined][] = [
      ['off', off.url, undefined],
      ['key', on.url, apiKey],
      ['jwt', on.url, token],
    ];
    const runs: Record<string, { rps: number; p50: number; p99: number }[]> = { off: [], key: [], jwt: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < variants.length; i++) {
        const [name, url, credential] = variants[(round + i) % variants.length]!;
        runs[name]!.push(await measure(url, credential));
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const base = mean(runs.off!.map((r) => r.rps));
    console.log(`\n${ROUNDS} rounds x ${DURATION} s, ${CONNECTIONS} connections, cache hits only\n`);
    console.log('| authentication | queries/s (mean) | vs off | p50 ms | p99 ms |');
    console.log('|---|---|---|---|---|');
    for (const [name, list] of Object.entries(runs)) {
      const rps = mean(list.map((r) => r.rps));
      const ratio = `${((rps / base) * 100).toFixed(1)}%`;
      const p50 = mean(list.map((r) => r.p50)).toFixed(1);
      const p99 = mean(list.map((r) => r.p99)).toFixed(1);
      console.log(`| ${name} | ${Math.round(rps)} | ${ratio} | ${p50} | ${p99} |`);
    }
    // The same, without HTTP: what authentication itself costs per request (a cached key, a cached JWT).
    const perCall = async (credential: string | undefined, server: Server) => {
      const n = 200_000;
      const started = performance.now();
      for (let i = 0; i < n; i++) await server.services.auth.authorize(credential, '127.0.0.1', 'query');
      return (((performance.now() - started) * 1000) / n).toFixed(2);
    };
    await perCall(apiKey, on);
    console.log(
      `\nauthorize() per call: off ${await perCall(undefined, off)} µs, key ${await perCall(apiKey, on)} µs, jwt ${await perCall(token, on)} µs`,
    );
  } finally {
    await on.close();
    await off.services.db.pool.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`).catch(() => {});
    await off.services.db.pool.query(`DROP SCHEMA IF EXISTS "${SCHEMA}_boss" CASCADE`).catch(() => {});
    await off.close();
    await sim.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
