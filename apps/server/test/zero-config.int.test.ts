import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, freePort, http, waitFor } from './helpers.js';

const MAIN = resolve(import.meta.dirname, '../dist/main.js');

interface Running {
  child: ChildProcess;
  output: string[];
  url: string;
}

/** The built server exactly as `pnpm start` runs it: no DATABASE_URL, no ANTHROPIC_API_KEY. */
async function startBuilt(dataDir: string, port: number, pgPort: number): Promise<Running> {
  const { child, output } = spawnBuilt(dataDir, port, pgPort);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited: ${output.join('')}`);
      return fetch(`${url}/api/health`).then(
        (r) => r.status === 200,
        () => false,
      );
    },
    60_000,
    100,
  );
  return { child, output, url };
}

function spawnBuilt(dataDir: string, port: number, pgPort: number): { child: ChildProcess; output: string[] } {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
  };
  // A process group of its own, as a terminal gives `pnpm start`: Ctrl-C can be sent to the whole group.
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const output: string[] = [];
  child.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
  return { child, output };
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

/** SIGTERM to the server, or Ctrl-C: SIGINT to its whole process group (embedded Postgres included). */
function stop(running: Running, how: 'SIGTERM' | 'ctrl-c' = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    running.child.once('exit', (code) => resolve(code));
    if (how === 'SIGTERM') running.child.kill('SIGTERM');
    else process.kill(-running.child.pid!, 'SIGINT');
  });
}

describe('zero-config run (embedded Postgres + built-in simulator)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'claude-proxy-zero-'));
  let port: number;
  let pgPort: number;
  beforeAll(async () => {
    port = await freePort();
    pgPort = await freePort();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts, prints an admin key once, answers a query, and keeps its data across a restart', async () => {
    // A first start whose HTTP port is taken stops at once with a message that says what to change, before
    // the embedded Postgres starts and before the one-time administrator key is created and shown.
    const squatter = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      const refused = spawnBuilt(dataDir, port, pgPort);
      expect(await exitOf(refused.child)).toBe(1);
      const said = refused.output.join('');
      expect(said).toContain(`Cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
      expect(said).toContain('Set PORT');
      expect(said).not.toContain('    at ');
      expect(said).not.toContain('ADMINISTRATOR API KEY');
      expect(existsSync(join(dataDir, 'postgres'))).toBe(false);
    } finally {
      squatter.close();
    }

    const first = await startBuilt(dataDir, port, pgPort);
    const log = first.output.join('');
    expect(log).toContain('SIMULATOR');
    expect(log).toContain('embedded');
    expect(log).toContain('ADMINISTRATOR API KEY');
    const adminKey = /^\s+(sk_live_[A-Za-z0-9_-]{32})$/m.exec(log)?.[1];
    expect(adminKey).toBeDefined();
    // The banner's example names the port the server really listens on.
    expect(log).toContain(`curl -X POST http://127.0.0.1:${port}/api/auth/register`);
    expect(log).not.toContain('DeprecationWarning');
    // The embedded Postgres is not open to every local user: its password is random and only ours to read.
    const passwordFile = join(dataDir, 'postgres-password');
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    const password = readFileSync(passwordFile, 'utf8');
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const guess = new pg.Client({ host: '127.0.0.1', port: pgPort, user: 'postgres', password: 'postgres' });
    await expect(guess.connect()).rejects.toMatchObject({ code: '28P01' });
    const adminClientId = /client (client_[A-Za-z0-9_-]+)\. Register/.exec(log)?.[1];
    expect(adminClientId).toBeDefined();
    // Without ADMIN_API_KEY, the only administrator cannot be revoked (that would lock everyone out).
    const lockout = await http<{ error: { code: string; message: string } }>(
      `${first.url}/api/auth/clients/${adminClientId}`,
      { method: 'DELETE', headers: bearer(adminKey!) },
    );
    expect(lockout.status).toBe(400);
    expect(lockout.body.error.message).toContain('last usable administrator');

    const registered = await http<{ apiKey: string }>(`${first.url}/api/auth/register`, {
      body: { name: 'zero-config app', permissions: ['query'] },
      headers: bearer(adminKey!),
    });
    expect(registered.status).toBe(201);
    const { apiKey } = registered.body;
    const token = await http<{ token: string }>(`${first.url}/api/auth/token`, { body: { apiKey } });
    expect(token.status).toBe(200);

    const query = { prompt: 'Explain the categorical imperative', parameters: { model: 'claude-3' } };
    const unauthenticated = await http(`${first.url}/api/claude/query`, { body: query });
    expect(unauthenticated.status).toBe(401);
    const a = await http<{ content: string; metadata: { cached: boolean } }>(`${first.url}/api/claude/query`, {
      body: query,
      headers: bearer(apiKey),
    });
    expect(a.status).toBe(200);
    expect(a.body.metadata.cached).toBe(false);
    expect(await stop(first)).toBe(0);

    const second = await startBuilt(dataDir, port, pgPort);
    const secondLog = second.output.join('');
    expect(secondLog).toContain('database schema is current');
    expect(secondLog).toContain('an administrator key exists');
    expect(secondLog).not.toContain(adminKey!);
    // The generated JWT secret was persisted: a token from the first run still works.
    const b = await http<{ content: string; metadata: { cached: boolean } }>(`${second.url}/api/claude/query`, {
      body: query,
      headers: bearer(token.body.token),
    });
    expect(b.status).toBe(200);
    // The answer was stored in the embedded database by the first run: it survived the restart.
    expect(b.body.metadata.cached).toBe(true);
    expect(b.body.content).toBe(a.body.content);
    // Ctrl-C reaches the server and its embedded Postgres together: the server still drains and exits cleanly.
    expect(await stop(second, 'ctrl-c')).toBe(0);
    const stopped = second.output.join('');
    expect(stopped).toContain('shutdown complete');
    expect(stopped).not.toMatch(/terminating connection|Unhandled 'error'|pg-boss error/);
  });

  it('refuses a second server on the same DATA_DIR, names a taken Postgres port, and stops when its Postgres dies', async () => {
    const first = await startBuilt(dataDir, port, pgPort);
    try {
      // A second `pnpm start` in the same folder: refused before it touches the first one's database.
      const second = spawnBuilt(dataDir, port + 2, pgPort);
      expect(await exitOf(second.child)).toBe(1);
      expect(second.output.join('')).toContain(`Another claude-proxy (pid ${first.child.pid}) is running`);
      expect(second.output.join('')).not.toContain('    at ');
      const ready = await fetch(`${first.url}/api/health/ready`);
      expect(ready.status).toBe(200);

      // Its Postgres stopped behind its back: the server says so and exits instead of answering 503 forever.
      const pid = Number.parseInt(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8'), 10);
      process.kill(pid, 'SIGINT');
      expect(await exitOf(first.child)).toBe(1);
      expect(first.output.join('')).toContain('the embedded Postgres stopped on its own');
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
    }

    // Something else on the Postgres port: the message names it and the setting to change.
    const squatter = createServer().listen(pgPort, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      const third = spawnBuilt(dataDir, port + 4, pgPort);
      expect(await exitOf(third.child)).toBe(1);
      expect(third.output.join('')).toContain(`cannot listen on 127.0.0.1:${pgPort}`);
      expect(third.output.join('')).toContain('EMBEDDED_PG_PORT');
    } finally {
      squatter.close();
    }
  }, 120_000);

  it('lets exactly one of two servers started at the same moment have DATA_DIR, and ignores a stale lock', async () => {
    // A lock naming a live process that is not the server that wrote it (a reused pid): not a holder.
    writeFileSync(join(dataDir, 'server.pid'), `${process.pid} 1`);
    const both = [spawnBuilt(dataDir, port + 6, pgPort), spawnBuilt(dataDir, port + 8, pgPort)];
    const exits = both.map((s) => exitOf(s.child));
    const winner = await Promise.race(
      both.map((_, i) =>
        waitFor(
          () =>
            fetch(`http://127.0.0.1:${port + 6 + 2 * i}/api/health`).then(
              (r) => r.status === 200,
              () => false,
            ),
          60_000,
          100,
        ).then(() => i),
      ),
    );
    const loser = both[1 - winner]!;
    expect(await exits[1 - winner]).toBe(1);
    expect(loser.output.join('')).toContain(`Another claude-proxy (pid ${both[winner]!.child.pid}) is running`);
    expect(readFileSync(join(dataDir, 'server.pid'), 'utf8')).toMatch(new RegExp(`^${both[winner]!.child.pid} \\d+$`));
    both[winner]!.child.kill('SIGTERM');
    expect(await exits[winner]).toBe(0);
  }, 120_000);
});
