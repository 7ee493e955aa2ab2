import { startSimulator } from '@claude-proxy/claude-sim';
import { describe, expect, it } from 'vitest';
import { dropSchemas, spawnBuiltServer, uniqueSchema, waitFor, workerEnv } from './helpers.js';

interface Line {
  level: string;
  message: string;
  context?: Record<string, unknown>;
}

/** The built server's own stdout (L1, L2): lines are written once per event-loop turn, none held back. */
describe('log lines on stdout (built server)', () => {
  it('writes each request line while the server runs, in order, and the last lines on the way out', async () => {
    const sim = await startSimulator();
    const schema = uniqueSchema('stdout');
    // Probes are logged at DEBUG: the burst below is 200 lines.
    const server = await spawnBuiltServer(
      workerEnv({ schema, simUrl: sim.url, extra: { SERVER_MODE: 'all', BCRYPT_COST: '4', LOG_LEVEL: 'debug' } }),
    );
    const lines = (): Line[] =>
      server.output
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Line);
    try {
      await waitFor(() => lines().some((l) => l.message === 'claude-proxy listening'), 30_000);
      const url = String(lines().find((l) => l.message === 'claude-proxy listening')?.context?.url);

      // One request at a time: each line is on stdout shortly after its answer, not when a buffer fills.
      const answered: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${url}/api/claude/query`, {
          method: 'POST',
          headers: { authorization: 'Bearer not-a-key', 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'hello' }),
        });
        expect(res.status).toBe(401);
        const requestId = String(res.headers.get('x-request-id'));
        answered.push(requestId);
        await waitFor(() => lines().some((l) => l.context?.requestId === requestId), 2_000, 10);
      }

      // A burst logged within the same turns: every line arrives whole, one JSON object per line.
      const burst = await Promise.all(
        Array.from({ length: 200 }, (_, i) => fetch(`${url}/api/health/live?n=${i}`).then((r) => r.status)),
      );
      expect(burst.every((s) => s === 200)).toBe(true);
      await waitFor(() => lines().filter((l) => l.context?.route === '/api/health/live').length >= 200, 2_000, 10);
      const queries = lines().filter((l) => l.context?.route === '/api/claude/query');
      expect(queries.map((l) => l.context?.requestId)).toEqual(answered);

      // `shutdown complete` is logged right before process.exit: held lines are written on exit.
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      const last = lines().at(-1);
      expect(last?.message).toBe('shutdown complete');
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await sim.close();
      await dropSchemas(schema);
    }
  }, 60_000);
});
