import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cli-args.js';

describe('parseCliArgs', () => {
  it('parses every flag, including repeated --api-key and --flag=value', () => {
    expect(
      parseCliArgs([
        '--port',
        '8080',
        '--host=0.0.0.0',
        '--ttft-ms',
        '250',
        '--tokens-per-second',
        '50',
        '--fault-rate',
        '0.1',
        '--api-key',
        'a',
        '--api-key=b',
      ]),
    ).toEqual({ port: 8080, host: '0.0.0.0', ttftMs: 250, tokensPerSecond: 50, faultRate: 0.1, apiKeys: ['a', 'b'] });
  });

  it('rejects unknown flags and bad values', () => {
    expect(() => parseCliArgs(['--nope'])).toThrow(/unknown flag/);
    expect(() => parseCliArgs(['--port', 'x'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--fault-rate', '2'])).toThrow(/between 0 and 1/);
    expect(() => parseCliArgs(['--port'])).toThrow(/needs a value/);
  });
});
