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

describe('type declarations of @claude-proxy/client', () => {
  it('stand alone: they import only the tRPC client and server types a consumer installs with the SDK', async () => {
    const { readFileSync } = await import('node:fs');
    const declarations = readFileSync(resolve(import.meta.dirname, '../dist/index.d.ts'), 'utf8');
    const imported = [...declarations.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
    expect(new Set(imported)).toEqual(new Set(['@trpc/client', '@trpc/server']));
    // The contract is spelled out: a query's input names its fields.
    expect(declarations).toMatch(/prompt: string;/);
  });

  it('are generated from the router as it is now (src/contract.generated.ts is current)', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = resolve(import.meta.dirname, '../scripts/gen-contract.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
