import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before it collects
 * again: `1 + percent / 100` times. V8's own heuristic picks up to 4 times when collections are fast, so
 * under steady load the heap swings between its live size and several times that, and RSS with it
 * (docs/deployment.md). `0` leaves V8's heuristic. A `--heap-growing-percent` given to node itself on the
 * command line wins (node refuses V8 flags of this kind in `NODE_OPTIONS`).
 *
 * @returns the flag that was set, or undefined when nothing was changed.
 */
export function applyHeapGrowingPercent(
  percent: number,
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): string | undefined {
  if (percent === 0) return undefined;
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return undefined;
  const flag = `--heap-growing-percent=${percent}`;
  // The heap controller reads it at every full collection, so setting it after startup takes effect.
  setFlags(flag);
  return flag;
}
