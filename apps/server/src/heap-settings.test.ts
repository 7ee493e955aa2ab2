import { describe, expect, it, vi } from 'vitest';
import { applyHeapGrowingPercent } from './heap-settings.js';

describe('applyHeapGrowingPercent', () => {
  it('sets the V8 flag to the configured percent', () => {
    const setFlags = vi.fn();
    expect(applyHeapGrowingPercent(50, ['--max-semi-space-size=4'], setFlags)).toBe('--heap-growing-percent=50');
    expect(setFlags).toHaveBeenCalledWith('--heap-growing-percent=50');
  });

  it('leaves V8 alone at 0', () => {
    const setFlags = vi.fn();
    expect(applyHeapGrowingPercent(0, [], setFlags)).toBeUndefined();
    expect(setFlags).not.toHaveBeenCalled();
  });

  it.each([['--heap-growing-percent=20'], ['--heap_growing_percent=20'], ['--heap-growing-percent']])(
    'lets a flag given to node (%s) win',
    (arg) => {
      const setFlags = vi.fn();
      expect(applyHeapGrowingPercent(50, ['--max-semi-space-size=4', arg], setFlags)).toBeUndefined();
      expect(setFlags).not.toHaveBeenCalled();
    },
  );

  it('really changes the running V8 (the default setter accepts the flag)', () => {
    expect(() => applyHeapGrowingPercent(50, [])).not.toThrow();
  });
});
