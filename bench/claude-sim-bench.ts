/**
 * Non-streaming throughput of the Claude API simulator at zero latency.
 * Run: pnpm exec tsx bench/claude-sim-bench.ts  (writes the "claude-sim" section of docs/benchmarks.md)
 *
 * The simulator runs in its own process so the load generator does not share its event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DURATION_S = 5;
const CONCURRENCY = [16, 128];
const body = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'Give me a short status summary of the proxy.' }],
});

interface Result {
  connections: number;
  requestsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function startSimulatorProcess(): Promise<{ url: string; child: ChildProcess }> {
  const built = join(root, 'packages/claude-sim/dist/cli.js');
  const args = existsSync(built)
    ? [built, '--port', '0']
    : ['--import', 'tsx', join(root, 'packages/claude-sim/src/cli.ts'), '--port', '0'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { url, child };
}

async function run(url: string, connections: number): Promise<Result> {
  const result = await autocannon({
    url: `${url}/v1/messages`,
    method: 'POST',
    connections,
    duration: DURATION_S,
    headers: { 'content-type': 'application/json', 'x-api-key': 'bench', 'anthropic-version': '2023-06-01' },
    body,
  });
  return {
    connections,
    requestsPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

function writeSection(results: Result[], load: number): void {
  const file = join(root, 'docs/benchmarks.md');
  const rows = results.map(
    (r) =>
      `| ${r.connections} | ${r.requestsPerSec.toLocaleString('en-US')} | ${r.p50} | ${r.p99} | ${r.errors + r.non2xx} |`,
  );
  const section = [
    '## claude-sim',
    '',
    `Non-streaming \`POST /v1/messages\` at zero latency (ttftMs 0, tokensPerSecond 0), ${DURATION_S} s per run,`,
    'autocannon in the bench process, the simulator (built CLI) in its own process; both share the machine.',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}.`,
    `1-minute load average when the run started: ${load.toFixed(1)} (other work on the machine lowers the figures).`,
    `Measured ${new Date().toISOString().slice(0, 10)}. Command: \`pnpm --filter @claude-proxy/claude-sim build && pnpm exec tsx bench/claude-sim-bench.ts\`.`,
    '',
    '| connections | requests/s | p50 ms | p99 ms | errors + non-2xx |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const start = existing.indexOf('## claude-sim\n');
  let next: string;
  if (start === -1) next = `${existing.trimEnd()}\n\n${section}`;
  else {
    const after = existing.indexOf('\n## ', start + 1);
    next = existing.slice(0, start) + section + (after === -1 ? '' : existing.slice(after + 1));
  }
  writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
}

const load = loadavg()[0] ?? 0;
const { url, child } = await startSimulatorProcess();
try {
  await run(url, 16); // warm-up so the JIT and keep-alive pool are settled before measuring
  const results: Result[] = [];
  for (const connections of CONCURRENCY) {
    const result = await run(url, connections);
    console.log(`c=${connections}: ${result.requestsPerSec} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
    results.push(result);
  }
  writeSection(results, load);
} finally {
  child.kill('SIGTERM');
}
