import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('createGroupCommit', () => {
  it('writes a lone item at once, and batches what arrives while a write is in flight', async () => {
    const batches: number[][] = [];
    const gates: (() => void)[] = [];
    const commit = createGroupCommit(
      async (items: number[]) => {
        batches.push(items);
        await new Promise<void>((r) => gates.push(r));
        return items.map((i) => i * 10);
      },
      { maxInFlight: 1 },
    );
    const first = commit(1);
    await tick();
    expect(batches).toEqual([[1]]);
    const rest = [commit(2), commit(3), commit(4)];
    await tick();
    expect(batches).toEqual([[1]]);
    gates.shift()?.();
    expect(await first).toBe(10);
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    gates.shift()?.();
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
  });

  it('keeps batches within maxBatch and at most maxInFlight writes at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const commit = createGroupCommit(
      async (items: number[]) => {
        inFlight++;
        most = Math.max(most, inFlight);
        sizes.push(items.length);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return items;
      },
      { maxBatch: 3, maxInFlight: 2 },
    );
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => commit(i)));
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
    expect(most).toBe(2);
  });

  it('fails only the item that cannot be written: a failed batch is retried item by item', async () => {
    let calls = 0;
    const commit = createGroupCommit(
      async (items: number[]) => {
        calls++;
        await tick();
        if (items.includes(13)) throw new Error('bad item');
        return items.map((i) => -i);
      },
      { maxInFlight: 1 },
    );
    const head = commit(1);
    const results = await Promise.allSettled([commit(12), commit(13), commit(14)]);
    expect(await head).toBe(-1);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('bad item');
    expect(calls).toBe(5);
  });
});
