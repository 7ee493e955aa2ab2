import { createServer } from 'node:net';

/** A reason the server cannot start that the operator can fix; printed without a stack trace. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Whether `host:port` can be listened on now: undefined if so, else the error a listen gets. */
export function probeListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', resolve);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

/** What a failed listen on PORT/HOST means, and which setting to change. */
export function listenError(host: string, port: number, error: NodeJS.ErrnoException): StartupError {
  const code = error.code ?? error.message;
  if (code === 'EADDRINUSE') {
    return new StartupError(
      `Cannot listen on ${host}:${port} (EADDRINUSE): another program uses that port. ` +
        'Set PORT to a free port, or stop the other program.',
    );
  }
  if (code === 'EACCES') {
    return new StartupError(`Cannot listen on ${host}:${port} (EACCES): ports below 1024 need privileges. Set PORT.`);
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new StartupError(`Cannot listen on ${host}:${port} (${code}): HOST is not an address of this machine.`);
  }
  return new StartupError(`Cannot listen on ${host}:${port} (${code}).`);
}

/**
 * Fails fast when the HTTP port cannot be had, before anything else starts: otherwise the embedded
 * Postgres, the migrations and the first start's one-time administrator key would all come and go first
 * (and the key's banner would scroll away above the error). Port 0 (any free port) always succeeds.
 */
export async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const error = await probeListen(host, port);
  if (error) throw listenError(host, port, error);
}
