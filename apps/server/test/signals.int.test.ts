import { startSimulator } from '@claude-proxy/claude-sim';
import { describe, expect, it } from 'vitest';
import { dropSchemas, spawnBuiltServer, TEST_ADMIN_KEY, uniqueSchema, waitFor, workerEnv } from './helpers.js';

/** Ctrl-C on the built server (main.ts): drain on the first, exit at once on a real second press. */
describe('signals (built server)', () => {
  it('takes one Ctrl-C delivered twice (terminal and a forwarding runner) as one: a full graceful shutdown', async () => {
    const sim = await startSimulator();
    const schema = uniqueSchema('signals');
    const server = await spawnBuiltServer(
      workerEnv({ schema, simUrl: sim.url, extra: { SERVER_MODE: 'all', BCRYPT_COST: '4' } }),
    );
    try {
      await waitFor(() => server.output.join('').includes('claude-proxy listening'), 30_000);
      const url = /"url":"(http:[^"]+)"/.exec(server.output.join(''))?.[1];
      // A request in flight keeps the shutdown busy for a while: the echo arrives while it drains.
      sim.setOptions({ ttftMs: 1_500 });
      const inFlight = fetch(`${url}/api/claude/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'drain me', caching: false }),
      });
      await waitFor(() => sim.requests({ path: '/v1/messages' }).length === 1, 10_000, 10);
      server.child.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 50));
      server.child.kill('SIGINT');
      expect((await inFlight).status).toBe(200);
      expect(await server.exited).toBe(0);
      const log = server.output.join('');
      expect(log).toContain('shutdown complete');
      expect(log).not.toContain('exiting without waiting');
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await sim.close();
      await dropSchemas(schema);
    }
  }, 60_000);
});
