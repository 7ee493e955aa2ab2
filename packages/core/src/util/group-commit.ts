/**
 * Group commit: an item that arrives while earlier ones are being written waits for that write and goes
 * into the next batch with everything else that arrived meanwhile (up to `maxBatch`). A lone item is
 * written at once, so nothing waits for a timer; under load N items cost one write instead of N. At most
 * `maxInFlight` batches are written at a time. A failed batch is retried item by item, so one bad item
 * fails only its own caller.
 */
export function createGroupCommit<I, O>(
  writeBatch: (items: I[]) => Promise<O[]>,
  options: { maxBatch?: number; maxInFlight?: number } = {},
): (item: I) => Promise<O> {
  const maxBatch = options.maxBatch ?? 200;
  const maxInFlight = options.maxInFlight ?? 2;
  const pending: { item: I; resolve(value: O): void; reject(error: unknown): void }[] = [];
  let inFlight = 0;

  const settle = async (batch: typeof pending): Promise<void> => {
    try {
      const results = await writeBatch(batch.map((p) => p.item));
      for (const [i, p] of batch.entries()) p.resolve(results[i] as O);
    } catch (error) {
      if (batch.length === 1) return batch[0]?.reject(error);
      for (const p of batch) await settle([p]);
    }
  };

  const drain = async (): Promise<void> => {
    inFlight++;
    try {
      while (pending.length > 0) await settle(pending.splice(0, maxBatch));
    } finally {
      inFlight--;
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (inFlight < maxInFlight) void drain();
    });
}
