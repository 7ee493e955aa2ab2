import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { type Simulator, type SimulatorOptions, startSimulator } from '@claude-proxy/claude-sim';
import pg from 'pg';
import { type Env, loadEnv, type ServerHandle, type StartOptions, startServer } from '../src/index.js';

/** The bootstrap administrator key every test server is configured with (ADMIN_API_KEY). */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A port the OS says is free now. A random pick in 30,000–50,000 may be the ephemeral port of one of the
 * many loopback connections a full test run has open, and the listen fails.
 */
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

/** A fresh schema name per server (its pg-boss schema is `<name>_boss`). */
export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Collects log lines so tests can read them as JSON. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(line);
    done();
  }
  get records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface TestServer {
  url: string;
  server: ServerHandle;
  sim: Simulator;
  schema: string;
  logs: LogCapture;
  close(): Promise<void>;
}

export interface TestServerOptions extends StartOptions {
  env?: Record<string, string>;
  sim?: SimulatorOptions;
  /** Reuse a simulator (and schema) across servers: several instances on one database. */
  sharedSim?: Simulator;
  schema?: string;
  dropSchemaOnClose?: boolean;
}

export function testEnv(overrides: Record<string, string> = {}): Env {
  return loadEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: TEST_DATABASE_URL,
    ANTHROPIC_API_KEY: 'sk-ant-test-key-0123456789',
    LOG_LEVEL: 'info',
    DATABASE_POOL_MAX: '5',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    // The lowest bcrypt cost keeps registrations fast; production uses BCRYPT_COST (default 10).
    BCRYPT_COST: '4',
    ...overrides,
  });
}

export async function dropSchemas(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  // A process of the test that is still going down may hold locks in the schema: a deadlock is retried.
  const drop = async (name: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } catch (error) {
        if ((error as { code?: string }).code !== '40P01' || attempt === 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  };
  try {
    await drop(schema);
    await drop(`${schema}_boss`);
  } finally {
    await client.end();
  }
}

/** The real server on loopback, on its own schema of the test database, with the simulator as upstream. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const sim = options.sharedSim ?? (await startSimulator(options.sim ?? {}));
  const schema = options.schema ?? uniqueSchema();
  const logs = new LogCapture();
  const env = testEnv({ DATABASE_SCHEMA: schema, ANTHROPIC_BASE_URL: sim.url, ...options.env });
  const server = await startServer(env, { logDestination: logs, ...options });
  return {
    url: server.url,
    server,
    sim,
    schema,
    logs,
    close: async () => {
      await server.close();
      if (!options.sharedSim) await sim.close();
      if (options.dropSchemaOnClose ?? !options.schema) await dropSchemas(schema);
    },
  };
}

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function http<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

export const bearer = (credential: string): Record<string, string> => ({ authorization: `Bearer ${credential}` });

export interface RegisteredClient {
  clientId: string;
  apiKey: string;
  webhookSecret: string;
  expiresAt: string;
}

/** Registers a client through the API with the admin key and returns its (once-shown) key. */
export async function registerClient(
  t: { url: string },
  permissions: string[] = ['query', 'queue'],
  extra: Record<string, unknown> = {},
): Promise<RegisteredClient> {
  const res = await http<RegisteredClient>(`${t.url}/api/auth/register`, {
    body: { name: `test client ${randomBytes(3).toString('hex')}`, permissions, ...extra },
    headers: bearer(TEST_ADMIN_KEY),
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** `http` as the bootstrap administrator (every permission), unless the call names its own Authorization. */
export function adminHttp<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const named = Object.keys(init.headers ?? {}).some((h) => h.toLowerCase() === 'authorization');
  return http<T>(url, named ? init : { ...init, headers: { ...init.headers, ...bearer(TEST_ADMIN_KEY) } });
}

/** Polls `check` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export type TaskBody = Record<string, unknown> & { taskId: string; status: string };

/** POST /api/claude/queue; fails the test on anything but 202. */
export async function enqueueTask(url: string, body: Record<string, unknown>): Promise<TaskBody> {
  const res = await adminHttp<TaskBody>(`${url}/api/claude/queue`, { body });
  if (res.status !== 202) throw new Error(`enqueue answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function getTask(url: string, taskId: string): Promise<TaskBody> {
  return (await adminHttp<TaskBody>(`${url}/api/claude/task/${taskId}`)).body;
}

/** Polls E3 until the task reaches one of `statuses`. */
export function waitForTask(url: string, taskId: string, statuses: string[], timeoutMs = 20_000): Promise<TaskBody> {
  return waitFor(async () => {
    const body = await getTask(url, taskId);
    return statuses.includes(body.status) ? body : undefined;
  }, timeoutMs);
}

/** The environment of a built server run as a worker process beside an in-process API on the same schema. */
export function workerEnv(options: {
  schema: string;
  simUrl: string;
  databaseUrl?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    DATABASE_URL: options.databaseUrl ?? TEST_DATABASE_URL,
    DATABASE_SCHEMA: options.schema,
    ANTHROPIC_API_KEY: 'sk-ant-test-key-0123456789',
    ANTHROPIC_BASE_URL: options.simUrl,
    SERVER_MODE: 'worker',
    // With DATABASE_URL set, authentication is configured: the worker boots with the same admin key and secret.
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...options.extra,
  };
}

export interface SpawnedServer {
  child: import('node:child_process').ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

/** The built server (`apps/server/dist/main.js`) as its own process, e.g. a worker to kill -9. */
export async function spawnBuiltServer(env: Record<string, string>): Promise<SpawnedServer> {
  const { spawn } = await import('node:child_process');
  const { resolve } = await import('node:path');
  const main = resolve(import.meta.dirname, '../dist/main.js');
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output, exited };
}
