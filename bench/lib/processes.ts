import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Proc {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
  rssMb(): number;
}

function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function wrap(child: ChildProcess, url: string): Proc {
  return {
    url,
    child,
    rssMb: () => rssOf(child.pid),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
      }),
  };
}

/** Polls `url` until it answers (any HTTP status counts when `anyStatus`, else a 2xx). */
async function waitReady(url: string, child: ChildProcess, log: string[], anyStatus = false): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited: ${log.join('')}`);
    const ok = await fetch(url).then(
      (r) => anyStatus || r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`not ready: ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The simulator's CLI in its own process (zero latency). */
export async function startSimProcess(): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'packages/claude-sim/dist/cli.js'), '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  child.stderr?.on('data', (b: Buffer) => log.push(b.toString()));
  // /v1/models needs auth headers: any HTTP answer (401) means it listens.
  await waitReady(`${url}/v1/models`, child, log, true);
  return wrap(child, url);
}

/** The built proxy (`apps/server/dist/main.js`) in its own process. Its stdout (info logs) goes to /dev/null. */
export async function startProxyProcess(env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  // BENCH_PROXY_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the proxy.
  // Launched as `pnpm start` and the Docker image launch it (a 4 MB young generation: package.json, Dockerfile).
  const nodeArgs = [
    '--max-semi-space-size=8',
    ...(process.env.BENCH_PROXY_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
  ];
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'apps/server/dist/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  child.stderr?.on('data', (b: Buffer) => log.push(b.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/api/health/live`, child, log);
  return wrap(child, url);
}

/** A bare node:http server answering every request with `body`: the practical ceiling on this machine. */
export async function startBareProcess(body: string): Promise<Proc> {
  const port = await freePort();
  const script = `
    const http = require('node:http');
    const body = ${JSON.stringify(body)};
    http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    }).listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, []);
  return wrap(child, url);
}
