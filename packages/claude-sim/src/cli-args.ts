import type { SimulatorOptions } from './types.js';

export const USAGE = `Usage: claude-sim [--port N] [--host H] [--ttft-ms N] [--tokens-per-second N]
                  [--fault-rate X] [--api-key K]... [--seed N]`;

/** Parses CLI flags into simulator options; throws with a readable message on a bad flag. */
export function parseCliArgs(argv: readonly string[]): SimulatorOptions & { help?: boolean } {
  const options: SimulatorOptions & { help?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string => {
      const v = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        options.help = true;
        break;
      case '--port':
        options.port = integer(flag, value());
        break;
      case '--host':
        options.host = value();
        break;
      case '--ttft-ms':
        options.ttftMs = number(flag, value());
        break;
      case '--tokens-per-second':
        options.tokensPerSecond = number(flag, value());
        break;
      case '--fault-rate': {
        const rate = number(flag, value());
        if (rate > 1) throw new Error('--fault-rate must be between 0 and 1');
        options.faultRate = rate;
        break;
      }
      case '--api-key':
        options.apiKeys = [...(options.apiKeys ?? []), value()];
        break;
      case '--seed':
        options.seed = integer(flag, value());
        break;
      default:
        throw new Error(`unknown flag ${arg}`);
    }
  }
  return options;
}

function number(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`${flag} expects a non-negative number`);
  return n;
}

function integer(flag: string, raw: string): number {
  const n = number(flag, raw);
  if (!Number.isInteger(n)) throw new Error(`${flag} expects an integer`);
  return n;
}
