import { describe, expect, it } from 'vitest';
import { createHostGate } from './host-gate.js';

describe('createHostGate', () => {
  it('lets each host hold at most its share, independently, and frees a share once per release', () => {
    const gate = createHostGate(2);
    const a1 = gate.enter('a:1');
    const a2 = gate.enter('a:1');
    expect(a1).toBeDefined();
    expect(a2).toBeDefined();
    expect(gate.enter('a:1')).toBeUndefined();
    expect(gate.enter('b:1')).toBeDefined();
    a1?.();
    a1?.(); // a second release of the same share frees nothing more
    const a3 = gate.enter('a:1');
    expect(a3).toBeDefined();
    expect(gate.enter('a:1')).toBeUndefined();
    a2?.();
    a3?.();
    expect(gate.enter('a:1')).toBeDefined();
  });
});
