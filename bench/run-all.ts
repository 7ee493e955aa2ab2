/**
 * The benchmarks of claude-proxy, in one run on one machine, written to docs/benchmarks.md.
 *
 *   pnpm bench                               (builds first)
 *   BENCH_REPEAT=3 BENCH_SECONDS=5 BENCH_SOAK_SECONDS=300 pnpm bench
 *
 * Every server is its own process: the simulator (zero latency), the proxy (auth on, rate limits set high,
 * logging at info, request history on), a bare node:http server. The load generator is this process.
 * All of them share the machine's cores, so ratios matter more than absolute figures.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { autocannonRun, concurrentTimedRun, type LoadResult, median, sequentialRun, type Target } from './lib/load.js';
import { type Proc, ROOT, startBareProcess, startProxyProcess, startSimProcess } from './lib/processes.js';
import { dropSchemas, proxyQueueRate, rawPgBossRate } from './lib/queue-rate.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
const QUEUE_JOBS = Number(process.env.BENCH_QUEUE_JOBS ?? 2000);
/** Comma-separated subset of latency,hits,queue,memory (default: all); a partial run leaves docs/ alone. */
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const want = (section: string) => !ONLY || ONLY.includes(section);
const ADMIN = `bench-admin-${randomBytes(12).toString('hex')}`;
const SCHEMA = `bench_${randomBytes(4).toString('hex')}`;

const PROMPT = 'Give me a short status summary of the proxy.';
const simBody = JSON.stringify({
  model: 'claude-sonnet-4-6',
  max_tokens: 100,
  temperature: 0.7,
  messages: [{ role: 'user', content: PROMPT }],
});
const missBody = JSON.stringify({ prompt: PROMPT, caching: false, parameters: { maxTokens: 100 } });
// Room for the whole answer: a reply cut at max_tokens is never cached, and every "hit" would be a miss.
const hitBody = JSON.stringify({ prompt: PROMPT, parameters: { maxTokens: 1000 } });

function proxyEnv(simUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL,
    DATABASE_SCHEMA: SCHEMA,
    ANTHROPIC_API_KEY: 'sk-ant-bench',
    ANTHROPIC_BASE_URL: simUrl,
    ADMIN_API_KEY: ADMIN,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    HISTORY_ENABLED: 'true',
    CACHE_SHARED: 'true',
    RATE_LIMIT_QUERY_PER_MIN: '1000000',
    RATE_LIMIT_QUEUE_PER_MIN: '1000000',
    RATE_LIMIT_READ_PER_MIN: '1000000',
    RATE_LIMIT_IP_PER_MIN: '1000000',
    WORKER_CONCURRENCY: '64',
    DATABASE_POOL_MAX: '20',
    ...extra,
  };
}

async function registerKey(url: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `bench ${randomBytes(3).toString('hex')}`, permissions: ['query', 'queue'] }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { apiKey: string }).apiKey;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const spread = (values: number[], digits = 0) =>
  `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)})`;

async function repeat<T>(fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < REPEAT; i++) out.push(await fn());
  return out;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const load = loadavg()[0] ?? 0;
  const sections: string[] = [];
  const sim = await startSimProcess();
  const procs: Proc[] = [sim];
  try {
    const proxy = await startProxyProcess(proxyEnv(sim.url));
    procs.push(proxy);
    const key = await registerKey(proxy.url);
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const direct: Target = {
      url: `${sim.url}/v1/messages`,
      method: 'POST',
      headers: { 'x-api-key': 'bench', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: simBody,
    };
    const miss: Target = { url: `${proxy.url}/api/claude/query`, method: 'POST', headers: auth, body: missBody };
    const hit: Target = { url: `${proxy.url}/api/claude/query`, method: 'POST', headers: auth, body: hitBody };

    // 1. Added latency (cache off).
    const rows: string[] = [];
    for (const c of want('latency') ? [1, 16, 128] : []) {
      // Throughput: the sequential run at c = 1, autocannon above. Latency: hrtime per request everywhere
      // (autocannon's percentiles are whole milliseconds), from a node:http closed loop above c = 1.
      const throughput = (t: Target) => (c === 1 ? sequentialRun(t, SEQUENTIAL) : autocannonRun(t, c, SECONDS));
      const timed = (t: Target) => (c === 1 ? undefined : concurrentTimedRun(t, c, SECONDS));
      const d: LoadResult[] = [];
      const p: LoadResult[] = [];
      const dl: LoadResult[] = [];
      const pl: LoadResult[] = [];
      for (let i = 0; i < REPEAT; i++) {
        const dt = await throughput(direct);
        const pt = await throughput(miss);
        d.push(dt);
        p.push(pt);
        dl.push((await timed(direct)) ?? dt);
        pl.push((await timed(miss)) ?? pt);
      }
      const dp50 = median(dl.map((r) => r.p50Ms));
      const pp50 = median(pl.map((r) => r.p50Ms));
      const dp99 = median(dl.map((r) => r.p99Ms));
      const pp99 = median(pl.map((r) => r.p99Ms));
      const errors = [...p, ...pl].reduce((s, r) => s + r.non2xx + r.errors, 0);
      rows.push(
        `| ${c} | ${spread(d.map((r) => r.rps))} | ${spread(p.map((r) => r.rps))} | ${fmt(dp50, 3)} / ${fmt(dp99, 3)} | ${fmt(pp50, 3)} / ${fmt(pp99, 3)} | **${fmt(pp50 - dp50, 3)} / ${fmt(pp99 - dp99, 3)}** | ${errors} |`,
      );
      console.log(`latency c=${c} done`);
    }
    if (rows.length > 0)
      sections.push(`## 1. Added latency (cache off, non-streaming)

The same request straight to claude-sim and through the proxy (\`caching: false\`, a client key, rate
limits set high, logging at info, request history on). Every latency is timed per request with
\`process.hrtime\` (microseconds): at concurrency 1 by ${fmt(SEQUENTIAL)} sequential requests on one keep-alive
\`node:http\` connection (which also give that row's requests/s), at 16 and 128 by a ${SECONDS} s closed loop of
as many keep-alive \`node:http\` connections, since autocannon's percentiles are whole milliseconds. The
requests/s at 16 and 128 are autocannon's (${SECONDS} s; its client is cheaper, so it measures the server, not
the load generator). Median of ${REPEAT} runs (min–max in brackets). Time to first token is not measured: the proxy's REST contract answers whole
messages (E1) and whole task results (E4), so no client sees a first token before the last; streaming is
used only between the task worker and the upstream, for progress.

| concurrency | direct req/s | proxy req/s | direct p50 / p99 ms | proxy p50 / p99 ms | added p50 / p99 ms | proxy errors |
|---|---|---|---|---|---|---|
${rows.join('\n')}`);

    // 2 and 5. Cache hits vs a bare server; with and without authentication.
    if (want('hits')) {
      await fetch(hit.url, { method: 'POST', headers: auth, body: hitBody });
      const second = await fetch(hit.url, { method: 'POST', headers: auth, body: hitBody });
      if (second.headers.get('x-cache') !== 'HIT')
        throw new Error('the cache-hit request is not served from the cache');
      const cached = await second.text();
      const bare = await startBareProcess(cached);
      procs.push(bare);
      const open = await startProxyProcess(proxyEnv(sim.url, { AUTH_DISABLED: 'true' }));
      procs.push(open);
      const bareT: Target = {
        url: bare.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: hitBody,
      };
      const openT: Target = {
        url: `${open.url}/api/claude/query`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: hitBody,
      };
      const hits: number[] = [];
      const bares: number[] = [];
      const opens: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        bares.push((await autocannonRun(bareT, 16, SECONDS)).rps);
        hits.push((await autocannonRun(hit, 16, SECONDS)).rps);
        opens.push((await autocannonRun(openT, 16, SECONDS)).rps);
      }
      console.log('cache hits done');
      sections.push(`## 2. Cache-hit throughput

Authenticated cache hits (\`POST /api/claude/query\`, 16 connections, ${SECONDS} s) against a bare
\`node:http\` server that answers the very same JSON: the practical ceiling on this machine.

| server | req/s, median (min–max) | ratio to bare |
|---|---|---|
| bare node:http | ${spread(bares)} | 100% |
| proxy, cache hit, with a key | ${spread(hits)} | **${fmt((100 * median(hits)) / median(bares), 1)}%** |`);
      sections.push(`## 5. Authentication cost

The same cache hits with a client key and with authentication switched off (\`AUTH_DISABLED=true\`, for
benchmarks only). A key is verified with bcrypt once; afterwards it costs one SHA-256 and a bounded-LRU lookup.

| authentication | req/s, median (min–max) | ratio |
|---|---|---|
| off | ${spread(opens)} | 100% |
| client key | ${spread(hits)} | **${fmt((100 * median(hits)) / median(opens), 1)}%** |`);
      await open.stop();
      procs.splice(procs.indexOf(open), 1);
      await bare.stop();
      procs.splice(procs.indexOf(bare), 1);
    }

    // 3. Queue rate.
    if (want('queue')) {
      const proxyRates = await repeat(async () =>
        proxyQueueRate(proxy.url, await registerKey(proxy.url), QUEUE_JOBS, randomBytes(3).toString('hex')),
      );
      const rawRates = await repeat(() => rawPgBossRate(DATABASE_URL, `${SCHEMA}_raw`, QUEUE_JOBS));
      console.log('queue done');
      sections.push(`## 3. Queue rate

${fmt(QUEUE_JOBS)} tasks submitted over HTTP by 32 concurrent callers on a keep-alive \`node:http\` agent
(\`POST /api/claude/queue\`, caching off)
and processed by the proxy's own worker (\`WORKER_CONCURRENCY=64\`) against the zero-latency simulator,
timed from the first submission to the last completion; against raw pg-boss \`send\` (16 concurrent
senders) + \`work\` (4 workers, batches of 100) of as many jobs on the same database.

| pipeline | tasks/s, median (min–max) | ratio |
|---|---|---|
| raw pg-boss send + work | ${spread(rawRates)} | 100% |
| proxy end to end | ${spread(proxyRates)} | **${fmt((100 * median(proxyRates)) / median(rawRates), 1)}%** |`);
    }

    // 4. Memory under steady load.
    if (want('memory')) {
      const samples: { t: number; rss: number }[] = [];
      const soakStart = performance.now();
      const sampler = setInterval(
        () => samples.push({ t: (performance.now() - soakStart) / 1000, rss: proxy.rssMb() }),
        5_000,
      );
      let soakRequests = 0;
      while (performance.now() - soakStart < SOAK_SECONDS * 1000) {
        const slice = Math.min(10, SOAK_SECONDS - (performance.now() - soakStart) / 1000);
        if (slice < 1) break;
        // Mixed steady load: half misses (upstream + history), half hits.
        const [a, b] = await Promise.all([
          autocannonRun(miss, 8, Math.floor(slice)),
          autocannonRun(hit, 8, Math.floor(slice)),
        ]);
        soakRequests += (a.rps + b.rps) * Math.floor(slice);
      }
      clearInterval(sampler);
      samples.push({ t: (performance.now() - soakStart) / 1000, rss: proxy.rssMb() });
      const half = samples.filter((s) => s.t >= SOAK_SECONDS / 2);
      const n = half.length;
      const mt = half.reduce((s, x) => s + x.t, 0) / n;
      const mr = half.reduce((s, x) => s + x.rss, 0) / n;
      const slope =
        half.reduce((s, x) => s + (x.t - mt) * (x.rss - mr), 0) /
        Math.max(
          1e-9,
          half.reduce((s, x) => s + (x.t - mt) ** 2, 0),
        );
      const peak = Math.max(...samples.map((s) => s.rss));
      const last = samples.at(-1)?.rss ?? 0;
      console.log('soak done');
      sections.push(`## 4. Memory under steady load

${SOAK_SECONDS} s of mixed load (8 connections of cache misses and 8 of hits, ${fmt(soakRequests)} requests), proxy
RSS sampled every 5 s from \`/proc\`.

| RSS at the end | peak RSS | slope over the second half |
|---|---|---|
| ${fmt(last, 1)} MB | ${fmt(peak, 1)} MB | ${fmt(slope * 60, 2)} MB/min |

Samples (s: MB): ${samples.map((s) => `${fmt(s.t)}: ${fmt(s.rss, 0)}`).join(', ')}`);
    }
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await dropSchemas(DATABASE_URL, [SCHEMA, `${SCHEMA}_boss`]);
  }

  const doc = `# Benchmarks

Measured ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC on this project's development machine:
${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, Postgres at
\`${DATABASE_URL.replace(/\/\/[^@]*@/, '//')}\`. 1-minute load average when the run started: ${fmt(load, 2)}.
The load generator, the proxy, the simulator and Postgres share those cores, so read the ratios.

Reproduce: \`pnpm bench\` (or \`BENCH_REPEAT=${REPEAT} BENCH_SECONDS=${SECONDS} BENCH_SOAK_SECONDS=${SOAK_SECONDS} pnpm bench\`).
The script is \`bench/run-all.ts\`; it needs the test Postgres (\`BENCH_DATABASE_URL\`).

${sections.join('\n\n')}
`;
  // What was changed and what it bought (kept by hand in bench/findings.md; BENCH_NOTES_FILE overrides).
  const notes = process.env.BENCH_NOTES_FILE ?? join(ROOT, 'bench/findings.md');
  const extra = existsSync(notes) ? `\n${readFileSync(notes, 'utf8')}` : '';
  if (!ONLY) writeFileSync(join(ROOT, 'docs/benchmarks.md'), doc + extra);
  console.log(doc);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
