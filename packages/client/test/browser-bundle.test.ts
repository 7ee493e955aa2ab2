import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = resolve(import.meta.dirname, '../dist/index.js');

describe('browser bundle of @claude-proxy/client', () => {
  it('bundles for the browser with no Node built-ins and no server code', async () => {
    // platform=browser makes any import of a Node built-in (node:fs, crypto, http…) a build error.
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    for (const forbidden of [
      '@claude-proxy/core',
      '@claude-proxy/api',
      'pg-boss',
      'kysely',
      'node_modules/pg/',
      'pino',
      'zod',
    ]) {
      expect(
        inputs.filter((i) => i.includes(forbidden)),
        forbidden,
      ).toEqual([]);
    }
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code).not.toMatch(/require\(["'](fs|net|http|crypto|child_process)["']\)/);
    expect(code).toContain('createClaudeProxyClient');
    // Small enough for a frontend: tRPC client + superjson + the SDK.
    expect(code.length).toBeLessThan(200_000);
  });
});
