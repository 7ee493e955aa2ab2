#!/usr/bin/env node
import { ConfigError, loadEnv } from './env.js';
import { applyHeapGrowingPercent } from './heap-settings.js';
import { StartupError } from './port-check.js';
import { type ServerHandle, startServer } from './start-server.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/**
 * One Ctrl-C can arrive twice: from the terminal and again from a runner that forwards it (turbo in
 * `pnpm dev`). A repeat this soon after the first is that echo, not an impatient second press.
 */
const ECHO_MS = 1_000;

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
  applyHeapGrowingPercent(env.HEAP_GROWING_PERCENT);

  let server: ServerHandle | undefined;
  let signalled: string | undefined;
  let signalledAt = 0;
  const shutdown = (handle: ServerHandle, signal: string) => {
    handle.logger.info({ signal }, 'shutting down');
    handle.close().then(
      () => {
        handle.logger.info({ signal }, 'shutdown complete');
        process.exit(0);
      },
      (err) => {
        handle.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // Installed before startup, so a signal while the server starts (the embedded Postgres already up, in a
  // process group of its own) still ends in a clean shutdown once startup is done. A second signal exits at
  // once; the embedded Postgres is stopped on the way out either way (see embedded-postgres.ts).
  const onSignal = (signal: string) => {
    if (signalled === signal && Date.now() - signalledAt < ECHO_MS) return;
    if (signalled !== undefined) {
      process.stderr.write(`${signal} again: exiting without waiting for the shutdown\n`);
      process.exit(130);
    }
    signalled = signal;
    signalledAt = Date.now();
    if (server) shutdown(server, signal);
    else process.stderr.write(`${signal}: stopping as soon as startup is done\n`);
  };
  const ours = SIGNALS.map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, listener] of ours) process.on(signal, listener);

  server = await startServer(env);
  // A library's promise that nobody awaits (pg-boss completes and fails jobs without awaiting them, and a
  // dropped database connection rejects them) must not take every request of this instance down with it.
  // Such a rejection is logged; the work it belonged to is retried by its own mechanism (job expiry).
  const logger = server.logger;
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection (the server keeps running)');
  });
  // embedded-postgres may register exit hooks that stop its database and exit at the first SIGTERM/SIGINT,
  // racing the graceful shutdown (which still needs the database to flush history and finish requests).
  // Only our listeners stay; the shutdown stops the embedded database itself, last.
  for (const [signal, listener] of ours) {
    for (const other of process.listeners(signal)) if (other !== listener) process.off(signal, other);
  }
  if (signalled !== undefined) shutdown(server, signalled);
}

main().catch((error) => {
  // A StartupError says what to do about it; anything else is a bug, shown with its stack.
  const text = error instanceof StartupError ? error.message : error instanceof Error ? error.stack : String(error);
  process.stderr.write(`claude-proxy failed to start: ${text}\n`);
  process.exit(1);
});
